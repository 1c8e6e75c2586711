/* test-merge.c: shards of one matrix, recorded through the store as `run --shard K/N` records
 * them, merged into one run: the same report, JUnit and gate as one run of every cell; merging
 * again changes nothing; other matrices, other packages and conflicting cells are refused with
 * the files named; evidence follows the cells; shards are never written. */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "gate.h"
#include "matrix.h"
#include "merge.h"
#include "report.h"
#include "sha256.h"
#include "store.h"
#include "test-common.h"

/* Declared out of alphabetical order: a merge must list cells as the matrix does. */
static const char matrix_text[] =
	"name: merge-test\n"
	"images: [zeta, alpha]\n"
	"hardware:\n"
	"  - name: small\n"
	"  - name: big\n"
	"    vcpus: 2\n"
	"sensors:\n"
	"  - { name: s1, package: s1.tar.gz }\n"
	"contents:\n"
	"  - { name: good, package: good.tar.gz }\n"
	"  - { name: oob, package: oob.tar.gz }\n"
	"  - { name: warn, package: warn.tar.gz }\n"
	"  - { name: hang, package: hang.tar.gz }\n"
	"  - { name: slow, package: slow.tar.gz }\n";

static const char policy_text[] =
	"name: p\n"
	"rings:\n"
	"  - name: canary\n"
	"    block_on: [CRASH, BOOT_LOOP, HANG]\n"
	"    max_infra_errors: 1\n"
	"    require: {images: [zeta]}\n"
	"  - name: broad\n"
	"    block_on: [CRASH, BOOT_LOOP, HANG, KERNEL_WARNING, INFRA_ERROR]\n"
	"    min_cells: 2\n";

#define T0 1700000000000

/* A test world: the matrix file, and where shards and the merged database live. */
struct world {
	char *dir;
	char *matrix; /* its path */
	char sha[65];
	char *out_db, *out_state;
};

static void world_init(struct world *w)
{
	w->dir = test_tmpdir();
	w->matrix = xasprintf("%s/merge-test.yaml", w->dir);
	ck_assert_int_eq(write_file(w->matrix, matrix_text, strlen(matrix_text), 0644), 0);
	ck_assert_int_eq(sha256_file(w->matrix, w->sha, NULL), 0);
	w->out_state = xasprintf("%s/merged", w->dir);
	w->out_db = xasprintf("%s/merged/compatlab.db", w->dir);
}

static void world_free(struct world *w)
{
	remove_tree(w->dir);
	free(w->dir);
	free(w->matrix);
	free(w->out_db);
	free(w->out_state);
}

static void sql(const char *db_path, const char *text)
{
	sqlite3 *db;
	char *err = NULL;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	int rc = sqlite3_exec(db, text, NULL, NULL, &err);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", text, err ? err : "?");
	sqlite3_close(db);
}

static void put_file(const char *dir, const char *name, const void *data, size_t len)
{
	ck_assert_int_eq(mkdir_p(dir, 0755), 0);
	_cleanup_free_ char *path = path_join(dir, name);
	ck_assert_int_eq(write_file(path, data, len, 0644), 0);
}

/* Records one cell as cell.c would, its verdict by its content; a reason quotes its directory
 * under reason_dir. With evidence_dir, writes its files there as cell.c and artifacts.c leave them. */
static void record_cell(struct store *st, int64_t cell, const char *key, const char *content, const char *reason_dir,
			const char *evidence_dir)
{
	unsigned attempt;
	ck_assert_int_eq(store_cell_begin(st, cell, &attempt), 0);
	int64_t t = T0 + (int64_t)(strlen(key) * 1000);
	store_boot_add(st, cell, attempt, 0, t, t + 7000, "ok", NULL);
	store_cell_os(st, cell, "Debian GNU/Linux 12 (bookworm)", "6.1.0-57-amd64");
	store_metric_add(st, cell, attempt, "install_sensor", 0.25 + (double)strlen(key) / 100, "s", "host");
	_cleanup_free_ char *celldir = xstrdup(key);
	for (char *p = celldir; *p; p++)
		if (*p == '/')
			*p = '_';
	_cleanup_free_ char *quoted = xasprintf("%s/%s/attempt-%u", reason_dir, celldir, attempt);
	if (streq(content, "oob")) {
		for (unsigned b = 1; b <= 2; b++) {
			store_boot_add(st, cell, attempt, b, t + b * 9000, -1, "crashed", NULL);
			struct store_crash x = { .attempt = attempt, .boot = b, .fatal = true, .line = 400 + b, .kind = "bug",
						 .source = "pvpanic", .title = "BUG: unable to handle page fault for address: ffffc90000a3c000",
						 .module = "compatlab_sensor", .function = "compatlab_sensor_init",
						 .signature = "BUG: unable to handle page fault for address: N in compatlab_sensor_init [compatlab_sensor]",
						 .reason = "Fatal exception", .event_ms = t + b * 9000 + 500, .recorded_ms = t + b * 9000 + 500,
						 .console = "[ 1.0] BUG: unable to handle page fault\n[ 1.1] Kernel panic - not syncing\n" };
			store_crash_add(st, cell, &x);
		}
		store_cell_finish(st, cell, VERDICT_BOOT_LOOP, 1, "crashed on 2 of 2 boots after install, consecutively from boot 1",
				  "BUG: unable to handle page fault in compatlab_sensor_init [compatlab_sensor]", NULL);
	} else if (streq(content, "warn")) {
		for (unsigned b = 1; b <= 2; b++) {
			store_boot_add(st, cell, attempt, b, t + b * 9000, t + b * 9000 + 7000, "ok", NULL);
			struct store_crash x = { .attempt = attempt, .boot = b, .line = 310, .kind = "warning", .source = "console",
						 .title = "WARNING: CPU: 0 PID: 147 at compatlab_sensor.c:310 content_load+0x189/0x2f9",
						 .module = "compatlab_sensor", .function = "content_load",
						 .signature = "WARNING: CPU: N PID: N at compatlab_sensor.c:N content_load in content_load [compatlab_sensor]",
						 .event_ms = t + b * 9000 + 800, .recorded_ms = t + b * 9000 + 900, .console = "[ 3.0] WARNING\n" };
			store_crash_add(st, cell, &x);
		}
		store_cell_finish(st, cell, VERDICT_KERNEL_WARNING, 1, "the kernel reported on boot 1 what it had not before",
				  "console on boot 1: WARNING: CPU: 0 PID: 147", NULL);
	} else if (streq(content, "hang") && strstartswith(key, "alpha/big/")) {
		/* the lab failed: its reason quotes the cell's directory */
		_cleanup_free_ char *reason = xasprintf("cannot create %s: No space left on device", quoted);
		store_cell_finish(st, cell, VERDICT_INFRA_ERROR, 0, reason, NULL, NULL);
	} else if (streq(content, "hang")) {
		store_boot_add(st, cell, attempt, 1, t + 9000, -1, "hung", "no agent within 45s on boot 1\n[ 2.0] last line");
		store_cell_finish(st, cell, VERDICT_HANG, 1, "hung on boot 1 after install",
				  "no agent within 45s on boot 1; last console line: 'x'", NULL);
	} else {
		store_boot_add(st, cell, attempt, 1, t + 9000, t + 16000, "ok", NULL);
		store_metric_add(st, cell, attempt, "proc_rate.slowdown", streq(content, "slow") ? 0.12 : 0.01, "ratio", "paired");
		store_cell_finish(st, cell, VERDICT_PASS, 0, "2 boots after install, all healthy", NULL,
				  streq(content, "slow") ? "inconclusive" : "pass");
	}
	if (!evidence_dir)
		return;
	_cleanup_free_ char *adir = xasprintf("%s/%s/attempt-%u", evidence_dir, celldir, attempt);
	_cleanup_free_ char *console = xasprintf("console of %s\n", key);
	put_file(adir, "console.log", console, strlen(console));
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0 };
	put_file(adir, "screenshot-boot1.png", png, sizeof(png));
	put_file(adir, "artifacts.tar.gz", "tar", 3);
	put_file(adir, "disk.qcow2", "overlay", 7);
	_cleanup_free_ char *control = path_join(adir, "control");
	put_file(control, "console.log", "control VM\n", 11);
}

struct shard_spec {
	unsigned k, n;             /* shard k (0-based) of n; n = 1: every cell */
	const char *status;        /* the run's end; NULL: "finished" */
	const char *skip_key;      /* a cell recorded but not run (an interrupted shard) */
	const char *only, *except; /* instead of k of n: the cells whose key starts so, or does not */
	const char *matrix_name;   /* NULL: the matrix's */
	const char *sha;           /* NULL: the matrix file's */
	const char *content_sha;   /* NULL: "c0" */
	const char *reason_run_dir; /* the run directory reasons quote; NULL: the shard's own */
	bool evidence;
};

/* A database at DIR/NAME/compatlab.db holding one run of the matrix's cells of shard k of n,
 * recorded as run.c records them: the run, its packages, every cell, then each cell's results. */
static char *build_db(struct world *w, const char *name, const struct shard_spec *spec)
{
	_cleanup_free_ char *state = path_join(w->dir, name);
	ck_assert_int_eq(mkdir_p(state, 0755), 0);
	char *path = path_join(state, "compatlab.db");
	char *msg = NULL;
	struct store *st = store_open(path, &msg);
	ck_assert_msg(st, "%s", msg ? msg : "?");

	struct conf_error err = { 0 };
	struct matrix *m = matrix_load(w->matrix, &err);
	ck_assert_msg(m, "%s", err.reason ? err.reason : "?");
	struct cell *cells;
	size_t n = matrix_expand(m, &cells);
	if (spec->n > 1)
		n = matrix_shard(m, cells, n, spec->k, spec->n);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = matrix_cell_key(m, &cells[i]);
		if ((!spec->only || strstartswith(key, spec->only)) && (!spec->except || !strstartswith(key, spec->except)))
			cells[kept++] = cells[i];
	}
	n = kept;
	_cleanup_free_ char *host = xasprintf("runner-%u", spec->k + 1);
	struct store_run_info info = { spec->matrix_name ? spec->matrix_name : m->name, w->matrix, spec->sha ? spec->sha : w->sha,
				       host, 4242, 7, n };
	int64_t run;
	ck_assert_int_eq(store_run_begin(st, &info, &run), 0);
	store_package_add(st, run, "compatlab-sensor", "1.0.0", "sensor", "5e", 64449, "/pk/s1.tar.gz");
	store_package_add(st, run, "compatlab-content", "good", "content", spec->content_sha ? spec->content_sha : "c0", 900,
			  "/pk/good.tar.gz");
	store_package_add(st, run, "compatlab-content", "oob", "content", "c1", 901, "/pk/oob.tar.gz");

	int64_t *ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = matrix_cell_key(m, &cells[i]);
		const struct cell *c = &cells[i];
		ck_assert_int_eq(store_cell_ensure(st, run, key, m->images[c->image], m->hardware[c->hardware].name,
						   m->sensors[c->sensor].name, m->contents[c->content].name, &ids[i]), 0);
	}
	_cleanup_free_ char *run_dir = xasprintf("%s/runs/%lld", state, (long long)run);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = matrix_cell_key(m, &cells[i]);
		if (spec->skip_key && streq(key, spec->skip_key))
			continue;
		record_cell(st, ids[i], key, m->contents[cells[i].content].name,
			    spec->reason_run_dir ? spec->reason_run_dir : run_dir, spec->evidence ? run_dir : NULL);
	}
	store_run_finish(st, run, spec->status ? spec->status : "finished");
	store_close(st);
	/* times as if every shard had run at the same moment as the one run */
	_cleanup_free_ char *times = xasprintf("UPDATE cells SET started_ms = %lld, finished_ms = %lld WHERE attempts > 0;"
					       "UPDATE runs SET started_ms = %lld, finished_ms = %lld;",
					       (long long)T0, (long long)T0 + 90000, (long long)T0 + spec->k * 1000,
					       (long long)T0 + 600000 + spec->k * 1000);
	sql(path, times);
	free(ids);
	free(cells);
	matrix_free(m);
	return path;
}

static int merge_with(struct world *w, const char *matrix, const char *const *dbs, size_t n, struct merge_result *res,
		      char **msg)
{
	struct merge_shard *shards = xcalloc(n, sizeof(*shards));
	for (size_t i = 0; i < n; i++)
		shards[i].db = dbs[i];
	struct merge_options o = { .db = w->out_db, .state_dir = w->out_state, .matrix = matrix };
	int r = merge_shards(&o, shards, n, res, msg);
	free(shards);
	return r;
}

static int merge(struct world *w, const char *const *dbs, size_t n, struct merge_result *res, char **msg)
{
	return merge_with(w, NULL, dbs, n, res, msg);
}

static struct result_run *read_latest(const char *db_path)
{
	char *msg = NULL;
	struct store *st = store_open(db_path, &msg);
	ck_assert_msg(st, "%s", msg ? msg : "?");
	int64_t id;
	struct result_run *run;
	ck_assert_int_eq(store_latest_run(st, &id), 0);
	ck_assert_int_eq(store_read_run(st, id, &run), 0);
	store_close(st);
	return run;
}

/* A report in one format, without what names the run itself (its id, host and times). */
static char *report_body(const struct result_run *run, const char *format)
{
	struct report *r = report_new(run, NULL, NULL);
	struct strbuf sb;
	strbuf_init(&sb);
	const char *from;
	if (streq(format, "json")) {
		report_write_json(r, &sb);
		from = "\"counts\"";
	} else if (streq(format, "junit")) {
		report_write_junit(r, &sb);
		from = "<testcase";
	} else {
		report_write_markdown(r, &sb);
		from = "|";
	}
	report_free(r);
	const char *body = strstr(sb.buf, from);
	ck_assert_ptr_nonnull(body);
	char *out = xstrdup(body);
	strbuf_release(&sb);
	return out;
}

static char *gate_text(const struct result_run *run)
{
	struct conf_error err = { 0 };
	struct gate_policy *p = gate_policy_load_buffer("p.yaml", policy_text, strlen(policy_text), &err);
	ck_assert_ptr_nonnull(p);
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t target = 0; target < p->n_rings; target++) {
		struct gate_result *res;
		size_t n = gate_evaluate(p, run, NULL, NULL, target, &res);
		for (size_t i = 0; i < n; i++) {
			strbuf_printf(&sb, "%s+%s: %zu %d %zu cells:", res[i].sensor, res[i].content, res[i].reached,
				      (int)res[i].outcome, res[i].cells);
			for (size_t j = 0; j < res[i].n_reasons; j++)
				strbuf_printf(&sb, " [%s]", res[i].reasons[j]);
			strbuf_putc(&sb, '\n');
		}
		gate_results_free(res, n);
	}
	gate_policy_free(p);
	return strbuf_steal(&sb);
}

/* Every row of every table, ids included: what "changes nothing" means. */
static char *db_dump(const char *db_path)
{
	static const char *const tables[] = { "runs", "packages", "cells", "boots", "crashes", "metrics" };
	sqlite3 *db;
	struct strbuf sb;
	strbuf_init(&sb);
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	for (size_t t = 0; t < ARRAY_LENGTH(tables); t++) {
		_cleanup_free_ char *q = xasprintf("SELECT * FROM %s ORDER BY id", tables[t]);
		sqlite3_stmt *stmt;
		ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &stmt, NULL), SQLITE_OK);
		strbuf_printf(&sb, "%s:\n", tables[t]);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(stmt); i++) {
				const unsigned char *v = sqlite3_column_text(stmt, i);
				strbuf_printf(&sb, "%s|", v ? (const char *)v : "NULL");
			}
			strbuf_putc(&sb, '\n');
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return strbuf_steal(&sb);
}

static bool has_note(const struct merge_result *res, const char *a, const char *b)
{
	for (size_t i = 0; i < res->n_notes; i++)
		if (strstr(res->notes[i], a) && (!b || strstr(res->notes[i], b)))
			return true;
	return false;
}

static void assert_same_results(const struct result_run *merged, const struct result_run *one)
{
	static const char *const formats[] = { "json", "junit", "markdown" };
	ck_assert_uint_eq(merged->n_cells, one->n_cells);
	for (size_t i = 0; i < one->n_cells; i++)
		ck_assert_str_eq(merged->cells[i].key, one->cells[i].key);
	for (size_t f = 0; f < ARRAY_LENGTH(formats); f++) {
		_cleanup_free_ char *a = report_body(merged, formats[f]), *b = report_body(one, formats[f]);
		ck_assert_msg(streq(a, b), "%s differs:\nmerged: %s\none run: %s", formats[f], a, b);
	}
	_cleanup_free_ char *ga = gate_text(merged), *gb = gate_text(one);
	ck_assert_str_eq(ga, gb);
}

/* Shards of 2 and of 3 merged: the report (JSON, JUnit, Markdown) and the gate of one run. */
START_TEST(test_merge_equals_one_run)
{
	for (unsigned n = 2; n <= 3; n++) {
		struct world w;
		world_init(&w);
		_cleanup_free_ char *final_dir = xasprintf("%s/runs/1", w.out_state);
		struct shard_spec one = { .n = 1, .reason_run_dir = final_dir };
		_cleanup_free_ char *single = build_db(&w, "single", &one);
		char *dbs[3];
		char before[3][65];
		for (unsigned k = 0; k < n; k++) {
			struct shard_spec spec = { .k = k, .n = n, .evidence = true };
			_cleanup_free_ char *name = xasprintf("shard-%u", k + 1);
			dbs[k] = build_db(&w, name, &spec);
			ck_assert_int_eq(sha256_file(dbs[k], before[k], NULL), 0);
		}
		struct merge_result res;
		char *msg = NULL;
		ck_assert_msg(merge(&w, (const char *const *)dbs, n, &res, &msg) == 0, "%s", msg ? msg : "?");
		ck_assert(res.created);
		ck_assert_int_eq(res.run_id, 1);
		ck_assert_str_eq(res.status, "finished");
		ck_assert_uint_eq(res.cells, 20);
		ck_assert_uint_eq(res.added, 20);
		ck_assert_uint_eq(res.skipped, 0);
		ck_assert_uint_eq(res.n_notes, 0);
		merge_result_clear(&res);

		struct result_run *merged = read_latest(w.out_db), *ref = read_latest(single);
		assert_same_results(merged, ref);
		ck_assert_str_eq(merged->status, "finished");
		ck_assert_str_eq(merged->matrix_sha256, w.sha);
		ck_assert_str_eq(merged->host, n == 2 ? "runner-1, runner-2" : "runner-1, runner-2, runner-3");
		ck_assert_int_eq(merged->started_ms, T0);
		ck_assert_int_eq(merged->finished_ms, T0 + 600000 + (n - 1) * 1000);
		ck_assert_uint_eq(merged->n_packages, 3);
		result_run_free(merged);
		result_run_free(ref);
		for (unsigned k = 0; k < n; k++) {
			char after[65];
			ck_assert_int_eq(sha256_file(dbs[k], after, NULL), 0);
			ck_assert_str_eq(after, before[k]); /* never written */
			free(dbs[k]);
		}
		world_free(&w);
	}
}
END_TEST

/* Without the matrix file, the order is inferred from the shards: here they settle it (one
 * holds every cell but those of alpha/big, the other those). */
START_TEST(test_merge_order_inferred)
{
	struct world w;
	world_init(&w);
	_cleanup_free_ char *final_dir = xasprintf("%s/runs/1", w.out_state);
	struct shard_spec one = { .n = 1, .reason_run_dir = final_dir };
	_cleanup_free_ char *single = build_db(&w, "single", &one);
	struct shard_spec s1 = { .k = 0, .n = 1, .except = "alpha/big/" }, s2 = { .k = 1, .n = 1, .only = "alpha/big/" };
	_cleanup_free_ char *a = build_db(&w, "a", &s1), *b = build_db(&w, "b", &s2);
	unlink(w.matrix);
	const char *dbs[] = { b, a }; /* in any order */
	struct merge_result res;
	char *msg = NULL;
	ck_assert_msg(merge(&w, dbs, 2, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_msg(!has_note(&res, "inferred", NULL), "%s", res.n_notes ? res.notes[0] : "");
	merge_result_clear(&res);
	struct result_run *merged = read_latest(w.out_db), *ref = read_latest(single);
	assert_same_results(merged, ref);
	result_run_free(merged);
	result_run_free(ref);
	world_free(&w);

	/* a shard of one cell and another of one cell: nothing says which comes first, and the note says so */
	world_init(&w);
	_cleanup_free_ char *c = build_db(&w, "c", &s1), *d = build_db(&w, "d", &s2);
	unlink(w.matrix);
	static const char keep_one[] = "DELETE FROM boots; DELETE FROM crashes; DELETE FROM metrics;"
				       " DELETE FROM cells WHERE id > (SELECT MIN(id) FROM cells);";
	sql(c, keep_one);
	sql(d, keep_one);
	const char *ones[] = { c, d };
	ck_assert_msg(merge(&w, ones, 2, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_uint_eq(res.cells, 2);
	ck_assert(has_note(&res, "inferred", "--matrix FILE"));
	merge_result_clear(&res);
	world_free(&w);
}
END_TEST

/* --matrix FILE: the matrix moved since the shards ran is still their matrix when its SHA-256 is
 * theirs, and gives the order; another file is refused. */
START_TEST(test_merge_matrix_option)
{
	struct world w;
	world_init(&w);
	_cleanup_free_ char *final_dir = xasprintf("%s/runs/1", w.out_state);
	struct shard_spec one = { .n = 1, .reason_run_dir = final_dir };
	_cleanup_free_ char *single = build_db(&w, "single", &one);
	struct shard_spec s1 = { .k = 0, .n = 3 }, s2 = { .k = 1, .n = 3 }, s3 = { .k = 2, .n = 3 };
	_cleanup_free_ char *a = build_db(&w, "a", &s1), *b = build_db(&w, "b", &s2), *c = build_db(&w, "c", &s3);
	_cleanup_free_ char *moved = path_join(w.dir, "moved.yaml"), *other = path_join(w.dir, "other.yaml");
	ck_assert_int_eq(rename(w.matrix, moved), 0);
	ck_assert_int_eq(write_file(other, "name: x\n", 8, 0644), 0);
	const char *dbs[] = { c, a, b };
	struct merge_result res;
	char *msg = NULL;
	ck_assert_int_eq(merge_with(&w, other, dbs, 3, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, other) && strstr(msg, "is not the matrix the shards ran") && strstr(msg, w.sha), "%s", msg);
	free(msg);
	merge_result_clear(&res);
	ck_assert_msg(merge_with(&w, moved, dbs, 3, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert(!has_note(&res, "inferred", NULL));
	ck_assert(has_note(&res, "no evidence directory", "without consoles or screenshots"));
	merge_result_clear(&res);
	struct result_run *merged = read_latest(w.out_db), *ref = read_latest(single);
	assert_same_results(merged, ref);
	result_run_free(merged);
	result_run_free(ref);
	world_free(&w);
}
END_TEST

/* Merging again, alone or the same shard twice in one command, changes nothing. */
START_TEST(test_merge_twice_changes_nothing)
{
	struct world w;
	world_init(&w);
	struct shard_spec s1 = { .k = 0, .n = 2, .evidence = true }, s2 = { .k = 1, .n = 2, .evidence = true };
	_cleanup_free_ char *a = build_db(&w, "a", &s1), *b = build_db(&w, "b", &s2);
	const char *twice[] = { a, b, a };
	struct merge_result res;
	char *msg = NULL;
	ck_assert_msg(merge(&w, twice, 3, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_uint_eq(res.cells, 20);
	ck_assert(has_note(&res, a, "already merged"));
	size_t files = res.files;
	ck_assert_uint_gt(files, 0);
	merge_result_clear(&res);
	_cleanup_free_ char *dump = db_dump(w.out_db);

	const char *again[] = { b, a };
	ck_assert_msg(merge(&w, again, 2, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert(!res.created);
	ck_assert_int_eq(res.run_id, 1);
	ck_assert_uint_eq(res.added + res.replaced, 0);
	ck_assert_uint_eq(res.skipped, 20);
	ck_assert_uint_eq(res.files, 0);
	ck_assert(has_note(&res, a, "already merged"));
	ck_assert(has_note(&res, b, "already merged"));
	merge_result_clear(&res);
	_cleanup_free_ char *dump2 = db_dump(w.out_db);
	ck_assert_str_eq(dump, dump2);

	/* one shard later: the run gains nothing either */
	const char *late[] = { b };
	ck_assert_msg(merge(&w, late, 1, &res, &msg) == 0, "%s", msg ? msg : "?");
	merge_result_clear(&res);
	_cleanup_free_ char *dump3 = db_dump(w.out_db);
	ck_assert_str_eq(dump, dump3);
	world_free(&w);
}
END_TEST

/* A shard added by a later merge: its cells join the run in the matrix's order. */
START_TEST(test_merge_shard_by_shard)
{
	struct world w;
	world_init(&w);
	_cleanup_free_ char *final_dir = xasprintf("%s/runs/1", w.out_state);
	struct shard_spec one = { .n = 1, .reason_run_dir = final_dir };
	_cleanup_free_ char *single = build_db(&w, "single", &one);
	char *dbs[3];
	for (unsigned k = 0; k < 3; k++) {
		struct shard_spec spec = { .k = k, .n = 3 };
		_cleanup_free_ char *name = xasprintf("shard-%u", k + 1);
		dbs[k] = build_db(&w, name, &spec);
	}
	struct merge_result res;
	char *msg = NULL;
	for (unsigned k = 0; k < 3; k++) {
		const char *just[] = { dbs[2 - k] };
		ck_assert_msg(merge(&w, just, 1, &res, &msg) == 0, "%s", msg ? msg : "?");
		ck_assert_int_eq(res.run_id, 1);
		ck_assert(res.created == (k == 0));
		merge_result_clear(&res);
	}
	struct result_run *merged = read_latest(w.out_db), *ref = read_latest(single);
	assert_same_results(merged, ref);
	result_run_free(merged);
	result_run_free(ref);
	for (unsigned k = 0; k < 3; k++)
		free(dbs[k]);
	world_free(&w);
}
END_TEST

/* A shard of another matrix, or of other packages, is refused with both files named. */
START_TEST(test_merge_refuses_other_matrix)
{
	struct world w;
	world_init(&w);
	struct shard_spec s1 = { .k = 0, .n = 2 }, s2 = { .k = 1, .n = 2, .sha = "0123abcd" };
	struct shard_spec s3 = { .k = 1, .n = 2, .matrix_name = "other" };
	struct shard_spec s4 = { .k = 1, .n = 2, .content_sha = "c9" };
	_cleanup_free_ char *a = build_db(&w, "a", &s1), *b = build_db(&w, "b", &s2);
	_cleanup_free_ char *c = build_db(&w, "c", &s3), *d = build_db(&w, "d", &s4);
	struct merge_result res;
	char *msg = NULL;

	const char *other_sha[] = { a, b };
	ck_assert_int_eq(merge(&w, other_sha, 2, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, b) && strstr(msg, a) && strstr(msg, "0123abcd") && strstr(msg, w.sha) &&
		      strstr(msg, "not shards of one matrix"), "%s", msg);
	free(msg);
	merge_result_clear(&res);

	const char *other_name[] = { a, c };
	ck_assert_int_eq(merge(&w, other_name, 2, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, c) && strstr(msg, "'other'") && strstr(msg, "'merge-test'"), "%s", msg);
	free(msg);
	merge_result_clear(&res);

	const char *other_packages[] = { a, d };
	ck_assert_int_eq(merge(&w, other_packages, 2, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, a) && strstr(msg, d) && strstr(msg, "compatlab-content good (sha256 c9)") &&
		      strstr(msg, "not one package set"), "%s", msg);
	free(msg);
	merge_result_clear(&res);

	/* nothing was recorded: the database the merge would have made is not there */
	ck_assert_int_eq(access(w.out_db, F_OK), -1);

	/* and a later shard of other packages is refused by the merged run */
	const char *first[] = { a };
	ck_assert_int_eq(merge(&w, first, 1, &res, &msg), 0);
	merge_result_clear(&res);
	const char *then[] = { d };
	ck_assert_int_eq(merge(&w, then, 1, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, w.out_db) && strstr(msg, d), "%s", msg);
	free(msg);
	merge_result_clear(&res);
	world_free(&w);
}
END_TEST

/* The same cell in two shards with another verdict, or other records, is a conflict. */
START_TEST(test_merge_refuses_conflicting_cell)
{
	struct world w;
	world_init(&w);
	struct shard_spec s1 = { .k = 0, .n = 2 }, s2 = { .k = 1, .n = 2 }, all = { .n = 1 };
	_cleanup_free_ char *a = build_db(&w, "a", &s1), *b = build_db(&w, "b", &s2), *c = build_db(&w, "c", &all);
	/* c ran every cell; one of a's has another verdict there */
	sql(c, "UPDATE cells SET verdict = 'CRASH' WHERE key = 'zeta/small/s1/good'");
	struct merge_result res;
	char *msg = NULL;
	const char *dbs[] = { a, b, c };
	ck_assert_int_eq(merge(&w, dbs, 3, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, "conflicting cell zeta/small/s1/good") && strstr(msg, "CRASH") && strstr(msg, "PASS") &&
		      strstr(msg, c) && (strstr(msg, a) || strstr(msg, b)), "%s", msg);
	free(msg);
	merge_result_clear(&res);

	/* the same verdict, but it ran at another time: another run of the cell */
	sql(c, "UPDATE cells SET verdict = 'PASS', started_ms = started_ms + 1 WHERE key = 'zeta/small/s1/good'");
	ck_assert_int_eq(merge(&w, dbs, 3, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, "conflicting cell zeta/small/s1/good") && strstr(msg, "other records"), "%s", msg);
	free(msg);
	merge_result_clear(&res);

	/* identical, it is the same cell: c's other cells are a's and b's */
	sql(c, "UPDATE cells SET started_ms = started_ms - 1 WHERE key = 'zeta/small/s1/good'");
	ck_assert_msg(merge(&w, dbs, 3, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_uint_eq(res.cells, 20);
	ck_assert_uint_eq(res.skipped, 20);
	ck_assert(has_note(&res, c, "already merged"));
	merge_result_clear(&res);
	world_free(&w);
}
END_TEST

/* Consoles, screenshots, archives and the control VM's files follow their cells into the merged
 * run's directory (overlays do not); a reason quoting a shard's directory quotes the new one; the
 * HTML report of the merged run shows them. */
START_TEST(test_merge_evidence)
{
	struct world w;
	world_init(&w);
	/* shard b's run is its second, and its reasons quote the directory it had on its runner */
	struct shard_spec s1 = { .k = 0, .n = 2, .evidence = true };
	struct shard_spec s2 = { .k = 1, .n = 2, .evidence = true, .reason_run_dir = "/builds/job-2/state/runs/2" };
	_cleanup_free_ char *a = build_db(&w, "a", &s1), *b = build_db(&w, "b", &s2);
	sql(b, "UPDATE runs SET id = 2; UPDATE cells SET run_id = 2; UPDATE packages SET run_id = 2;");
	_cleanup_free_ char *b1 = xasprintf("%s/b/runs/1", w.dir), *b2 = xasprintf("%s/b/runs/2", w.dir);
	ck_assert_int_eq(rename(b1, b2), 0);
	struct merge_result res;
	char *msg = NULL;
	const char *dbs[] = { a, b };
	ck_assert_msg(merge(&w, dbs, 2, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_uint_eq(res.files, 20 * 4); /* console, screenshot, archive, the control's console */
	merge_result_clear(&res);

	struct result_run *run = read_latest(w.out_db);
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		_cleanup_free_ char *celldir = xstrdup(c->key);
		for (char *p = celldir; *p; p++)
			if (*p == '/')
				*p = '_';
		_cleanup_free_ char *adir = xasprintf("%s/runs/%lld/%s/attempt-1", w.out_state, (long long)run->id, celldir);
		static const char *const files[] = { "console.log", "screenshot-boot1.png", "artifacts.tar.gz", "control/console.log" };
		for (size_t f = 0; f < ARRAY_LENGTH(files); f++) {
			_cleanup_free_ char *p = path_join(adir, files[f]);
			ck_assert_msg(access(p, F_OK) == 0, "%s missing", p);
		}
		_cleanup_free_ char *console = path_join(adir, "console.log"), *text = NULL;
		size_t len;
		ck_assert_int_eq(read_file(console, 4096, &text, &len), 0);
		_cleanup_free_ char *want = xasprintf("console of %s\n", c->key);
		ck_assert_str_eq(text, want);
		_cleanup_free_ char *overlay = path_join(adir, "disk.qcow2");
		ck_assert_int_eq(access(overlay, F_OK), -1);
		if (c->verdict == VERDICT_INFRA_ERROR) {
			_cleanup_free_ char *quoted = xasprintf("cannot create %s: No space", adir);
			ck_assert_msg(strstr(c->reason, quoted), "%s", c->reason);
		}
	}
	/* the report copies each cell's console beside its page */
	_cleanup_free_ char *html = path_join(w.dir, "html");
	struct report *r = report_new(run, NULL, w.out_state);
	ck_assert_int_eq(report_write_html(r, html), 0);
	report_free(r);
	_cleanup_free_ char *page_console = xasprintf("%s/cells/%lld-a1-console.log.txt", html, (long long)run->cells[0].id);
	ck_assert_msg(access(page_console, F_OK) == 0, "%s missing", page_console);
	result_run_free(run);
	world_free(&w);
}
END_TEST

/* An interrupted shard makes the run interrupted; the same shard resumed and merged again
 * brings its cell, and the run is finished. */
START_TEST(test_merge_interrupted_then_resumed)
{
	struct world w;
	world_init(&w);
	struct shard_spec s1 = { .k = 0, .n = 2 };
	_cleanup_free_ char *a = build_db(&w, "a", &s1);
	/* b was interrupted before its first cell (in matrix order) ran */
	struct conf_error err = { 0 };
	struct matrix *m = matrix_load(w.matrix, &err);
	struct cell *cells;
	size_t n = matrix_expand(m, &cells);
	n = matrix_shard(m, cells, n, 1, 2);
	_cleanup_free_ char *key = matrix_cell_key(m, &cells[0]);
	const char *content = m->contents[cells[0].content].name;
	struct shard_spec s2 = { .k = 1, .n = 2, .status = "interrupted", .skip_key = key };
	_cleanup_free_ char *b = build_db(&w, "b", &s2);

	struct merge_result res;
	char *msg = NULL;
	const char *dbs[] = { a, b };
	ck_assert_msg(merge(&w, dbs, 2, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_str_eq(res.status, "interrupted");
	ck_assert_uint_eq(res.cells, 20);
	merge_result_clear(&res);

	/* resumed: the cell runs in the same database and the run finishes */
	char *smsg = NULL;
	struct store *st = store_open(b, &smsg);
	ck_assert_ptr_nonnull(st);
	int64_t id;
	ck_assert_int_eq(store_cell_ensure(st, 1, key, "", "", "", "", &id), 0);
	_cleanup_free_ char *run_dir = xasprintf("%s/b/runs/1", w.dir);
	record_cell(st, id, key, content, run_dir, NULL);
	store_run_finish(st, 1, "finished");
	store_close(st);
	_cleanup_free_ char *times = xasprintf("UPDATE cells SET started_ms = %lld, finished_ms = %lld WHERE attempts > 0;",
					       (long long)T0, (long long)T0 + 90000);
	sql(b, times);

	ck_assert_msg(merge(&w, dbs, 2, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_uint_eq(res.replaced, 1);
	ck_assert_uint_eq(res.added, 0);
	ck_assert_str_eq(res.status, "finished");
	merge_result_clear(&res);

	_cleanup_free_ char *final_dir = xasprintf("%s/runs/1", w.out_state);
	struct shard_spec one = { .n = 1, .reason_run_dir = final_dir };
	_cleanup_free_ char *single = build_db(&w, "single", &one);
	struct result_run *merged = read_latest(w.out_db), *ref = read_latest(single);
	assert_same_results(merged, ref);
	result_run_free(merged);
	result_run_free(ref);
	free(cells);
	matrix_free(m);
	world_free(&w);
}
END_TEST

/* A shard of an older schema is merged from a migrated copy; the shard stays as it was. */
START_TEST(test_merge_old_schema)
{
	struct world w;
	world_init(&w);
	struct shard_spec s1 = { .k = 0, .n = 2 }, s2 = { .k = 1, .n = 2 };
	_cleanup_free_ char *a = build_db(&w, "a", &s1), *b = build_db(&w, "b", &s2);
	sql(b, "UPDATE cells SET os = NULL, kernel = NULL; ALTER TABLE cells DROP COLUMN os;"
	       " ALTER TABLE cells DROP COLUMN kernel; PRAGMA user_version = 4;");
	char before[65], after[65];
	ck_assert_int_eq(sha256_file(b, before, NULL), 0);
	struct merge_result res;
	char *msg = NULL;
	const char *dbs[] = { a, b };
	ck_assert_msg(merge(&w, dbs, 2, &res, &msg) == 0, "%s", msg ? msg : "?");
	ck_assert_uint_eq(res.cells, 20);
	merge_result_clear(&res);
	ck_assert_int_eq(sha256_file(b, after, NULL), 0);
	ck_assert_str_eq(before, after);
	struct result_run *run = read_latest(w.out_db);
	size_t with_os = 0;
	for (size_t i = 0; i < run->n_cells; i++)
		with_os += run->cells[i].os != NULL;
	ck_assert_uint_gt(with_os, 0);
	ck_assert_uint_lt(with_os, 20);
	result_run_free(run);

	/* a newer one is refused, a missing one and a file that is no database too */
	sql(b, "PRAGMA user_version = 99");
	const char *newer[] = { b };
	ck_assert_int_eq(merge(&w, newer, 1, &res, &msg), -EPROTO);
	ck_assert_msg(strstr(msg, b) && strstr(msg, "newer"), "%s", msg);
	free(msg);
	merge_result_clear(&res);
	_cleanup_free_ char *missing = path_join(w.dir, "nowhere.db");
	const char *gone[] = { missing };
	ck_assert_int_eq(merge(&w, gone, 1, &res, &msg), -ENOENT);
	ck_assert_msg(strstr(msg, missing), "%s", msg);
	free(msg);
	merge_result_clear(&res);
	const char *yaml[] = { w.matrix };
	ck_assert_int_eq(merge(&w, yaml, 1, &res, &msg), -EINVAL);
	ck_assert_msg(strstr(msg, w.matrix) && strstr(msg, "not a compatlab results database"), "%s", msg);
	free(msg);
	merge_result_clear(&res);
	world_free(&w);
}
END_TEST

static Suite *merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("merge");
	tcase_add_test(tc, test_merge_equals_one_run);
	tcase_add_test(tc, test_merge_order_inferred);
	tcase_add_test(tc, test_merge_matrix_option);
	tcase_add_test(tc, test_merge_twice_changes_nothing);
	tcase_add_test(tc, test_merge_shard_by_shard);
	tcase_add_test(tc, test_merge_refuses_other_matrix);
	tcase_add_test(tc, test_merge_refuses_conflicting_cell);
	tcase_add_test(tc, test_merge_evidence);
	tcase_add_test(tc, test_merge_interrupted_then_resumed);
	tcase_add_test(tc, test_merge_old_schema);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(merge_suite)
