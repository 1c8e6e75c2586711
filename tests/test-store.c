/* test-store.c: the results database: schema, runs, cells recorded exactly once, read back,
 * and what a second process sees (WAL) while the first is writing. */
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>

#include "store.h"
#include "test-common.h"

static struct store *open_store(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/r.db", dir);
	char *msg = NULL;
	struct store *st = store_open(path, &msg);
	ck_assert_msg(st, "%s", msg ? msg : "?");
	return st;
}

static int64_t new_run(struct store *st)
{
	struct store_run_info info = { "m", "m.yaml", "abc", "host", 42, 7, 2 };
	int64_t id;
	ck_assert_int_eq(store_run_begin(st, &info, &id), 0);
	return id;
}

START_TEST(test_schema_version)
{
	_cleanup_free_ char *dir = test_tmpdir();
	store_close(open_store(dir));
	_cleanup_free_ char *path = xasprintf("%s/r.db", dir);
	sqlite3 *db;
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(stmt, 0), STORE_SCHEMA_VERSION);
	sqlite3_finalize(stmt);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	/* a database from a newer compatlab is refused, not damaged */
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	char *msg = NULL;
	ck_assert_ptr_null(store_open(path, &msg));
	ck_assert_msg(msg && strstr(msg, "newer"), "%s", msg ? msg : "?");
	free(msg);
	remove_tree(dir);
}
END_TEST

START_TEST(test_cell_lifecycle)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct store *st = open_store(dir);
	int64_t run = new_run(st), cell, again;
	unsigned attempt;
	enum verdict v;

	ck_assert_int_eq(store_cell_ensure(st, run, "i/h/s/c", "i", "h", "s", "c", &cell), 0);
	ck_assert_int_eq(store_cell_ensure(st, run, "i/h/s/c", "i", "h", "s", "c", &again), 0);
	ck_assert_int_eq(cell, again);
	ck_assert_int_eq(store_cell_verdict(st, cell, &v), 0);
	ck_assert_int_eq(v, VERDICT_NONE);
	ck_assert_int_eq(store_cell_begin(st, cell, &attempt), 0);
	ck_assert_uint_eq(attempt, 1);
	ck_assert_int_eq(store_cell_begin(st, cell, &attempt), 0);
	ck_assert_uint_eq(attempt, 2);
	ck_assert_int_eq(store_boot_add(st, cell, 2, 0, 1000, 7400, "ok", NULL), 0);
	ck_assert_int_eq(store_boot_add(st, cell, 2, 1, 2000, -1, "crashed", "oops"), 0);
	struct store_crash crash = { .attempt = 2, .boot = 1, .fatal = true, .kind = "bug", .source = "pvpanic", .title = "BUG: x",
				     .module = "m", .reason = "Fatal exception", .event_ms = 100, .recorded_ms = 101,
				     .console = "line\n" };
	ck_assert_int_eq(store_crash_add(st, cell, &crash), 0);
	ck_assert_int_eq(store_metric_add(st, cell, 2, "install_sensor", 1.5, "s", "host"), 0);
	ck_assert_int_eq(store_cell_os(st, cell, "Debian GNU/Linux 12 (bookworm)", "6.1.0-57-amd64"), 0);
	ck_assert_int_eq(store_cell_finish(st, cell, VERDICT_BOOT_LOOP, 1, "loop", "evidence", NULL), 0);
	/* exactly once */
	ck_assert_int_eq(store_cell_finish(st, cell, VERDICT_PASS, 0, "again", NULL, "inconclusive"), -EALREADY);
	/* a cell whose performance could not be judged keeps its verdict and says so */
	int64_t perf_cell;
	ck_assert_int_eq(store_cell_ensure(st, run, "i/h/s/p", "i", "h", "s", "p", &perf_cell), 0);
	ck_assert_int_eq(store_cell_begin(st, perf_cell, &attempt), 0);
	ck_assert_int_eq(store_cell_finish(st, perf_cell, VERDICT_PASS, 0, "healthy", NULL, "inconclusive"), 0);
	ck_assert_int_eq(store_cell_verdict(st, cell, &v), 0);
	ck_assert_int_eq(v, VERDICT_BOOT_LOOP);
	ck_assert_int_eq(store_package_add(st, run, "s", "1", "sensor", "ff", 10, "/p"), 0);
	ck_assert_int_eq(store_package_add(st, run, "s", "1", "sensor", "ff", 10, "/p"), 0);
	ck_assert_int_eq(store_run_finish(st, run, "finished"), 0);

	struct result_run *r;
	ck_assert_int_eq(store_read_run(st, run, &r), 0);
	ck_assert_str_eq(r->status, "finished");
	ck_assert_uint_eq(r->n_cells, 2);
	ck_assert_uint_eq(r->n_packages, 1);
	ck_assert_int_eq(r->cells[1].verdict, VERDICT_PASS);
	ck_assert_str_eq(r->cells[1].perf, "inconclusive");
	ck_assert_ptr_null(r->cells[1].os);
	struct result_cell *c = &r->cells[0];
	ck_assert_str_eq(c->os, "Debian GNU/Linux 12 (bookworm)");
	ck_assert_str_eq(c->kernel, "6.1.0-57-amd64");
	ck_assert_ptr_null(c->perf);
	ck_assert_int_eq(c->verdict, VERDICT_BOOT_LOOP);
	ck_assert_str_eq(c->reason, "loop");
	ck_assert_uint_eq(c->attempts, 2);
	ck_assert_uint_eq(c->n_boots, 2);
	ck_assert_int_eq(c->boots[0].ready_ms, 7400);
	ck_assert_int_eq(c->boots[1].ready_ms, -1);
	ck_assert_uint_eq(c->n_crashes, 1);
	ck_assert_str_eq(c->crashes[0].title, "BUG: x");
	ck_assert_int_eq(c->crashes[0].recorded_ms - c->crashes[0].event_ms, 1);
	ck_assert_uint_eq(c->n_metrics, 1);
	result_run_free(r);

	int64_t latest;
	ck_assert_int_eq(store_latest_run(st, &latest), 0);
	ck_assert_int_eq(latest, run);
	ck_assert_int_eq(store_read_run(st, run + 100, &r), -ENOENT);
	store_close(st);
	remove_tree(dir);
}
END_TEST

/* A cell's records hold its crashes and the reports the kernel survived, told apart. */
START_TEST(test_reports_round_trip)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct store *st = open_store(dir);
	int64_t run = new_run(st), cell;
	unsigned attempt;
	ck_assert_int_eq(store_cell_ensure(st, run, "i/h/s/c", "i", "h", "s", "c", &cell), 0);
	ck_assert_int_eq(store_cell_begin(st, cell, &attempt), 0);
	struct store_crash x[] = {
		{ .attempt = 1, .boot = 0, .known = true, .line = 310, .kind = "warning", .source = "console",
		  .title = "WARNING: CPU: 0 PID: 1 at drivers/acpi/x.c:9 acpi_x+0x1/0x2", .function = "acpi_x",
		  .signature = "WARNING: CPU: N PID: N at drivers/acpi/x.c:N acpi_x in acpi_x", .console = "[ 1.0] WARNING" },
		{ .attempt = 1, .boot = 1, .line = 402, .kind = "hung-task", .source = "console",
		  .title = "INFO: task compatlab_scan:95 blocked for more than 20 seconds.", .function = "scan_fn",
		  .module = "compatlab_sensor", .signature = "INFO: task compatlab_scan:N blocked for more than N seconds. in scan_fn [compatlab_sensor]" },
		{ .attempt = 1, .boot = 2, .fatal = true, .line = 388, .kind = "bug", .source = "pvpanic", .title = "BUG: y" },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(x); i++)
		ck_assert_int_eq(store_crash_add(st, cell, &x[i]), 0);
	struct result_run *r;
	ck_assert_int_eq(store_read_run(st, run, &r), 0);
	const struct result_cell *c = &r->cells[0];
	ck_assert_uint_eq(c->n_crashes, 1);
	ck_assert(c->crashes[0].fatal);
	ck_assert_str_eq(c->crashes[0].title, "BUG: y");
	ck_assert_uint_eq(c->crashes[0].line, 388);
	ck_assert_uint_eq(c->n_reports, 2);
	ck_assert(!c->reports[0].fatal && c->reports[0].known);
	ck_assert_uint_eq(c->reports[0].line, 310);
	ck_assert_ptr_null(c->reports[0].module);
	ck_assert(!c->reports[1].fatal && !c->reports[1].known);
	ck_assert_uint_eq(c->reports[1].boot, 1);
	ck_assert_str_eq(c->reports[1].kind, "hung-task");
	ck_assert_str_eq(c->reports[1].function, "scan_fn");
	ck_assert_str_eq(c->reports[1].module, "compatlab_sensor");
	ck_assert_str_eq(c->reports[1].signature, x[1].signature);
	result_run_free(r);
	store_close(st);

	/* a database of schema 3 gains the columns; the crashes it holds stay crashes */
	_cleanup_free_ char *path = xasprintf("%s/r.db", dir);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM crashes; ALTER TABLE crashes DROP COLUMN fatal;"
				      "ALTER TABLE crashes DROP COLUMN known; ALTER TABLE crashes DROP COLUMN line;"
				      "ALTER TABLE cells DROP COLUMN os; ALTER TABLE cells DROP COLUMN kernel;"
				      "INSERT INTO crashes (cell_id, attempt, boot, kind, source, title, event_ms, recorded_ms)"
				      " VALUES (1, 1, 1, 'bug', 'pvpanic', 'BUG: old', 5, 6);"
				      "PRAGMA user_version = 3;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_store(dir);
	ck_assert_int_eq(store_read_run(st, run, &r), 0);
	ck_assert_uint_eq(r->cells[0].n_crashes, 1);
	ck_assert_uint_eq(r->cells[0].n_reports, 0);
	ck_assert(r->cells[0].crashes[0].fatal);
	ck_assert_str_eq(r->cells[0].crashes[0].title, "BUG: old");
	ck_assert_uint_eq(r->cells[0].crashes[0].line, 0);
	result_run_free(r);
	store_close(st);
	remove_tree(dir);
}
END_TEST

START_TEST(test_empty_store)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct store *st = open_store(dir);
	int64_t id;
	ck_assert_int_eq(store_latest_run(st, &id), -ENOENT);
	store_close(st);
	remove_tree(dir);
}
END_TEST

static void count_running(int64_t id, const char *host, int pid, int64_t start, void *data)
{
	ck_assert_str_eq(host, "host");
	ck_assert_int_eq(pid, 42);
	(*(int *)data)++;
}

START_TEST(test_records_survive_a_killed_writer)
{
	_cleanup_free_ char *dir = test_tmpdir();
	/* a child writes a finished cell, then dies mid-transaction without closing anything */
	pid_t pid = fork();
	if (pid == 0) {
		struct store *st = open_store(dir);
		int64_t run = new_run(st), cell;
		store_cell_ensure(st, run, "k", "i", "h", "s", "c", &cell);
		store_cell_finish(st, cell, VERDICT_CRASH, 1, "crash", NULL, NULL);
		_cleanup_free_ char *path = xasprintf("%s/r.db", dir);
		sqlite3 *db;
		sqlite3_open(path, &db);
		sqlite3_exec(db, "BEGIN; INSERT INTO runs (matrix_name, matrix_file, matrix_sha256, host, pid, pid_start,"
				 " n_cells, started_ms) VALUES ('half', 'f', 's', 'h', 1, 1, 1, 1);", NULL, NULL, NULL);
		_exit(0); /* no COMMIT, no close: as if killed */
	}
	int status;
	waitpid(pid, &status, 0);
	struct store *st = open_store(dir);
	struct result_run *r;
	ck_assert_int_eq(store_read_run(st, 1, &r), 0);
	ck_assert_uint_eq(r->n_cells, 1);
	ck_assert_int_eq(r->cells[0].verdict, VERDICT_CRASH);
	result_run_free(r);
	int64_t latest;
	ck_assert_int_eq(store_latest_run(st, &latest), 0);
	ck_assert_int_eq(latest, 1); /* the uncommitted run is not there */
	int running = 0;
	store_each_running_run(st, count_running, &running);
	ck_assert_int_eq(running, 1);
	store_close(st);
	remove_tree(dir);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	tcase_add_test(tc, test_schema_version);
	tcase_add_test(tc, test_cell_lifecycle);
	tcase_add_test(tc, test_reports_round_trip);
	tcase_add_test(tc, test_empty_store);
	tcase_add_test(tc, test_records_survive_a_killed_writer);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(store_suite)
