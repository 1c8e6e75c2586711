/* bench-synth: benchmark helpers on the real code paths.
 *   bench-synth DB N           a synthetic finished run of N cells, stored through the store API as
 *                              compatlab run would (cells, boots, crashes, metrics, verdicts);
 *                              prints the run id and the seconds it took
 *   bench-synth --expand MATRIX DB
 *                              loads and expands the matrix and records its cells in a new run,
 *                              as compatlab run does before any VM starts; prints cells and seconds */
#include <stdio.h>
#include <stdlib.h>

#include "matrix.h"
#include "store.h"
#include "util.h"

static int expand(const char *matrix_path, const char *db)
{
	int64_t t0 = now_mono_ms(), run;
	struct conf_error err = { 0 };
	struct matrix *m = matrix_load(matrix_path, &err);
	if (!m) {
		fprintf(stderr, "bench-synth: %s\n", err.reason);
		return 1;
	}
	struct cell *cells;
	size_t n = matrix_expand(m, &cells);
	char *msg = NULL;
	struct store *st = store_open(db, &msg);
	if (!st) {
		fprintf(stderr, "bench-synth: %s\n", msg ? msg : "cannot open");
		return 1;
	}
	struct store_run_info info = { m->name, matrix_path, "00", "bench", 1, 1, n };
	store_run_begin(st, &info, &run);
	store_transaction_begin(st);
	for (size_t i = 0; i < n; i++) {
		char *key = matrix_cell_key(m, &cells[i]);
		const struct cell *c = &cells[i];
		int64_t id;
		enum verdict v;
		store_cell_ensure(st, run, key, m->images[c->image], m->hardware[c->hardware].name, m->sensors[c->sensor].name,
				  m->contents[c->content].name, &id);
		store_cell_verdict(st, id, &v);
		free(key);
	}
	store_transaction_commit(st);
	printf("%zu %.3f\n", n, (double)(now_mono_ms() - t0) / 1000);
	store_close(st);
	free(cells);
	matrix_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && streq(argv[1], "--expand"))
		return expand(argv[2], argv[3]);
	if (argc != 3) {
		fprintf(stderr, "usage: bench-synth DB N | bench-synth --expand MATRIX DB\n");
		return 2;
	}
	size_t n = strtoull(argv[2], NULL, 10);
	char *msg = NULL;
	struct store *st = store_open(argv[1], &msg);
	if (!st) {
		fprintf(stderr, "bench-synth: %s\n", msg ? msg : "cannot open");
		return 1;
	}
	int64_t t0 = now_mono_ms(), run;
	struct store_run_info info = { "synthetic", "synthetic.yaml", "00", "bench", 1, 1, n };
	store_run_begin(st, &info, &run);
	/* images x hardware rows, sensors x contents columns: 100 x 100 for 10,000 cells */
	size_t cols = 100;
	store_transaction_begin(st);
	for (size_t i = 0; i < n; i++) {
		char key[128], image[32], hw[32], sensor[32], content[32];
		size_t row = i / cols, col = i % cols;
		snprintf(image, sizeof(image), "image-%zu", row / 10);
		snprintf(hw, sizeof(hw), "hw-%zu", row % 10);
		snprintf(sensor, sizeof(sensor), "sensor-%zu", col / 10);
		snprintf(content, sizeof(content), "content-%zu", col % 10);
		snprintf(key, sizeof(key), "%s/%s/%s/%s", image, hw, sensor, content);
		int64_t cell;
		unsigned attempt;
		store_cell_ensure(st, run, key, image, hw, sensor, content, &cell);
		store_cell_begin(st, cell, &attempt);
		enum verdict v = i % 13 == 0 ? VERDICT_BOOT_LOOP : i % 17 == 0 ? VERDICT_HANG : i % 101 == 0 ? VERDICT_INFRA_ERROR
											      : VERDICT_PASS;
		for (unsigned b = 0; b < 3; b++) {
			bool crashed = v == VERDICT_BOOT_LOOP && b > 0;
			bool hung = v == VERDICT_HANG && b == 1;
			store_boot_add(st, cell, attempt, b, 1700000000000 + (int64_t)i * 1000 + b * 9000,
				       crashed || hung ? -1 : 7000 + (int64_t)b * 100, crashed ? "crashed" : hung ? "hung" : "ok",
				       hung ? "no agent within 60s\n[ 2.9] compatlab-guest: boot-start drivers" : NULL);
			if (hung)
				break;
			if (crashed) {
				struct store_crash x = {
					.attempt = attempt, .boot = b, .fatal = true, .kind = "bug", .source = "pvpanic",
					.title = "BUG: unable to handle page fault for address: ffffd1cf800be000",
					.module = "compatlab_sensor", .function = "compatlab_sensor_init", .reason = "Fatal exception",
					.signature = i % 2 ? "BUG: unable to handle page fault for address: N in compatlab_sensor_init [compatlab_sensor]"
							   : "general protection fault in parse_rule [sensor_x]",
					.event_ms = 1700000000000 + (int64_t)i * 1000, .recorded_ms = 1700000000000 + (int64_t)i * 1000 + 1,
					.console = "[    2.9] BUG: unable to handle page fault for address: ffffd1cf800be000\n"
						   "[    2.9] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
						   "[    2.9] RIP: 0010:compatlab_sensor_init+0x267/0x1000 [compatlab_sensor]\n"
						   "[    3.0] Kernel panic - not syncing: Fatal exception\n",
				};
				store_crash_add(st, cell, &x);
			}
		}
		store_metric_add(st, cell, attempt, "install_sensor", 0.3, "s", "host");
		store_cell_finish(st, cell, v, v == VERDICT_PASS ? 0 : 1, verdict_name(v), v == VERDICT_PASS ? NULL : "evidence", NULL);
	}
	store_transaction_commit(st);
	store_run_finish(st, run, "finished");
	printf("%lld %.3f\n", (long long)run, (double)(now_mono_ms() - t0) / 1000);
	store_close(st);
	return 0;
}
