/* cmd-report.c: "report" writes the HTML report or prints the JSON summary of a run. */
#include "cmd.h"
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *format = "html", *output = NULL;
	long long run_id = 0;
	_cleanup_free_ char *msg = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:f:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (sscanf(optarg, "%lld", &run_id) != 1 || run_id <= 0)
				return cmd_usage_error(&cmd_report_entry, "--run takes a run id");
			break;
		case 'f':
			if (!streq(optarg, "html") && !streq(optarg, "json"))
				return cmd_usage_error(&cmd_report_entry, "--format takes html or json");
			format = optarg;
			break;
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
	if (!id && store_latest_run(st, &id) < 0) {
		store_close(st);
		return cmd_error(EXIT_USAGE, "%s holds no run yet", ctx->db_path);
	}
	struct result_run *run = NULL;
	if (store_read_run(st, id, &run) < 0) {
		store_close(st);
		return cmd_error(EXIT_USAGE, "there is no run %lld in %s", (long long)id, ctx->db_path);
	}
	store_close(st);

	int rc = EXIT_PASS;
	if (streq(format, "html")) {
		_cleanup_free_ char *dir = output ? xstrdup(output) : xasprintf("%s/reports/run-%lld", ctx->state_dir, (long long)id);
		int r = report_html(run, dir);
		if (r < 0)
			rc = cmd_error(EXIT_INFRA, "cannot write the report to %s: %s", dir, strerror(-r));
		else
			printf("%s/index.html\n", dir);
	} else {
		struct strbuf sb;
		strbuf_init(&sb);
		report_json(run, &sb);
		if (output) {
			int r = write_file(output, sb.buf, sb.len, 0644);
			if (r < 0)
				rc = cmd_error(EXIT_INFRA, "cannot write %s: %s", output, strerror(-r));
		} else {
			fwrite(sb.buf, 1, sb.len, stdout);
		}
		strbuf_release(&sb);
	}
	result_run_free(run);
	return rc;
}

const struct cmd_entry cmd_report_entry = { "report", "[--run RUN] [--format html|json] [-o PATH]",
					    "write the report of a run (the latest by default)", cmd_report };
