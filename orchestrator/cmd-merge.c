/* cmd-merge.c: "merge" makes the runs of `run --shard K/N` jobs of one matrix one run, with
 * their evidence, so that report and gate read it as if one machine had run every cell. */
#include "cmd.h"
#include "log.h"
#include "merge.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int cmd_merge(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "matrix", required_argument, NULL, 'm' },
		{ 0 },
	};
	const char *db = NULL, *state = NULL, *matrix = NULL;
	int c;

	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "d:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': state = optarg; break;
		case 'm': matrix = optarg; break;
		default: return cmd_usage_error(&cmd_merge_entry, "unknown option");
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_merge_entry, "expected the shards' databases");

	if ((db && !db[0]) || (state && !state[0]))
		return cmd_usage_error(&cmd_merge_entry, "--db and --state-dir take a path");

	/* -d and -s may follow the command too; the database follows a new state directory unless given */
	_cleanup_free_ char *default_db = path_join(ctx->state_dir, "compatlab.db");
	_cleanup_free_ char *db_path = db ? xstrdup(db) : state && streq(ctx->db_path, default_db)
				       ? path_join(state, "compatlab.db") : xstrdup(ctx->db_path);
	size_t n = (size_t)(argc - optind);
	struct merge_shard *shards = xcalloc(n, sizeof(*shards));
	for (size_t i = 0; i < n; i++)
		shards[i].db = argv[optind + (int)i];
	struct merge_options o = { .db = db_path, .state_dir = state ? state : ctx->state_dir, .matrix = matrix };
	struct merge_result res;
	_cleanup_free_ char *msg = NULL;
	int r = merge_shards(&o, shards, n, &res, &msg);
	free(shards);
	for (size_t i = 0; i < res.n_notes; i++)
		log_info("%s", res.notes[i]);
	if (r < 0) {
		merge_result_clear(&res);
		bool input = r == -EINVAL || r == -ENOENT || r == -EPROTO;
		return cmd_error(input ? EXIT_USAGE : EXIT_INFRA, "%s", msg ? msg : strerror(-r));
	}
	const char *plural = res.cells == 1 ? "" : "s";
	if (!res.added && !res.replaced && !res.created)
		printf("run %lld: nothing new: %zu cell%s, %s\n", (long long)res.run_id, res.cells, plural, res.status);
	else
		printf("run %lld%s: %zu cell%s (%zu added, %zu replaced, %zu already there), %zu evidence files, %s\n",
		       (long long)res.run_id, res.created ? " (new)" : "", res.cells, plural, res.added, res.replaced,
		       res.skipped, res.files, res.status);
	merge_result_clear(&res);
	return EXIT_PASS;
}

const struct cmd_entry cmd_merge_entry = {
	"merge", "[-d OUT.db] [-s STATE] [--matrix FILE] SHARD.db...",
	"merge the runs of --shard jobs of one matrix into one run", cmd_merge,
};
