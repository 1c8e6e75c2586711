/* store.c: results in SQLite (WAL), with a schema version and migrations. One connection,
 * serialised by a mutex: cells on several threads write through it. */
#include "store.h"
#include "console.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

struct store {
	sqlite3 *db;
	pthread_mutex_t lock; /* recursive: a transaction holds it across the calls inside */
};

/* Migration i takes the schema from version i to i + 1. */
static const char *const migrations[] = {
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  matrix_name TEXT NOT NULL, matrix_file TEXT NOT NULL, matrix_sha256 TEXT NOT NULL,"
	"  host TEXT NOT NULL, pid INTEGER NOT NULL, pid_start INTEGER NOT NULL,"
	"  n_cells INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'running',"
	"  started_ms INTEGER NOT NULL, finished_ms INTEGER);"
	"CREATE TABLE cells ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  key TEXT NOT NULL, image TEXT NOT NULL, hardware TEXT NOT NULL,"
	"  sensor TEXT NOT NULL, content TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
	"  verdict TEXT, boot_index INTEGER, reason TEXT, evidence TEXT,"
	"  started_ms INTEGER, finished_ms INTEGER,"
	"  UNIQUE (run_id, key));"
	"CREATE TABLE boots ("
	"  id INTEGER PRIMARY KEY,"
	"  cell_id INTEGER NOT NULL REFERENCES cells(id),"
	"  attempt INTEGER NOT NULL, boot INTEGER NOT NULL,"
	"  started_ms INTEGER NOT NULL, ready_ms INTEGER,"
	"  outcome TEXT NOT NULL, detail TEXT);"
	"CREATE TABLE crashes ("
	"  id INTEGER PRIMARY KEY,"
	"  cell_id INTEGER NOT NULL REFERENCES cells(id),"
	"  attempt INTEGER NOT NULL, boot INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, source TEXT NOT NULL, title TEXT, module TEXT, reason TEXT,"
	"  event_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL, console TEXT);"
	"CREATE TABLE packages ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  name TEXT NOT NULL, version TEXT NOT NULL, kind TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL, size INTEGER NOT NULL, path TEXT NOT NULL,"
	"  UNIQUE (run_id, sha256));"
	"CREATE TABLE metrics ("
	"  id INTEGER PRIMARY KEY,"
	"  cell_id INTEGER NOT NULL REFERENCES cells(id),"
	"  attempt INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,"
	"  unit TEXT NOT NULL, method TEXT NOT NULL);"
	"CREATE INDEX cells_run ON cells(run_id);"
	"CREATE INDEX boots_cell ON boots(cell_id);"
	"CREATE INDEX crashes_cell ON crashes(cell_id);"
	"CREATE INDEX metrics_cell ON metrics(cell_id);",
	/* 2: the faulting function and the crash signature that groups the same bug across cells */
	"ALTER TABLE crashes ADD COLUMN function TEXT;"
	"ALTER TABLE crashes ADD COLUMN signature TEXT;"
	"CREATE INDEX crashes_signature ON crashes(signature);",
	/* 3: the performance comparison's outcome, apart from the verdict: "pass", "regression",
	 * "inconclusive" (the host's load spoiled it), NULL when nothing was measured */
	"ALTER TABLE cells ADD COLUMN perf TEXT;",
	/* 4: the kernel's reports it survived (WARNING, hung task ...) beside its crashes: whether the
	 * kernel stopped, whether it made the same report before the versions under test were
	 * installed, and the report's line in the boot's console */
	"ALTER TABLE crashes ADD COLUMN fatal INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE crashes ADD COLUMN known INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE crashes ADD COLUMN line INTEGER;",
	/* 5: the guest's OS as its agent described it at the first boot (os-release's PRETTY_NAME) and
	 * its kernel release: what a row of the report really ran */
	"ALTER TABLE cells ADD COLUMN os TEXT;"
	"ALTER TABLE cells ADD COLUMN kernel TEXT;",
};

_Static_assert(ARRAY_LENGTH(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

static int sql_error(struct store *st, const char *what)
{
	log_warnx("store: %s: %s", what, sqlite3_errmsg(st->db));
	return -EIO;
}

static int migrate(struct store *st, char **msg)
{
	sqlite3_stmt *stmt;
	int version = 0;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (version > STORE_SCHEMA_VERSION) {
		*msg = xasprintf("database schema version %d is newer than this compatlab (%d)", version,
				 STORE_SCHEMA_VERSION);
		return -EPROTO;
	}
	for (; version < STORE_SCHEMA_VERSION; version++) {
		char *err = NULL;
		_cleanup_free_ char *sql = xasprintf("BEGIN IMMEDIATE; %s; PRAGMA user_version = %d; COMMIT;",
						     migrations[version], version + 1);
		if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
			*msg = xasprintf("migration to schema %d failed: %s", version + 1, err ? err : "?");
			sqlite3_free(err);
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return -EIO;
		}
	}
	return 0;
}

struct store *store_open(const char *path, char **msg)
{
	struct store *st = xzalloc(sizeof(*st));
	*msg = NULL;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&st->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		*msg = xasprintf("%s", st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	char *err = NULL;
	if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
			 NULL, NULL, &err) != SQLITE_OK) {
		*msg = xasprintf("%s", err ? err : "cannot configure");
		sqlite3_free(err);
		goto fail;
	}
	if (migrate(st, msg) < 0)
		goto fail;
	return st;
fail:
	store_close(st);
	errno = EIO;
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* Binds arguments described by a format string: i = int64, t = text (NULL binds NULL), d = double. */
static int bind_args(sqlite3_stmt *stmt, const char *fmt, va_list ap)
{
	for (int i = 1; *fmt; fmt++, i++) {
		int rc;
		switch (*fmt) {
		case 'i': rc = sqlite3_bind_int64(stmt, i, va_arg(ap, int64_t)); break;
		case 'd': rc = sqlite3_bind_double(stmt, i, va_arg(ap, double)); break;
		case 't': {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, i);
			break;
		}
		default: fatal("bad bind format '%c'", *fmt);
		}
		if (rc != SQLITE_OK)
			return -EIO;
	}
	return 0;
}

/* Runs one statement with the store locked. Returns 0, or -EIO. *changes and *rowid are optional. */
static int exec_stmt(struct store *st, int *changes, int64_t *rowid, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *stmt;
	int r = 0;
	va_list ap;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		r = sql_error(st, sql);
		goto out;
	}
	va_start(ap, fmt);
	r = bind_args(stmt, fmt, ap);
	va_end(ap);
	if (r == 0 && sqlite3_step(stmt) != SQLITE_DONE)
		r = sql_error(st, sql);
	if (r == 0 && changes)
		*changes = sqlite3_changes(st->db);
	if (r == 0 && rowid)
		*rowid = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	return r;
}

/* Runs a query that yields one int64; -ENOENT when there is no row. */
static int query_int(struct store *st, int64_t *out, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *stmt;
	int r = 0;
	va_list ap;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		r = sql_error(st, sql);
		goto out;
	}
	va_start(ap, fmt);
	r = bind_args(stmt, fmt, ap);
	va_end(ap);
	if (r == 0) {
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			*out = sqlite3_column_int64(stmt, 0);
		else if (rc == SQLITE_DONE)
			r = -ENOENT;
		else
			r = sql_error(st, sql);
	}
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_transaction_begin(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		int r = sql_error(st, "BEGIN");
		pthread_mutex_unlock(&st->lock);
		return r;
	}
	return 0;
}

int store_transaction_commit(struct store *st)
{
	int r = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : sql_error(st, "COMMIT");
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_run_begin(struct store *st, const struct store_run_info *info, int64_t *run_id)
{
	return exec_stmt(st, NULL, run_id,
			 "INSERT INTO runs (matrix_name, matrix_file, matrix_sha256, host, pid, pid_start, n_cells, started_ms)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			 "ttttiiii", info->matrix_name, info->matrix_file, info->matrix_sha256, info->host,
			 (int64_t)info->pid, info->pid_start, (int64_t)info->n_cells, now_wall_ms());
}

int store_run_finish(struct store *st, int64_t run_id, const char *status)
{
	return exec_stmt(st, NULL, NULL, "UPDATE runs SET status = ?, finished_ms = ? WHERE id = ?", "tii", status,
			 now_wall_ms(), run_id);
}

int store_run_adopt(struct store *st, int64_t run_id, int pid, int64_t pid_start)
{
	return exec_stmt(st, NULL, NULL,
			 "UPDATE runs SET status = 'running', finished_ms = NULL, pid = ?, pid_start = ? WHERE id = ?",
			 "iii", (int64_t)pid, pid_start, run_id);
}

int store_latest_run(struct store *st, int64_t *run_id)
{
	return query_int(st, run_id, "SELECT MAX(id) FROM runs HAVING MAX(id) IS NOT NULL", "");
}

int store_each_running_run(struct store *st, void (*fn)(int64_t, const char *, int, int64_t, void *), void *data)
{
	struct row { int64_t id, pid_start; int pid; char *host; } *rows = NULL;
	size_t n = 0;
	sqlite3_stmt *stmt;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, "SELECT id, host, pid, pid_start FROM runs WHERE status = 'running'", -1,
			       &stmt, NULL) != SQLITE_OK) {
		int r = sql_error(st, "running runs");
		pthread_mutex_unlock(&st->lock);
		return r;
	}
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		rows = xreallocarray(rows, n + 1, sizeof(*rows));
		rows[n].id = sqlite3_column_int64(stmt, 0);
		rows[n].host = xstrdup((const char *)sqlite3_column_text(stmt, 1));
		rows[n].pid = sqlite3_column_int(stmt, 2);
		rows[n].pid_start = sqlite3_column_int64(stmt, 3);
		n++;
	}
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	for (size_t i = 0; i < n; i++) {
		fn(rows[i].id, rows[i].host, rows[i].pid, rows[i].pid_start, data);
		free(rows[i].host);
	}
	free(rows);
	return 0;
}

int store_cell_ensure(struct store *st, int64_t run_id, const char *key, const char *image, const char *hardware,
		      const char *sensor, const char *content, int64_t *cell_id)
{
	int r = exec_stmt(st, NULL, NULL,
			  "INSERT OR IGNORE INTO cells (run_id, key, image, hardware, sensor, content)"
			  " VALUES (?, ?, ?, ?, ?, ?)",
			  "ittttt", run_id, key, image, hardware, sensor, content);
	if (r < 0)
		return r;
	return query_int(st, cell_id, "SELECT id FROM cells WHERE run_id = ? AND key = ?", "it", run_id, key);
}

int store_cell_verdict(struct store *st, int64_t cell_id, enum verdict *v)
{
	sqlite3_stmt *stmt;
	int r = 0;
	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, "SELECT verdict FROM cells WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK) {
		r = sql_error(st, "cell verdict");
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, cell_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stmt, 0);
		*v = name ? verdict_from_name(name) : VERDICT_NONE;
	} else {
		r = -ENOENT;
	}
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_cell_begin(struct store *st, int64_t cell_id, unsigned *attempt)
{
	int64_t a;
	int r = exec_stmt(st, NULL, NULL,
			  "UPDATE cells SET state = 'running', attempts = attempts + 1,"
			  " started_ms = COALESCE(started_ms, ?) WHERE id = ?",
			  "ii", now_wall_ms(), cell_id);
	if (r < 0)
		return r;
	r = query_int(st, &a, "SELECT attempts FROM cells WHERE id = ?", "i", cell_id);
	*attempt = (unsigned)a;
	return r;
}

int store_cell_os(struct store *st, int64_t cell_id, const char *os, const char *kernel)
{
	return exec_stmt(st, NULL, NULL, "UPDATE cells SET os = ?, kernel = ? WHERE id = ?", "tti", os, kernel, cell_id);
}

int store_cell_finish(struct store *st, int64_t cell_id, enum verdict v, unsigned boot_index, const char *reason,
		      const char *evidence, const char *perf)
{
	int changes = 0;
	int r = exec_stmt(st, &changes, NULL,
			  "UPDATE cells SET state = 'done', verdict = ?, boot_index = ?, reason = ?, evidence = ?,"
			  " perf = ?, finished_ms = ? WHERE id = ? AND verdict IS NULL",
			  "tittt" "ii", verdict_name(v), (int64_t)boot_index, reason, evidence, perf, now_wall_ms(), cell_id);
	if (r == 0 && changes == 0)
		return -EALREADY;
	return r;
}

int store_run_count_perf(struct store *st, int64_t run_id, const char *outcome, size_t *n)
{
	int64_t v = 0;
	int r = query_int(st, &v, "SELECT COUNT(*) FROM cells WHERE run_id = ? AND perf = ?", "it", run_id, outcome);
	*n = r == 0 ? (size_t)v : 0;
	return r;
}

int store_boot_add(struct store *st, int64_t cell_id, unsigned attempt, unsigned boot, int64_t started_ms,
		   int64_t ready_ms, const char *outcome, const char *detail)
{
	return exec_stmt(st, NULL, NULL,
			 "INSERT INTO boots (cell_id, attempt, boot, started_ms, ready_ms, outcome, detail)"
			 " VALUES (?, ?, ?, ?, NULLIF(?, -1), ?, ?)",
			 "iiiiitt", cell_id, (int64_t)attempt, (int64_t)boot, started_ms, ready_ms, outcome, detail);
}

int store_crash_add(struct store *st, int64_t cell_id, const struct store_crash *c)
{
	return exec_stmt(st, NULL, NULL,
			 "INSERT INTO crashes (cell_id, attempt, boot, kind, source, title, module, reason, event_ms,"
			 " recorded_ms, console, function, signature, fatal, known, line)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0))",
			 "iiittttt" "iit" "tt" "iii", cell_id, (int64_t)c->attempt, (int64_t)c->boot, c->kind, c->source, c->title,
			 c->module, c->reason, c->event_ms, c->recorded_ms, c->console, c->function, c->signature,
			 (int64_t)c->fatal, (int64_t)c->known, (int64_t)c->line);
}

int store_package_add(struct store *st, int64_t run_id, const char *name, const char *version, const char *kind,
		      const char *sha256, uint64_t size, const char *path)
{
	return exec_stmt(st, NULL, NULL,
			 "INSERT OR IGNORE INTO packages (run_id, name, version, kind, sha256, size, path)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?)",
			 "itttt" "it", run_id, name, version, kind, sha256, (int64_t)size, path);
}

int store_metric_add(struct store *st, int64_t cell_id, unsigned attempt, const char *name, double value,
		     const char *unit, const char *method)
{
	return exec_stmt(st, NULL, NULL,
			 "INSERT INTO metrics (cell_id, attempt, name, value, unit, method) VALUES (?, ?, ?, ?, ?, ?)",
			 "iitdtt", cell_id, (int64_t)attempt, name, value, unit, method);
}

/* Reading back */

static char *col_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);
	return s ? xstrdup((const char *)s) : NULL;
}

static struct result_cell *find_cell(struct result_run *run, int64_t id)
{
	/* cells are read ordered by id, so a binary search finds them */
	size_t lo = 0, hi = run->n_cells;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (run->cells[mid].id == id)
			return &run->cells[mid];
		if (run->cells[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

#define APPEND(arr, n) (arr = xreallocarray(arr, (n) + 1, sizeof(*(arr))), memset(&(arr)[n], 0, sizeof(*(arr))), &(arr)[(n)++])

static int read_rows(struct store *st, struct result_run *run)
{
	sqlite3_stmt *stmt;
	int64_t id = run->id;

#define PREPARE(sql) \
	do { \
		if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) \
			return sql_error(st, sql); \
		sqlite3_bind_int64(stmt, 1, id); \
	} while (0)

	PREPARE("SELECT matrix_name, matrix_file, matrix_sha256, host, status, started_ms, COALESCE(finished_ms, 0)"
		" FROM runs WHERE id = ?");
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return -ENOENT;
	}
	run->matrix_name = col_text(stmt, 0);
	run->matrix_file = col_text(stmt, 1);
	run->matrix_sha256 = col_text(stmt, 2);
	run->host = col_text(stmt, 3);
	run->status = col_text(stmt, 4);
	run->started_ms = sqlite3_column_int64(stmt, 5);
	run->finished_ms = sqlite3_column_int64(stmt, 6);
	sqlite3_finalize(stmt);

	PREPARE("SELECT id, key, image, hardware, sensor, content, state, verdict, COALESCE(boot_index, 0), reason,"
		" evidence, attempts, COALESCE(started_ms, 0), COALESCE(finished_ms, 0), perf, os, kernel FROM cells"
		" WHERE run_id = ?"
		" ORDER BY id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct result_cell *c = APPEND(run->cells, run->n_cells);
		const char *v = (const char *)sqlite3_column_text(stmt, 7);
		c->id = sqlite3_column_int64(stmt, 0);
		c->key = col_text(stmt, 1);
		c->image = col_text(stmt, 2);
		c->hardware = col_text(stmt, 3);
		c->sensor = col_text(stmt, 4);
		c->content = col_text(stmt, 5);
		c->state = col_text(stmt, 6);
		c->verdict = v ? verdict_from_name(v) : VERDICT_NONE;
		c->boot_index = (unsigned)sqlite3_column_int(stmt, 8);
		c->reason = col_text(stmt, 9);
		c->evidence = col_text(stmt, 10);
		c->attempts = (unsigned)sqlite3_column_int(stmt, 11);
		c->started_ms = sqlite3_column_int64(stmt, 12);
		c->finished_ms = sqlite3_column_int64(stmt, 13);
		c->perf = col_text(stmt, 14);
		c->os = col_text(stmt, 15);
		c->kernel = col_text(stmt, 16);
	}
	sqlite3_finalize(stmt);

	PREPARE("SELECT b.cell_id, b.attempt, b.boot, b.started_ms, COALESCE(b.ready_ms, -1), b.outcome, b.detail"
		" FROM boots b JOIN cells c ON c.id = b.cell_id WHERE c.run_id = ? ORDER BY b.id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct result_cell *c = find_cell(run, sqlite3_column_int64(stmt, 0));
		if (!c)
			continue;
		struct result_boot *b = APPEND(c->boots, c->n_boots);
		b->attempt = (unsigned)sqlite3_column_int(stmt, 1);
		b->boot = (unsigned)sqlite3_column_int(stmt, 2);
		b->started_ms = sqlite3_column_int64(stmt, 3);
		b->ready_ms = sqlite3_column_int64(stmt, 4);
		b->outcome = col_text(stmt, 5);
		b->detail = col_text(stmt, 6);
	}
	sqlite3_finalize(stmt);

	PREPARE("SELECT x.cell_id, x.attempt, x.boot, x.kind, x.source, x.title, x.module, x.reason, x.event_ms,"
		" x.recorded_ms, x.console, x.function, x.signature, x.fatal, x.known, COALESCE(x.line, 0)"
		" FROM crashes x JOIN cells c ON c.id = x.cell_id WHERE c.run_id = ? ORDER BY x.id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct result_cell *c = find_cell(run, sqlite3_column_int64(stmt, 0));
		if (!c)
			continue;
		bool fatal = sqlite3_column_int(stmt, 13) != 0;
		struct result_crash *x = fatal ? APPEND(c->crashes, c->n_crashes) : APPEND(c->reports, c->n_reports);
		x->fatal = fatal;
		x->known = sqlite3_column_int(stmt, 14) != 0;
		x->line = (unsigned)sqlite3_column_int(stmt, 15);
		x->attempt = (unsigned)sqlite3_column_int(stmt, 1);
		x->boot = (unsigned)sqlite3_column_int(stmt, 2);
		x->kind = col_text(stmt, 3);
		x->source = col_text(stmt, 4);
		x->title = col_text(stmt, 5);
		x->module = col_text(stmt, 6);
		x->reason = col_text(stmt, 7);
		x->event_ms = sqlite3_column_int64(stmt, 8);
		x->recorded_ms = sqlite3_column_int64(stmt, 9);
		x->console = col_text(stmt, 10);
		x->function = col_text(stmt, 11);
		x->signature = col_text(stmt, 12);
		if (!x->signature) /* recorded before schema 2 */
			x->signature = crash_signature(x->title, x->function, x->module);
	}
	sqlite3_finalize(stmt);

	PREPARE("SELECT m.cell_id, m.attempt, m.name, m.value, m.unit, m.method FROM metrics m"
		" JOIN cells c ON c.id = m.cell_id WHERE c.run_id = ? ORDER BY m.id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct result_cell *c = find_cell(run, sqlite3_column_int64(stmt, 0));
		if (!c)
			continue;
		struct result_metric *m = APPEND(c->metrics, c->n_metrics);
		m->attempt = (unsigned)sqlite3_column_int(stmt, 1);
		m->name = col_text(stmt, 2);
		m->value = sqlite3_column_double(stmt, 3);
		m->unit = col_text(stmt, 4);
		m->method = col_text(stmt, 5);
	}
	sqlite3_finalize(stmt);

	PREPARE("SELECT name, version, kind, sha256, size, path FROM packages WHERE run_id = ? ORDER BY id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct result_package *p = APPEND(run->packages, run->n_packages);
		p->name = col_text(stmt, 0);
		p->version = col_text(stmt, 1);
		p->kind = col_text(stmt, 2);
		p->sha256 = col_text(stmt, 3);
		p->size = (uint64_t)sqlite3_column_int64(stmt, 4);
		p->path = col_text(stmt, 5);
	}
	sqlite3_finalize(stmt);
#undef PREPARE
	return 0;
}

int store_read_run(struct store *st, int64_t run_id, struct result_run **out)
{
	struct result_run *run = xzalloc(sizeof(*run));
	run->id = run_id;
	pthread_mutex_lock(&st->lock);
	/* one read transaction: a consistent snapshot even while a run is writing */
	sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
	int r = read_rows(st, run);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		result_run_free(run);
		return r;
	}
	*out = run;
	return 0;
}

void result_run_free(struct result_run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_cells; i++) {
		struct result_cell *c = &r->cells[i];
		for (size_t j = 0; j < c->n_boots; j++) {
			free(c->boots[j].outcome);
			free(c->boots[j].detail);
		}
		for (size_t j = 0; j < c->n_crashes + c->n_reports; j++) {
			struct result_crash *x = j < c->n_crashes ? &c->crashes[j] : &c->reports[j - c->n_crashes];
			free(x->kind); free(x->source); free(x->title); free(x->module); free(x->reason); free(x->console);
			free(x->function); free(x->signature);
		}
		for (size_t j = 0; j < c->n_metrics; j++) {
			free(c->metrics[j].name); free(c->metrics[j].unit); free(c->metrics[j].method);
		}
		free(c->boots); free(c->crashes); free(c->reports); free(c->metrics);
		free(c->key); free(c->image); free(c->hardware); free(c->sensor); free(c->content);
		free(c->state); free(c->reason); free(c->evidence); free(c->perf);
		free(c->os); free(c->kernel);
	}
	for (size_t i = 0; i < r->n_packages; i++) {
		struct result_package *p = &r->packages[i];
		free(p->name); free(p->version); free(p->kind); free(p->sha256); free(p->path);
	}
	free(r->cells); free(r->packages);
	free(r->matrix_name); free(r->matrix_file); free(r->matrix_sha256); free(r->host); free(r->status);
	free(r);
}
