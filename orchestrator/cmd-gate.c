/* cmd-gate.c: "gate" says which deployment ring each tested sensor + content version may reach
 * under a rollout policy, with reasons; its exit code is what a release pipeline obeys. */
#include "cmd.h"
#include "gate.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cmd_gate(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "policy", required_argument, NULL, 'p' },
		{ "sensor", required_argument, NULL, 's' },
		{ "content", required_argument, NULL, 'c' },
		{ "target", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	const char *policy_path = NULL, *sensor = NULL, *content = NULL, *target_name = NULL;
	long long run_id = 0;
	bool json = false;
	_cleanup_free_ char *msg = NULL;
	int c;

	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (sscanf(optarg, "%lld", &run_id) != 1 || run_id <= 0)
				return cmd_usage_error(&cmd_gate_entry, "--run takes a run id");
			break;
		case 'p': policy_path = optarg; break;
		case 's': sensor = optarg; break;
		case 'c': content = optarg; break;
		case 't': target_name = optarg; break;
		case 'j': json = true; break;
		default: return cmd_usage_error(&cmd_gate_entry, "unknown option");
		}
	}
	if (optind != argc || !policy_path)
		return cmd_usage_error(&cmd_gate_entry, "--policy FILE is required");

	struct conf_error err = { 0 };
	struct gate_policy *policy = gate_policy_load(policy_path, &err);
	if (!policy) {
		_cleanup_free_ char *text = conf_error_format(&err);
		conf_error_clear(&err);
		return cmd_error(EXIT_USAGE, "%s", text);
	}
	size_t target = 0;
	if (target_name) {
		for (target = 0; target < policy->n_rings && !streq(policy->rings[target].name, target_name); target++)
			;
		if (target == policy->n_rings) {
			gate_policy_free(policy);
			return cmd_error(EXIT_USAGE, "%s: no ring '%s' in the policy", policy_path, target_name);
		}
	}

	int rc = EXIT_PASS;
	struct store *st = access(ctx->db_path, F_OK) == 0 ? store_open(ctx->db_path, &msg) : NULL;
	struct result_run *run = NULL;
	int64_t id = run_id;
	if (!st || (!id && store_latest_run(st, &id) < 0) || store_read_run(st, id, &run) < 0) {
		rc = cmd_error(EXIT_INFRA, "could not evaluate: no run %s in %s", run_id ? "with that id" : "yet", ctx->db_path);
		goto out;
	}
	struct gate_result *res;
	size_t n = gate_evaluate(policy, run, sensor, content, target, &res);
	if (!n) {
		rc = cmd_error(EXIT_INFRA, "could not evaluate: run %lld has no cell for that sensor and content", (long long)id);
		goto out;
	}
	size_t blocked = 0, undecidable = 0;
	struct strbuf sb;
	strbuf_init(&sb);
	if (json) {
		strbuf_puts(&sb, "{\"policy\":");
		strbuf_put_json_string(&sb, policy->name);
		strbuf_printf(&sb, ",\"run\":%lld,\"target\":", (long long)id);
		strbuf_put_json_string(&sb, policy->rings[target].name);
		strbuf_puts(&sb, ",\"versions\":[");
	} else {
		strbuf_printf(&sb, "policy %s, run %lld (%s); rings:", policy->name, (long long)id, run->status);
		for (size_t g = 0; g < policy->n_rings; g++)
			strbuf_printf(&sb, "%s %s", g ? " ->" : "", policy->rings[g].name);
		strbuf_printf(&sb, "; target %s\n", policy->rings[target].name);
	}
	for (size_t i = 0; i < n; i++) {
		const struct gate_result *r = &res[i];
		const char *reached = r->reached ? policy->rings[r->reached - 1].name : "none";
		const char *verdict = r->outcome == GATE_PASS ? "PASS" : r->outcome == GATE_BLOCKED ? "BLOCKED" : "UNDECIDABLE";
		blocked += r->outcome == GATE_BLOCKED;
		undecidable += r->outcome == GATE_UNDECIDABLE;
		if (json) {
			strbuf_puts(&sb, i ? ",{\"sensor\":" : "{\"sensor\":");
			strbuf_put_json_string(&sb, r->sensor);
			strbuf_puts(&sb, ",\"content\":");
			strbuf_put_json_string(&sb, r->content);
			strbuf_printf(&sb, ",\"cells\":%zu,\"ring\":", r->cells);
			if (r->reached)
				strbuf_put_json_string(&sb, reached);
			else
				strbuf_puts(&sb, "null");
			strbuf_printf(&sb, ",\"outcome\":\"%s\",\"reasons\":[", verdict);
			for (size_t k = 0; k < r->n_reasons; k++) {
				if (k)
					strbuf_putc(&sb, ',');
				strbuf_put_json_string(&sb, r->reasons[k]);
			}
			strbuf_puts(&sb, "]}");
		} else {
			strbuf_printf(&sb, "%s %s + %s: may reach %s (%zu cells)\n", verdict, r->sensor, r->content, reached, r->cells);
			for (size_t k = 0; k < r->n_reasons; k++)
				strbuf_printf(&sb, "    %s\n", r->reasons[k]);
		}
	}
	if (json)
		strbuf_puts(&sb, "]}\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
	gate_results_free(res, n);
	rc = blocked ? EXIT_FAILURES : undecidable ? EXIT_INFRA : EXIT_PASS;
out:
	result_run_free(run);
	store_close(st);
	gate_policy_free(policy);
	return rc;
}

const struct cmd_entry cmd_gate_entry = {
	"gate", "--policy FILE [--run RUN] [--sensor NAME] [--content NAME] [--target RING] [--json]",
	"which deployment ring a tested version may reach (0 pass, 1 blocked, 3 undecidable)", cmd_gate,
};
