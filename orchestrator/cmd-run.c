/* cmd-run.c: "run" tests a matrix; "cleanup" removes what dead runs left behind. */
#include "cmd.h"
#include "log.h"
#include "run.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resume", required_argument, NULL, 'r' },
		{ "shard", required_argument, NULL, 'S' },
		{ "accel", required_argument, NULL, 'a' },
		{ "packages", required_argument, NULL, 'p' },
		{ "concurrency", required_argument, NULL, 'j' },
		{ "progress", required_argument, NULL, 'P' },
		{ 0 },
	};
	struct run_options o = { .accel = "auto", .progress = log_get_level() < LOG_LEVEL_INFO ? PROGRESS_OFF : PROGRESS_AUTO };
	struct run_summary sum;
	int c;
	long long resume;

	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (sscanf(optarg, "%lld", &resume) != 1 || resume <= 0)
				return cmd_usage_error(&cmd_run_entry, "--resume takes a run id");
			o.resume = resume;
			break;
		case 'S':
			if (sscanf(optarg, "%u/%u", &o.shard_k, &o.shard_n) != 2 || !o.shard_n || !o.shard_k || o.shard_k > o.shard_n)
				return cmd_usage_error(&cmd_run_entry, "--shard takes K/N with 1 <= K <= N");
			o.shard_k--;
			break;
		case 'a':
			if (!streq(optarg, "auto") && !streq(optarg, "kvm") && !streq(optarg, "tcg"))
				return cmd_usage_error(&cmd_run_entry, "--accel takes auto, kvm or tcg");
			o.accel = optarg;
			break;
		case 'p': o.packages_dir = optarg; break;
		case 'j':
			if (sscanf(optarg, "%u", &o.concurrency) != 1 || !o.concurrency || o.concurrency > 256)
				return cmd_usage_error(&cmd_run_entry, "--concurrency takes 1 to 256");
			break;
		case 'P': {
			int mode = progress_mode_from_name(optarg);
			if (mode < 0)
				return cmd_usage_error(&cmd_run_entry, "--progress takes auto, tty, lines, json or off");
			o.progress = (enum progress_mode)mode;
			break;
		}
		default: return cmd_usage_error(&cmd_run_entry, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(&cmd_run_entry, "expected one matrix file");
	o.matrix_path = argv[optind];

	int rc = run_matrix(ctx, &o, &sum);
	if (!sum.run_id)
		return rc;
	printf("run %lld: %zu cells:", (long long)sum.run_id, sum.cells);
	for (int v = VERDICT_PASS; v <= VERDICT_INFRA_ERROR; v++)
		if (sum.counts[v])
			printf(" %zu %s", sum.counts[v], verdict_name((enum verdict)v));
	if (sum.counts[VERDICT_NONE])
		printf(" %zu unfinished", sum.counts[VERDICT_NONE]);
	if (sum.perf_inconclusive)
		printf(" (%zu with performance inconclusive)", sum.perf_inconclusive);
	printf("%s\n", sum.interrupted ? " (interrupted: resume with --resume)" : "");
	return rc;
}

static int cmd_cleanup(struct cmd_ctx *ctx, int argc, char **argv)
{
	_cleanup_free_ char *why = NULL, *msg = NULL;
	if (argc != 1)
		return cmd_usage_error(&cmd_cleanup_entry, "takes no arguments");
	struct lab *lab = lab_libvirt_open(ctx->uri, "tcg", NULL, ctx->state_dir, &why);
	if (!lab)
		return cmd_error(EXIT_INFRA, "%s", why);
	struct store *st = access(ctx->db_path, F_OK) == 0 ? store_open(ctx->db_path, &msg) : NULL;
	int removed = run_cleanup_orphans(lab, st);
	printf("removed %d domain(s) left by dead runs\n", removed);
	store_close(st);
	lab->ops->close(lab);
	return EXIT_PASS;
}

const struct cmd_entry cmd_run_entry = {
	"run", "[--resume RUN] [--shard K/N] [--accel auto|kvm|tcg] [-j N] [--packages DIR]\n"
	"      [--progress auto|tty|lines|json|off] MATRIX",
	"run a matrix in VMs and record the verdicts", cmd_run,
};
const struct cmd_entry cmd_cleanup_entry = { "cleanup", "", "remove VMs and overlays left by dead runs", cmd_cleanup };
