/*
 * merge.c: merges the runs of `run --shard K/N` jobs of one matrix into one run.
 *
 *   SHARD.db ─► snapshot (VACUUM INTO; migrated) ─► ATTACH ─► temp tables m_* (shard 1..N)
 *   OUT.db's run of the same matrix, if any ────────────────► temp tables m_* (shard 0)
 *   checks: one matrix, one package set; a key's cells identical, or one without a verdict
 *   winners: per key the cell with a verdict, the earliest shard first (shard 0 when it is there)
 *   OUT.db, one transaction: the run's cells := the winners in the matrix's order, new ids;
 *   evidence: STATE/runs/OLD/CELL/ of each shard ─► OUT's STATE/runs/RUN/CELL/; COMMIT
 *
 * A merged run is recorded with pid 0: no process owns it, and a later merge finds it again by
 * its matrix. A cell identical to one already merged is skipped, so merging twice changes nothing.
 */
#include "merge.h"
#include "cell.h"
#include "log.h"
#include "matrix.h"
#include "sha256.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The columns copied, apart from ids and the row they belong to. */
#define CELL_COLS "key, image, hardware, sensor, content, state, attempts, verdict, boot_index, reason, evidence," \
	" started_ms, finished_ms, perf, os, kernel"
#define BOOT_COLS "attempt, boot, started_ms, ready_ms, outcome, detail"
#define CRASH_COLS "attempt, boot, kind, source, title, module, reason, event_ms, recorded_ms, console, function," \
	" signature, fatal, known, line"
#define METRIC_COLS "attempt, name, value, unit, method"
#define PACKAGE_COLS "name, version, kind, sha256, size, path"

/* Staged rows: "shard" 0 is OUT.db's run, 1..N the shards in the order given. */
static const char temp_schema[] =
	"CREATE TEMP TABLE m_runs (shard INTEGER PRIMARY KEY, run_id, matrix_name, matrix_file, matrix_sha256, host,"
	" status, started_ms, finished_ms);"
	"CREATE TEMP TABLE m_cells (shard INTEGER, old_id INTEGER, " CELL_COLS ", fp TEXT, win INTEGER, pos INTEGER,"
	" new_id INTEGER, PRIMARY KEY (shard, old_id));"
	"CREATE INDEX temp.m_cells_key ON m_cells(key);"
	"CREATE TEMP TABLE m_boots (shard INTEGER, old_id INTEGER, old_cell INTEGER, " BOOT_COLS ");"
	"CREATE INDEX temp.m_boots_cell ON m_boots(shard, old_cell, old_id);"
	"CREATE TEMP TABLE m_crashes (shard INTEGER, old_id INTEGER, old_cell INTEGER, " CRASH_COLS ");"
	"CREATE INDEX temp.m_crashes_cell ON m_crashes(shard, old_cell, old_id);"
	"CREATE TEMP TABLE m_metrics (shard INTEGER, old_id INTEGER, old_cell INTEGER, " METRIC_COLS ");"
	"CREATE INDEX temp.m_metrics_cell ON m_metrics(shard, old_cell, old_id);"
	"CREATE TEMP TABLE m_packages (shard INTEGER, old_id INTEGER, " PACKAGE_COLS ");";

/* One run into the temp tables; '@' stands for the schema (an attached shard, or main); ?1 is
 * the shard's number, ?2 the run. */
static const char *const stage_sql[] = {
	"INSERT INTO temp.m_runs SELECT ?1, id, matrix_name, matrix_file, matrix_sha256, host, status, started_ms,"
	" finished_ms FROM @.runs WHERE id = ?2",
	"INSERT INTO temp.m_cells (shard, old_id, " CELL_COLS ") SELECT ?1, id, " CELL_COLS " FROM @.cells"
	" WHERE run_id = ?2",
	"INSERT INTO temp.m_boots SELECT ?1, id, cell_id, " BOOT_COLS " FROM @.boots"
	" WHERE cell_id IN (SELECT id FROM @.cells WHERE run_id = ?2)",
	"INSERT INTO temp.m_crashes SELECT ?1, id, cell_id, " CRASH_COLS " FROM @.crashes"
	" WHERE cell_id IN (SELECT id FROM @.cells WHERE run_id = ?2)",
	"INSERT INTO temp.m_metrics SELECT ?1, id, cell_id, " METRIC_COLS " FROM @.metrics"
	" WHERE cell_id IN (SELECT id FROM @.cells WHERE run_id = ?2)",
	"INSERT INTO temp.m_packages SELECT ?1, id, " PACKAGE_COLS " FROM @.packages WHERE run_id = ?2",
};

struct source {
	char *name;  /* the database, as the user named it */
	char *state; /* its state directory (shards) */
	int64_t run_id;
};

struct merge {
	const struct merge_options *o;
	sqlite3 *db;
	char *staging;        /* snapshots of the shards */
	char *run_dir;        /* OUT's STATE/runs/RUN, absolute */
	struct source *src;   /* [0] OUT.db, [1..n] the shards */
	size_t n;             /* shards */
	int64_t run_id;
	bool have_run;        /* OUT.db held the run already */
	char **copied;        /* evidence directories written: removed again if the merge fails */
	size_t n_copied;
	char **aside;         /* evidence of replaced cells, moved aside until the commit */
	size_t n_aside;
	struct merge_result *res;
	char **msg;
};

PRINTF_LIKE(3, 4)
static int fail(struct merge *mg, int err, const char *fmt, ...)
{
	if (!*mg->msg) {
		va_list ap;
		va_start(ap, fmt);
		*mg->msg = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return err;
}

PRINTF_LIKE(2, 3)
static void note(struct merge *mg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mg->res->notes = xreallocarray(mg->res->notes, mg->res->n_notes + 1, sizeof(char *));
	mg->res->notes[mg->res->n_notes++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static int sql_fail(struct merge *mg)
{
	return fail(mg, -EIO, "%s: %s", mg->o->db, sqlite3_errmsg(mg->db));
}

static char *with_schema(const char *tmpl, const char *schema)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (const char *p = tmpl; *p; p++) {
		if (*p == '@')
			strbuf_puts(&sb, schema);
		else
			strbuf_putc(&sb, *p);
	}
	return strbuf_steal(&sb);
}

/* Prepares sql and binds arguments described by fmt: i = int64, t = text (NULL binds NULL). */
static sqlite3_stmt *prepare(struct merge *mg, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(mg->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		log_debug("merge: %s: %s", sql, sqlite3_errmsg(mg->db));
		return NULL;
	}
	for (int i = 1; *fmt; fmt++, i++) {
		if (*fmt == 'i') {
			sqlite3_bind_int64(stmt, i, va_arg(ap, int64_t));
		} else {
			const char *s = va_arg(ap, const char *);
			s ? sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, i);
		}
	}
	return stmt;
}

/* Runs one statement. 0 or -EIO (*msg set). */
static int run_sql(struct merge *mg, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *stmt = prepare(mg, sql, fmt, ap);
	va_end(ap);
	if (!stmt)
		return sql_fail(mg);
	int rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sql_fail(mg);
}

/* A query's one int64 (NULL reads 0). 0, -ENOENT without a row, or -EIO. */
static int query_int(struct merge *mg, int64_t *out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *stmt = prepare(mg, sql, fmt, ap);
	va_end(ap);
	if (!stmt)
		return sql_fail(mg);
	int rc = sqlite3_step(stmt), r = 0;
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	else
		r = rc == SQLITE_DONE ? -ENOENT : sql_fail(mg);
	sqlite3_finalize(stmt);
	return r;
}

static char *column_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);
	return xstrdup(s ? (const char *)s : "");
}

/* SQL function merge_sha256(text): the hex digest, to keep a cell's fingerprint short. */
static void sql_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sha256 s;
	char hex[65];
	sha256_init(&s);
	sha256_update(&s, sqlite3_value_text(argv[0]), (size_t)sqlite3_value_bytes(argv[0]));
	sha256_final_hex(&s, hex);
	sqlite3_result_text(ctx, hex, -1, SQLITE_TRANSIENT);
}

/* Rewrites absolute paths into a run directory of a shard ("/any/state/runs/OLD/...") to the
 * merged run's directory: infrastructure errors quote them. Other text is left as it is. */
static char *rewrite_paths(const char *text, int64_t old_run, const char *run_dir)
{
	char needle[48];
	snprintf(needle, sizeof(needle), "/runs/%lld/", (long long)old_run);
	size_t len = strlen(needle);
	struct strbuf sb;
	strbuf_init(&sb);
	const char *p = text, *hit;
	while ((hit = strstr(p, needle))) {
		const char *start = hit;
		while (start > p && !strchr(" \t\n'\"`(=<[,", start[-1]))
			start--;
		if (*start == '/') {
			strbuf_add(&sb, p, (size_t)(start - p));
			strbuf_printf(&sb, "%s/", run_dir);
		} else {
			strbuf_add(&sb, p, (size_t)(hit - p) + len);
		}
		p = hit + len;
	}
	strbuf_puts(&sb, p);
	return strbuf_steal(&sb);
}

/* SQL function merge_paths(text, old_run): rewrite_paths to the merged run's directory. */
static void sql_merge_paths(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct merge *mg = sqlite3_user_data(ctx);
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	if (!text || !mg->run_dir) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	char *out = rewrite_paths(text, sqlite3_value_int64(argv[1]), mg->run_dir);
	sqlite3_result_text(ctx, out, -1, free);
}

/* Copies one run (of the attached schema) into the temp tables as shard `shard`. */
static int stage(struct merge *mg, const char *schema, size_t shard, int64_t run_id)
{
	for (size_t i = 0; i < ARRAY_LENGTH(stage_sql); i++) {
		_cleanup_free_ char *sql = with_schema(stage_sql[i], schema);
		int r = run_sql(mg, sql, "ii", (int64_t)shard, run_id);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Takes a consistent copy of shard i (never writing to it), migrates the copy to this schema,
 * and stages its latest run. */
static int stage_shard(struct merge *mg, size_t i)
{
	struct source *s = &mg->src[i];
	_cleanup_free_ char *copy = xasprintf("%s/shard-%zu.db", mg->staging, i);
	_cleanup_free_ char *why = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int r = 0, version = -1;

	if (access(s->name, R_OK) < 0)
		return fail(mg, -ENOENT, "%s: %s", s->name, strerror(errno));
	if (sqlite3_open_v2(s->name, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
				   " (SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs')",
			       -1, &stmt, NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW)
		goto bad;
	version = sqlite3_column_int(stmt, 0);
	bool has_runs = sqlite3_column_int(stmt, 1) > 0;
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (version > STORE_SCHEMA_VERSION) {
		r = fail(mg, -EPROTO, "%s: database schema version %d is newer than this compatlab (%d)", s->name, version,
			 STORE_SCHEMA_VERSION);
		goto out;
	}
	if (!has_runs) {
		r = fail(mg, -EINVAL, "%s: not a compatlab results database", s->name);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "VACUUM INTO ?", -1, &stmt, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_bind_text(stmt, 1, copy, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto bad;
	sqlite3_finalize(stmt);
	stmt = NULL;
	sqlite3_close(db);
	db = NULL;

	struct store *st = store_open(copy, &why); /* migrates the copy */
	if (!st) {
		r = fail(mg, -EIO, "%s: %s", s->name, why ? why : "cannot migrate");
		goto out;
	}
	store_close(st);
	if ((r = run_sql(mg, "ATTACH ? AS shard", "t", copy)) < 0)
		goto out;
	r = query_int(mg, &s->run_id, "SELECT MAX(id) FROM shard.runs HAVING MAX(id) IS NOT NULL", "");
	if (r == -ENOENT)
		r = fail(mg, -ENOENT, "%s holds no run", s->name);
	if (r == 0)
		r = stage(mg, "shard", i, s->run_id);
	int d = run_sql(mg, "DETACH shard", "");
	r = r < 0 ? r : d;
	goto out;
bad:
	r = fail(mg, version < 0 ? -EINVAL : -EIO, "%s: %s%s", s->name, version < 0 ? "not a compatlab results database: " : "",
		 db ? sqlite3_errmsg(db) : "cannot open");
out:
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	unlink(copy);
	return r;
}

/* "NAME (run N on HOST, started T)": a staged run, for messages. */
static char *describe(struct merge *mg, size_t i)
{
	sqlite3_stmt *stmt;
	char *out = NULL;
	if (sqlite3_prepare_v2(mg->db, "SELECT run_id, host, started_ms FROM temp.m_runs WHERE shard = ?", -1, &stmt,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, (int64_t)i);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			char t[32];
			_cleanup_free_ char *host = column_text(stmt, 1);
			out = xasprintf("%s (run %lld on %s, started %s)", mg->src[i].name, (long long)sqlite3_column_int64(stmt, 0),
					host, format_time_ms(sqlite3_column_int64(stmt, 2), t, sizeof(t)));
		}
		sqlite3_finalize(stmt);
	}
	return out ? out : xstrdup(mg->src[i].name);
}

/* The first package one staged run has and the other lacks: "-EINVAL" naming both. */
static int packages_differ(struct merge *mg, size_t a, size_t b)
{
	static const char sql[] = "SELECT kind, name, version, sha256 FROM temp.m_packages WHERE shard = ?1 EXCEPT"
				  " SELECT kind, name, version, sha256 FROM temp.m_packages WHERE shard = ?2 ORDER BY 1, 2, 3, 4";
	for (int pass = 0; pass < 2; pass++) {
		size_t has = pass ? b : a, lacks = pass ? a : b;
		sqlite3_stmt *stmt;
		if (sqlite3_prepare_v2(mg->db, sql, -1, &stmt, NULL) != SQLITE_OK)
			return sql_fail(mg);
		sqlite3_bind_int64(stmt, 1, (int64_t)has);
		sqlite3_bind_int64(stmt, 2, (int64_t)lacks);
		int r = 0;
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			_cleanup_free_ char *kind = column_text(stmt, 0), *name = column_text(stmt, 1);
			_cleanup_free_ char *version = column_text(stmt, 2), *sha = column_text(stmt, 3);
			_cleanup_free_ char *in_has = describe(mg, has), *in_lacks = describe(mg, lacks);
			r = fail(mg, -EINVAL, "%s tested %s %s %s (sha256 %s), %s did not: not one package set", in_has, kind,
				 name, version, sha, in_lacks);
		}
		sqlite3_finalize(stmt);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every shard of the first's matrix (name and SHA-256) and package set. */
static int check_shards(struct merge *mg)
{
	sqlite3_stmt *stmt;
	int r = 0;
	if (sqlite3_prepare_v2(mg->db, "SELECT a.shard, a.matrix_name, a.matrix_sha256, b.matrix_name, b.matrix_sha256"
				   " FROM temp.m_runs a JOIN temp.m_runs b ON b.shard = 1"
				   " WHERE a.shard > 1 AND (a.matrix_sha256 <> b.matrix_sha256 OR a.matrix_name <> b.matrix_name)"
				   " ORDER BY a.shard LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
		return sql_fail(mg);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		size_t i = (size_t)sqlite3_column_int64(stmt, 0);
		_cleanup_free_ char *name = column_text(stmt, 1), *sha = column_text(stmt, 2);
		_cleanup_free_ char *ref_name = column_text(stmt, 3), *ref_sha = column_text(stmt, 4);
		_cleanup_free_ char *in = describe(mg, i), *ref = describe(mg, 1);
		r = fail(mg, -EINVAL, "%s is of matrix '%s' (sha256 %s), %s of matrix '%s' (sha256 %s): not shards of one matrix",
			 in, name, sha, ref, ref_name, ref_sha);
	}
	sqlite3_finalize(stmt);
	for (size_t i = 2; r == 0 && i <= mg->n; i++)
		r = packages_differ(mg, i, 1);
	return r;
}

/* The run an earlier merge of this matrix made in OUT.db (recorded with pid 0), or a new one. */
static int find_or_create_run(struct merge *mg)
{
	int r = query_int(mg, &mg->run_id,
			  "SELECT r.id FROM main.runs r JOIN temp.m_runs s ON s.shard = 1 WHERE r.pid = 0"
			  " AND r.matrix_sha256 = s.matrix_sha256 AND r.matrix_name = s.matrix_name ORDER BY r.id DESC LIMIT 1",
			  "");
	if (r == 0) {
		mg->have_run = true;
		mg->src[0].run_id = mg->run_id;
		if ((r = stage(mg, "main", 0, mg->run_id)) < 0)
			return r;
		return packages_differ(mg, 1, 0);
	}
	if (r != -ENOENT)
		return r;
	r = run_sql(mg, "INSERT INTO main.runs (matrix_name, matrix_file, matrix_sha256, host, pid, pid_start, n_cells,"
			" status, started_ms, finished_ms) SELECT matrix_name, matrix_file, matrix_sha256, '', 0, 0, 0,"
			" 'interrupted', (SELECT MIN(started_ms) FROM temp.m_runs), NULL FROM temp.m_runs WHERE shard = 1", "");
	if (r < 0)
		return r;
	mg->run_id = sqlite3_last_insert_rowid(mg->db);
	mg->res->created = true;
	return run_sql(mg, "INSERT INTO main.packages (run_id, " PACKAGE_COLS ") SELECT ?1, " PACKAGE_COLS
			   " FROM temp.m_packages WHERE shard = 1 ORDER BY old_id", "i", mg->run_id);
}

/* "quote(a)||','||quote(b)...": a row's columns as one text; text that may quote a run
 * directory is compared with that directory rewritten to the merged run's. */
static void put_fingerprint(struct strbuf *sb, const char *cols)
{
	_cleanup_free_ char *copy = xstrdup(cols);
	char *save = NULL;
	bool first = true;
	for (char *col = strtok_r(copy, ", ", &save); col; col = strtok_r(NULL, ", ", &save), first = false) {
		bool paths = streq(col, "reason") || streq(col, "evidence") || streq(col, "detail");
		strbuf_printf(sb, "%squote(%s%s%s)", first ? "" : "||','||", paths ? "merge_paths(" : "", col,
			      paths ? ", ?1)" : "");
	}
}

static void put_children_fingerprint(struct strbuf *sb, const char *table, const char *cols)
{
	strbuf_printf(sb, "||'|%s:'||COALESCE((SELECT group_concat(r, ';') FROM (SELECT ", table);
	put_fingerprint(sb, cols);
	strbuf_printf(sb, " AS r FROM temp.%s x WHERE x.shard = m_cells.shard AND x.old_cell = m_cells.old_id"
			  " ORDER BY x.old_id)), '')", table);
}

/* Rewrites the shards' paths, fingerprints the staged cells that share their key with another
 * (with their records), refuses a key whose cells conflict, and marks the winner of each key. */
static int resolve_cells(struct merge *mg)
{
	int r = run_sql(mg, "UPDATE temp.m_cells SET reason = merge_paths(reason, (SELECT run_id FROM temp.m_runs s"
			    " WHERE s.shard = m_cells.shard)), evidence = merge_paths(evidence, (SELECT run_id FROM"
			    " temp.m_runs s WHERE s.shard = m_cells.shard)) WHERE shard > 0", "");
	if (r == 0)
		r = run_sql(mg, "UPDATE temp.m_boots SET detail = merge_paths(detail, (SELECT run_id FROM temp.m_runs s"
				" WHERE s.shard = m_boots.shard)) WHERE shard > 0", "");
	if (r < 0)
		return r;

	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_puts(&sb, "UPDATE temp.m_cells SET fp = merge_sha256(");
	put_fingerprint(&sb, CELL_COLS);
	put_children_fingerprint(&sb, "m_boots", BOOT_COLS);
	put_children_fingerprint(&sb, "m_crashes", CRASH_COLS);
	put_children_fingerprint(&sb, "m_metrics", METRIC_COLS);
	/* only cells that meet another of their key are compared */
	strbuf_puts(&sb, ") WHERE key IN (SELECT key FROM temp.m_cells GROUP BY key HAVING COUNT(*) > 1)");
	r = run_sql(mg, sb.buf, "i", mg->run_id);
	strbuf_release(&sb);
	if (r < 0)
		return r;

	/* two cells of a key differ: both decided, or both not and no cell of the key is */
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(mg->db, "SELECT a.key, a.shard, b.shard, a.verdict, b.verdict FROM temp.m_cells a"
				   " JOIN temp.m_cells b ON b.key = a.key AND b.shard > a.shard AND b.fp <> a.fp"
				   " WHERE (a.verdict IS NULL) = (b.verdict IS NULL) AND (a.verdict IS NOT NULL OR NOT EXISTS"
				   " (SELECT 1 FROM temp.m_cells d WHERE d.key = a.key AND d.verdict IS NOT NULL))"
				   " ORDER BY a.shard, b.shard, a.old_id LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
		return sql_fail(mg);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		_cleanup_free_ char *key = column_text(stmt, 0);
		_cleanup_free_ char *a = describe(mg, (size_t)sqlite3_column_int64(stmt, 1));
		_cleanup_free_ char *b = describe(mg, (size_t)sqlite3_column_int64(stmt, 2));
		_cleanup_free_ char *va = column_text(stmt, 3), *vb = column_text(stmt, 4);
		if (!streq(va, vb))
			r = fail(mg, -EINVAL, "conflicting cell %s: %s has %s, %s has %s", key, a, *va ? va : "no verdict", b,
				 *vb ? vb : "no verdict");
		else
			r = fail(mg, -EINVAL, "conflicting cell %s: %s and %s both have %s, with other records (boots, "
				 "crashes, metrics or times): each cell must come from one shard", key, a, b, *va ? va : "no verdict");
	}
	sqlite3_finalize(stmt);
	if (r < 0)
		return r;
	return run_sql(mg, "UPDATE temp.m_cells SET win = 1 WHERE rowid IN (SELECT rowid FROM (SELECT rowid, ROW_NUMBER()"
			   " OVER (PARTITION BY key ORDER BY verdict IS NULL, shard) AS n FROM temp.m_cells) WHERE n = 1)", "");
}

/* The order of cells. A run lists them as the matrix expands (images, hardware, sensors,
 * contents, each in the order of the file); a shard keeps that order for its part. The matrix
 * file gives it exactly; without it, each axis's order is inferred from the shards: two cells
 * listed one after the other in a shard order the values of the first axis they differ in. */
struct staged_cell {
	int64_t shard, old_id;
	char *key, *axis[4];
	size_t value[4];   /* index into the axis's values */
	size_t matrix_pos; /* SIZE_MAX when not in the matrix */
	bool win;
};

struct axis {
	const char **names; /* sorted, distinct */
	size_t *first;      /* order of first sight, by name */
	size_t *rank;       /* inferred order */
	size_t n;
};

struct sighting {
	const char *name;
	size_t order;
};

static int by_name_then_order(const void *a, const void *b)
{
	const struct sighting *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Values of axis d with their first sighting; every cell's value index. Returns true when the
 * shards leave the order of some values open. */
static bool axis_infer(struct axis *ax, struct staged_cell *cells, size_t n, int d)
{
	struct sighting *seen = xcalloc(n ? n : 1, sizeof(*seen));
	for (size_t i = 0; i < n; i++)
		seen[i] = (struct sighting){ cells[i].axis[d], i };
	qsort(seen, n, sizeof(*seen), by_name_then_order);
	ax->names = xcalloc(n ? n : 1, sizeof(*ax->names));
	ax->first = xcalloc(n ? n : 1, sizeof(*ax->first));
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !streq(seen[i].name, seen[i - 1].name)) {
			ax->names[ax->n] = seen[i].name;
			ax->first[ax->n++] = seen[i].order;
		}
	}
	free(seen);
	for (size_t i = 0; i < n; i++) {
		const char **hit = bsearch(&cells[i].axis[d], ax->names, ax->n, sizeof(*ax->names), by_string);
		cells[i].value[d] = (size_t)(hit - ax->names);
	}

	/* edges u -> v from consecutive cells of a shard that first differ on this axis */
	size_t *from = NULL, *to = NULL, n_edges = 0;
	for (size_t i = 1; i < n; i++) {
		if (cells[i].shard != cells[i - 1].shard)
			continue;
		int k = 0;
		while (k < 4 && cells[i].value[k] == cells[i - 1].value[k])
			k++;
		if (k != d)
			continue;
		from = xreallocarray(from, n_edges + 1, sizeof(*from));
		to = xreallocarray(to, n_edges + 1, sizeof(*to));
		from[n_edges] = cells[i - 1].value[d];
		to[n_edges++] = cells[i].value[d];
	}
	/* Kahn's algorithm; among the values free to come next, the first seen */
	size_t *indegree = xcalloc(ax->n ? ax->n : 1, sizeof(*indegree));
	bool *placed = xcalloc(ax->n ? ax->n : 1, sizeof(*placed));
	ax->rank = xcalloc(ax->n ? ax->n : 1, sizeof(*ax->rank));
	for (size_t e = 0; e < n_edges; e++)
		indegree[to[e]]++;
	bool open = false;
	for (size_t r = 0; r < ax->n; r++) {
		size_t best = SIZE_MAX, free_values = 0, fallback = SIZE_MAX;
		for (size_t v = 0; v < ax->n; v++) {
			if (placed[v])
				continue;
			if (fallback == SIZE_MAX || ax->first[v] < ax->first[fallback])
				fallback = v;
			if (indegree[v])
				continue;
			free_values++;
			if (best == SIZE_MAX || ax->first[v] < ax->first[best])
				best = v;
		}
		open |= free_values != 1;
		if (best == SIZE_MAX)
			best = fallback; /* the shards contradict each other: not from one matrix order */
		placed[best] = true;
		ax->rank[best] = r;
		for (size_t e = 0; e < n_edges; e++)
			if (from[e] == best && indegree[to[e]])
				indegree[to[e]]--;
	}
	free(indegree);
	free(placed);
	free(from);
	free(to);
	return open;
}

static struct axis sort_axes[4];

static int by_matrix_order(const void *a, const void *b)
{
	const struct staged_cell *x = *(const struct staged_cell *const *)a, *y = *(const struct staged_cell *const *)b;
	if (x->matrix_pos != y->matrix_pos)
		return x->matrix_pos < y->matrix_pos ? -1 : 1;
	for (int d = 0; d < 4; d++) {
		size_t rx = sort_axes[d].rank[x->value[d]], ry = sort_axes[d].rank[y->value[d]];
		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	return strcmp(x->key, y->key);
}

struct key_pos {
	char *key;
	size_t pos;
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct key_pos *)a)->key, ((const struct key_pos *)b)->key);
}

/* The cells' keys in the matrix's order: o->matrix, else the file the shards recorded when it is
 * there with their SHA-256. 0 with *n = 0 when there is none; -EINVAL when o->matrix is another. */
static int matrix_keys(struct merge *mg, struct key_pos **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(mg->db, "SELECT matrix_file, matrix_sha256 FROM temp.m_runs WHERE shard = 1", -1, &stmt,
			       NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return sql_fail(mg);
	}
	_cleanup_free_ char *recorded = column_text(stmt, 0), *want = column_text(stmt, 1);
	sqlite3_finalize(stmt);
	const char *path = mg->o->matrix ? mg->o->matrix : recorded;
	char sha[65];
	int r = sha256_file(path, sha, NULL);
	if (r < 0 || !streq(sha, want)) {
		if (!mg->o->matrix)
			return 0;
		if (r < 0)
			return fail(mg, -ENOENT, "%s: %s", path, strerror(-r));
		return fail(mg, -EINVAL, "%s is not the matrix the shards ran: its sha256 is %s, theirs %s", path, sha, want);
	}
	struct conf_error err = { 0 };
	struct matrix *m = matrix_load(path, &err);
	if (!m) {
		_cleanup_free_ char *text = conf_error_format(&err);
		conf_error_clear(&err);
		return fail(mg, -EINVAL, "%s", text);
	}
	struct cell *cells;
	*n = matrix_expand(m, &cells);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = (struct key_pos){ matrix_cell_key(m, &cells[i]), i };
	qsort(*out, *n, sizeof(**out), by_key);
	free(cells);
	matrix_free(m);
	return 0;
}

/* Numbers the winners (temp.m_cells.pos) in the order one run of the whole matrix lists them. */
static int order_cells(struct merge *mg)
{
	struct staged_cell *cells = NULL;
	size_t n = 0, n_keys = 0, n_win = 0;
	struct key_pos *keys = NULL;
	sqlite3_stmt *stmt;
	int r = matrix_keys(mg, &keys, &n_keys);
	if (r < 0)
		return r;
	if (sqlite3_prepare_v2(mg->db, "SELECT shard, old_id, key, image, hardware, sensor, content, win IS NOT NULL"
				   " FROM temp.m_cells ORDER BY shard, old_id", -1, &stmt, NULL) != SQLITE_OK) {
		r = sql_fail(mg);
		goto out;
	}
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		cells = xreallocarray(cells, n + 1, sizeof(*cells));
		struct staged_cell *c = &cells[n++];
		memset(c, 0, sizeof(*c));
		c->shard = sqlite3_column_int64(stmt, 0);
		c->old_id = sqlite3_column_int64(stmt, 1);
		c->key = column_text(stmt, 2);
		for (int d = 0; d < 4; d++)
			c->axis[d] = column_text(stmt, 3 + d);
		c->win = sqlite3_column_int(stmt, 7);
		struct key_pos probe = { c->key, 0 }, *hit = bsearch(&probe, keys, n_keys, sizeof(*keys), by_key);
		c->matrix_pos = hit ? hit->pos : SIZE_MAX;
		n_win += c->win;
	}
	sqlite3_finalize(stmt);

	bool open = false;
	for (int d = 0; d < 4; d++)
		open |= axis_infer(&sort_axes[d], cells, n, d);
	if (open && !n_keys)
		note(mg, "cells are listed in an order inferred from the shards, which leave part of it open: "
			 "--matrix FILE lists them as the matrix does");
	struct staged_cell **win = xcalloc(n_win ? n_win : 1, sizeof(*win));
	for (size_t i = 0, k = 0; i < n; i++)
		if (cells[i].win)
			win[k++] = &cells[i];
	qsort(win, n_win, sizeof(*win), by_matrix_order);
	if (sqlite3_prepare_v2(mg->db, "UPDATE temp.m_cells SET pos = ? WHERE shard = ? AND old_id = ?", -1, &stmt,
			       NULL) != SQLITE_OK) {
		r = sql_fail(mg);
	} else {
		for (size_t i = 0; i < n_win && r == 0; i++) {
			sqlite3_bind_int64(stmt, 1, (int64_t)i);
			sqlite3_bind_int64(stmt, 2, win[i]->shard);
			sqlite3_bind_int64(stmt, 3, win[i]->old_id);
			if (sqlite3_step(stmt) != SQLITE_DONE)
				r = sql_fail(mg);
			sqlite3_reset(stmt);
		}
		sqlite3_finalize(stmt);
	}
	free(win);
	for (int d = 0; d < 4; d++) {
		free(sort_axes[d].names);
		free(sort_axes[d].first);
		free(sort_axes[d].rank);
		memset(&sort_axes[d], 0, sizeof(sort_axes[d]));
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(cells[i].key);
		for (int d = 0; d < 4; d++)
			free(cells[i].axis[d]);
	}
	free(cells);
	for (size_t i = 0; i < n_keys; i++)
		free(keys[i].key);
	free(keys);
	return r;
}

/* The run's cells become the winners, in order, with new ids, and their records follow. */
static int write_cells(struct merge *mg)
{
	static const char *const sql[] = {
		"DELETE FROM main.boots WHERE cell_id IN (SELECT id FROM main.cells WHERE run_id = ?1)",
		"DELETE FROM main.crashes WHERE cell_id IN (SELECT id FROM main.cells WHERE run_id = ?1)",
		"DELETE FROM main.metrics WHERE cell_id IN (SELECT id FROM main.cells WHERE run_id = ?1)",
		"DELETE FROM main.cells WHERE run_id = ?1",
		"INSERT INTO main.cells (run_id, " CELL_COLS ") SELECT ?1, " CELL_COLS " FROM temp.m_cells WHERE win"
		" ORDER BY pos",
		"UPDATE temp.m_cells SET new_id = (SELECT c.id FROM main.cells c WHERE c.run_id = ?1 AND c.key = m_cells.key)"
		" WHERE win",
		"INSERT INTO main.boots (cell_id, " BOOT_COLS ") SELECT (SELECT c.new_id FROM temp.m_cells c WHERE"
		" c.shard = m_boots.shard AND c.old_id = m_boots.old_cell) AS cell, " BOOT_COLS " FROM temp.m_boots"
		" WHERE cell IS NOT NULL ORDER BY shard, old_id",
		"INSERT INTO main.crashes (cell_id, " CRASH_COLS ") SELECT (SELECT c.new_id FROM temp.m_cells c WHERE"
		" c.shard = m_crashes.shard AND c.old_id = m_crashes.old_cell) AS cell, " CRASH_COLS " FROM temp.m_crashes"
		" WHERE cell IS NOT NULL ORDER BY shard, old_id",
		"INSERT INTO main.metrics (cell_id, " METRIC_COLS ") SELECT (SELECT c.new_id FROM temp.m_cells c WHERE"
		" c.shard = m_metrics.shard AND c.old_id = m_metrics.old_cell) AS cell, " METRIC_COLS " FROM temp.m_metrics"
		" WHERE cell IS NOT NULL ORDER BY shard, old_id",
	};
	for (size_t i = 0; i < ARRAY_LENGTH(sql); i++) {
		int r = run_sql(mg, sql[i], "i", mg->run_id);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Hosts of the run: those it had and the shards', each once. */
static char *hosts_joined(struct merge *mg)
{
	sqlite3_stmt *stmt;
	struct strbuf sb;
	strbuf_init(&sb);
	if (sqlite3_prepare_v2(mg->db, "SELECT host FROM main.runs WHERE id = ?", -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, mg->run_id);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			strbuf_puts(&sb, (const char *)sqlite3_column_text(stmt, 0));
		sqlite3_finalize(stmt);
	}
	if (sqlite3_prepare_v2(mg->db, "SELECT host FROM temp.m_runs WHERE shard > 0 ORDER BY shard", -1, &stmt, NULL) ==
	    SQLITE_OK) {
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *h = (const char *)sqlite3_column_text(stmt, 0);
			_cleanup_free_ char *padded = xasprintf(", %s, ", sb.buf);
			_cleanup_free_ char *want = xasprintf(", %s, ", h);
			if (!strstr(padded, want))
				strbuf_printf(&sb, "%s%s", sb.len ? ", " : "", h);
		}
		sqlite3_finalize(stmt);
	}
	return strbuf_steal(&sb);
}

static int copy_file(const char *from, const char *to, const struct stat *st)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0)
				return -errno;
			done += w;
		}
	}
	if (n < 0)
		return -errno;
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	futimens(out, times);
	return 0;
}

/* Copies a cell's evidence directory: regular files and directories, not overlays, temporary
 * files or links. Returns the number of files copied, or a negative errno. */
static int copy_tree(const char *from, const char *to)
{
	int r = mkdir_p(to, 0755), files = 0;
	DIR *d = r < 0 ? NULL : opendir(from);
	if (!d)
		return r < 0 ? r : -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, "..") || strendswith(de->d_name, ".qcow2") ||
		    strendswith(de->d_name, ".tmp"))
			continue;
		_cleanup_free_ char *src = path_join(from, de->d_name), *dst = path_join(to, de->d_name);
		struct stat st;
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			r = copy_tree(src, dst);
		else if (S_ISREG(st.st_mode) && (r = copy_file(src, dst, &st)) == 0)
			r = 1;
		else if (!S_ISREG(st.st_mode))
			r = 0;
		if (r < 0)
			break;
		files += r;
	}
	closedir(d);
	return r < 0 ? r : files;
}

/* The evidence of each cell a shard brought: STATE/runs/OLD/CELL to OUT's STATE/runs/RUN/CELL
 * (what was there for the cell, a replaced one's, is moved aside until the commit). */
static int copy_evidence(struct merge *mg)
{
	sqlite3_stmt *stmt;
	int r = 0;
	if ((r = mkdir_p(mg->run_dir, 0755)) < 0)
		return fail(mg, r, "cannot create %s: %s", mg->run_dir, strerror(-r));
	if (sqlite3_prepare_v2(mg->db, "SELECT shard, key, attempts FROM temp.m_cells WHERE win AND shard > 0"
				   " ORDER BY shard, old_id", -1, &stmt, NULL) != SQLITE_OK)
		return sql_fail(mg);
	bool *missing_noted = xcalloc(mg->n + 1, sizeof(bool));
	while (r == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
		size_t shard = (size_t)sqlite3_column_int64(stmt, 0);
		const struct source *s = &mg->src[shard];
		_cleanup_free_ char *celldir = cell_dir_name((const char *)sqlite3_column_text(stmt, 1));
		_cleanup_free_ char *shard_run = xasprintf("%s/runs/%lld", s->state, (long long)s->run_id);
		_cleanup_free_ char *from = path_join(shard_run, celldir), *to = path_join(mg->run_dir, celldir);
		struct stat st;
		if (lstat(to, &st) == 0) {
			_cleanup_free_ char *aside = xasprintf("%s.merge-old", to);
			remove_tree(aside);
			if (rename(to, aside) < 0) {
				r = fail(mg, -errno, "cannot move %s aside: %s", to, strerror(errno));
				break;
			}
			mg->aside = xreallocarray(mg->aside, mg->n_aside + 1, sizeof(char *));
			mg->aside[mg->n_aside++] = xstrdup(to);
		}
		if (lstat(from, &st) < 0 || !S_ISDIR(st.st_mode)) {
			if (sqlite3_column_int64(stmt, 2) > 0 && !missing_noted[shard] && lstat(shard_run, &st) < 0) {
				note(mg, "%s: no evidence directory %s: its cells are merged without consoles or screenshots",
				     s->name, shard_run);
				missing_noted[shard] = true;
			}
			continue;
		}
		mg->copied = xreallocarray(mg->copied, mg->n_copied + 1, sizeof(char *));
		mg->copied[mg->n_copied++] = xstrdup(to);
		int files = copy_tree(from, to);
		if (files < 0)
			r = fail(mg, -EIO, "cannot copy %s to %s: %s", from, to, strerror(-files));
		else
			mg->res->files += (size_t)files;
	}
	sqlite3_finalize(stmt);
	free(missing_noted);
	return r;
}

/* After a commit, what was moved aside goes; after a failure, the copies go and it comes back. */
static void evidence_settle(struct merge *mg, bool committed)
{
	if (!committed)
		for (size_t i = 0; i < mg->n_copied; i++)
			remove_tree(mg->copied[i]);
	for (size_t i = 0; i < mg->n_aside; i++) {
		_cleanup_free_ char *aside = xasprintf("%s.merge-old", mg->aside[i]);
		if (committed)
			remove_tree(aside);
		else
			rename(aside, mg->aside[i]);
	}
}

/* What the shards brought: counts, and a note for each shard that brought nothing new. */
static int count_contributions(struct merge *mg, size_t *new_cells)
{
	int64_t added = 0, replaced = 0, skipped = 0;
	int r = query_int(mg, &added, "SELECT COUNT(*) FROM temp.m_cells w WHERE w.win AND w.shard > 0 AND NOT EXISTS"
				      " (SELECT 1 FROM temp.m_cells o WHERE o.shard = 0 AND o.key = w.key)", "");
	if (r == 0)
		r = query_int(mg, &replaced, "SELECT COUNT(*) FROM temp.m_cells w WHERE w.win AND w.shard > 0 AND EXISTS"
					     " (SELECT 1 FROM temp.m_cells o WHERE o.shard = 0 AND o.key = w.key)", "");
	if (r == 0)
		r = query_int(mg, &skipped, "SELECT COUNT(*) FROM temp.m_cells WHERE win IS NULL AND shard > 0", "");
	if (r < 0)
		return r;
	mg->res->added = (size_t)added;
	mg->res->replaced = (size_t)replaced;
	mg->res->skipped = (size_t)skipped;
	*new_cells = (size_t)(added + replaced);
	for (size_t i = 1; i <= mg->n; i++) {
		int64_t cells = 0, won = 0, same = 0;
		if ((r = query_int(mg, &cells, "SELECT COUNT(*) FROM temp.m_cells WHERE shard = ?", "i", (int64_t)i)) < 0 ||
		    (r = query_int(mg, &won, "SELECT COUNT(*) FROM temp.m_cells WHERE shard = ? AND win", "i", (int64_t)i)) < 0 ||
		    (r = query_int(mg, &same, "SELECT COUNT(*) FROM temp.m_cells c WHERE c.shard = ? AND EXISTS (SELECT 1 FROM"
					      " temp.m_cells w WHERE w.key = c.key AND w.win AND (w.rowid = c.rowid OR w.fp = c.fp))", "i", (int64_t)i)) < 0)
			return r;
		if (won)
			continue;
		_cleanup_free_ char *what = describe(mg, i);
		if (!cells)
			note(mg, "%s holds no cells", what);
		else if (same == cells)
			note(mg, "%s: already merged (its %lld cells are in run %lld): skipped", what, (long long)cells,
			     (long long)mg->run_id);
		else
			note(mg, "%s: nothing new (%lld of its cells have no verdict where the same cells have one): skipped",
			     what, (long long)(cells - same));
	}
	return 0;
}

/* The run's record: cells, hosts, times, and its status: finished when every shard's run
 * finished and every cell has its verdict. */
static int update_run(struct merge *mg)
{
	int64_t unfinished = 0, pending = 0;
	int r = query_int(mg, &unfinished, "SELECT COUNT(*) FROM temp.m_runs WHERE shard > 0 AND status <> 'finished'", "");
	if (r == 0)
		r = query_int(mg, &pending, "SELECT COUNT(*) FROM main.cells WHERE run_id = ? AND verdict IS NULL", "i",
			      mg->run_id);
	if (r < 0)
		return r;
	const char *status = unfinished || pending ? "interrupted" : "finished";
	_cleanup_free_ char *hosts = hosts_joined(mg);
	r = run_sql(mg, "UPDATE main.runs SET n_cells = (SELECT COUNT(*) FROM main.cells WHERE run_id = ?1), status = ?2,"
			" host = ?3, started_ms = MIN(started_ms, (SELECT MIN(started_ms) FROM temp.m_runs WHERE shard > 0)),"
			" finished_ms = (SELECT MAX(f) FROM (SELECT finished_ms AS f FROM temp.m_runs WHERE shard > 0"
			" UNION ALL SELECT finished_ms FROM main.runs WHERE id = ?1)) WHERE id = ?1",
		    "itt", mg->run_id, status, hosts);
	return r;
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char cwd[4096];
	return getcwd(cwd, sizeof(cwd)) ? path_join(cwd, path) : xstrdup(path);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* Everything after the shards are staged, in one transaction of OUT.db. */
static int merge_staged(struct merge *mg)
{
	_cleanup_free_ char *state = absolute(mg->o->state_dir);
	size_t new_cells = 0;
	int r = run_sql(mg, "BEGIN IMMEDIATE", "");
	if (r < 0)
		return r;
	if ((r = find_or_create_run(mg)) < 0)
		goto rollback;
	mg->run_dir = xasprintf("%s/runs/%lld", state, (long long)mg->run_id);
	if ((r = resolve_cells(mg)) < 0 || (r = count_contributions(mg, &new_cells)) < 0)
		goto rollback;
	if (!new_cells && mg->have_run) {
		run_sql(mg, "ROLLBACK", ""); /* nothing new: the database stays as it is */
		return 0;
	}
	if ((r = order_cells(mg)) < 0 || (r = write_cells(mg)) < 0 || (r = update_run(mg)) < 0 ||
	    (r = copy_evidence(mg)) < 0)
		goto rollback;
	if ((r = run_sql(mg, "COMMIT", "")) < 0)
		goto rollback;
	evidence_settle(mg, true);
	return 0;
rollback:
	sqlite3_exec(mg->db, "ROLLBACK", NULL, NULL, NULL);
	evidence_settle(mg, false);
	if (mg->res->created && mg->run_dir)
		rmdir(mg->run_dir); /* the new run's directory, when nothing else is in it */
	return r;
}

static int read_result(struct merge *mg)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(mg->db, "SELECT status, (SELECT COUNT(*) FROM main.cells WHERE run_id = ?1) FROM main.runs"
				   " WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK)
		return sql_fail(mg);
	sqlite3_bind_int64(stmt, 1, mg->run_id);
	int r = sqlite3_step(stmt) == SQLITE_ROW ? 0 : sql_fail(mg);
	if (r == 0) {
		mg->res->run_id = mg->run_id;
		mg->res->status = column_text(stmt, 0);
		mg->res->cells = (size_t)sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	return r;
}

int merge_shards(const struct merge_options *o, const struct merge_shard *shards, size_t n, struct merge_result *res,
		 char **msg)
{
	struct merge mg = { .o = o, .n = n, .res = res, .msg = msg };
	_cleanup_free_ char *why = NULL;
	bool new_db = access(o->db, F_OK) < 0;
	int r = 0;

	memset(res, 0, sizeof(*res));
	*msg = NULL;
	if (!n)
		return fail(&mg, -EINVAL, "no shard to merge");
	mg.src = xcalloc(n + 1, sizeof(*mg.src));
	mg.src[0].name = xstrdup(o->db);
	for (size_t i = 1; i <= n; i++) {
		mg.src[i].name = xstrdup(shards[i - 1].db);
		mg.src[i].state = shards[i - 1].state ? xstrdup(shards[i - 1].state) : dir_of(shards[i - 1].db);
	}
	mg.staging = xasprintf("%s/staging/merge-%d", o->state_dir, (int)getpid());
	remove_tree(mg.staging);
	if ((r = mkdir_p(mg.staging, 0755)) < 0) {
		r = fail(&mg, r, "cannot create %s: %s", mg.staging, strerror(-r));
		goto out;
	}
	struct store *st = store_open(o->db, &why); /* creates or migrates OUT.db */
	if (!st) {
		r = fail(&mg, -EIO, "%s: %s", o->db, why ? why : "cannot open");
		goto out;
	}
	store_close(st);
	if (sqlite3_open_v2(o->db, &mg.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		r = fail(&mg, -EIO, "%s: %s", o->db, mg.db ? sqlite3_errmsg(mg.db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(mg.db, 10000);
	if (sqlite3_exec(mg.db, "PRAGMA foreign_keys = ON; PRAGMA temp_store = FILE;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(mg.db, "merge_sha256", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_sha256, NULL,
				    NULL) != SQLITE_OK ||
	    sqlite3_create_function(mg.db, "merge_paths", 2, SQLITE_UTF8, &mg, sql_merge_paths, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(mg.db, temp_schema, NULL, NULL, NULL) != SQLITE_OK) {
		r = sql_fail(&mg);
		goto out;
	}
	for (size_t i = 1; i <= n && r == 0; i++)
		r = stage_shard(&mg, i);
	if (r == 0)
		r = check_shards(&mg);
	if (r == 0)
		r = merge_staged(&mg);
	if (r == 0)
		r = read_result(&mg);
out:
	sqlite3_close(mg.db);
	if (r < 0 && new_db) {
		/* a database made for a merge that failed goes again */
		static const char *const suffixes[] = { "", "-wal", "-shm" };
		for (size_t i = 0; i < ARRAY_LENGTH(suffixes); i++) {
			_cleanup_free_ char *file = xasprintf("%s%s", o->db, suffixes[i]);
			unlink(file);
		}
	}
	remove_tree(mg.staging);
	_cleanup_free_ char *staging_root = xasprintf("%s/staging", o->state_dir);
	rmdir(staging_root);
	for (size_t i = 0; i <= n && mg.src; i++) {
		free(mg.src[i].name);
		free(mg.src[i].state);
	}
	free(mg.src);
	for (size_t i = 0; i < mg.n_copied; i++)
		free(mg.copied[i]);
	free(mg.copied);
	for (size_t i = 0; i < mg.n_aside; i++)
		free(mg.aside[i]);
	free(mg.aside);
	free(mg.staging);
	free(mg.run_dir);
	return r;
}

void merge_result_clear(struct merge_result *res)
{
	for (size_t i = 0; i < res->n_notes; i++)
		free(res->notes[i]);
	free(res->notes);
	free(res->status);
	memset(res, 0, sizeof(*res));
}
