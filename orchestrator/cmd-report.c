/* cmd-report.c: "report" writes a run's report: an HTML directory, or JSON, JUnit XML or
 * Markdown on stdout (or to -o PATH). */
#include "cmd.h"
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int load_run(struct store *st, const char *db, long long id, struct result_run **out)
{
	if (store_read_run(st, id, out) < 0)
		return cmd_error(EXIT_USAGE, "there is no run %lld in %s", id, db);
	return 0;
}

static int cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	static const char *const formats[] = { "html", "json", "junit", "markdown" };
	const char *format = "html", *output = NULL;
	long long run_id = 0, baseline_id = 0;
	_cleanup_free_ char *msg = NULL;
	int c, rc = EXIT_PASS;

	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "r:b:f:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'b':
			if (sscanf(optarg, "%lld", c == 'r' ? &run_id : &baseline_id) != 1 || (c == 'r' ? run_id : baseline_id) <= 0)
				return cmd_usage_error(&cmd_report_entry, "--%s takes a run id", c == 'r' ? "run" : "baseline");
			break;
		case 'f': {
			bool known = false;
			for (size_t i = 0; i < ARRAY_LENGTH(formats); i++)
				known |= streq(optarg, formats[i]);
			if (!known)
				return cmd_usage_error(&cmd_report_entry, "--format takes html, json, junit or markdown");
			format = optarg;
			break;
		}
		case 'o': output = optarg; break;
		default: return cmd_usage_error(&cmd_report_entry, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(&cmd_report_entry, "unexpected argument '%s'", argv[optind]);
	if (access(ctx->db_path, F_OK) < 0)
		return cmd_error(EXIT_USAGE, "no results database at %s: run a matrix first (compatlab run MATRIX)", ctx->db_path);
	struct store *st = store_open(ctx->db_path, &msg);
	if (!st)
		return cmd_error(EXIT_INFRA, "%s: %s", ctx->db_path, msg ? msg : "cannot open");
	int64_t id = run_id;
	struct result_run *run = NULL, *baseline = NULL;
	if (!id && store_latest_run(st, &id) < 0) {
		rc = cmd_error(EXIT_USAGE, "%s holds no run yet", ctx->db_path);
		goto out;
	}
	if ((rc = load_run(st, ctx->db_path, id, &run)) != 0 ||
	    (baseline_id && (rc = load_run(st, ctx->db_path, baseline_id, &baseline)) != 0))
		goto out;

	struct report *r = report_new(run, baseline, ctx->state_dir);
	if (streq(format, "html")) {
		_cleanup_free_ char *dir = output ? xstrdup(output)
						  : xasprintf("%s/reports/run-%lld", ctx->state_dir, (long long)id);
		int ret = report_write_html(r, dir);
		if (ret < 0)
			rc = cmd_error(EXIT_INFRA, "cannot write the report to %s: %s", dir, strerror(-ret));
		else
			printf("%s/index.html\n", dir);
	} else {
		struct strbuf sb;
		strbuf_init(&sb);
		if (streq(format, "json"))
			report_write_json(r, &sb);
		else if (streq(format, "junit"))
			report_write_junit(r, &sb);
		else
			report_write_markdown(r, &sb);
		if (output) {
			int ret = write_file(output, sb.buf, sb.len, 0644);
			if (ret < 0)
				rc = cmd_error(EXIT_INFRA, "cannot write %s: %s", output, strerror(-ret));
		} else {
			fwrite(sb.buf, 1, sb.len, stdout);
		}
		strbuf_release(&sb);
	}
	report_free(r);
out:
	result_run_free(run);
	result_run_free(baseline);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	"report", "[--run RUN] [--baseline RUN] [--format html|json|junit|markdown] [-o PATH]",
	"write the report of a run (the latest by default)", cmd_report,
};
