/* run.c: runs a matrix: loads the matrix, images and packages, cleans up after dead runs,
 * schedules cells on worker threads (the plan's concurrency), and records the run. */
#include "run.h"
#include "cell.h"
#include "inputs.h"
#include "log.h"
#include "sha256.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) { stop_requested = 1; }

static char *hostname_now(void)
{
	char buf[256] = "localhost";
	gethostname(buf, sizeof(buf) - 1);
	return xstrdup(buf);
}

char *run_owner_record(void)
{
	_cleanup_free_ char *host = hostname_now();
	return xasprintf("pid=%d start=%lld host=%s", (int)getpid(), (long long)process_start_time(getpid()), host);
}

/* Reads "key=value" from an owner record. */
static bool owner_field(const char *owner, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	for (const char *p = owner; p && *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t len = strcspn(v, " ");
			snprintf(out, n, "%.*s", (int)len, v);
			return true;
		}
		p = strchr(p, ' ');
	}
	return false;
}

/* The text of the owner element libvirt hands back ("<owner>pid=…</owner>"), unescaped. */
static char *owner_text(const char *xml)
{
	const char *open = strchr(xml, '>'), *close = strrchr(xml, '<');
	if (!open || !close || close < open)
		return xstrdup(xml);
	static const struct { const char *entity; char c; } entities[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' }, { "&apos;", '\'' },
	};
	struct strbuf sb;
	strbuf_init(&sb);
	for (const char *p = open + 1; p < close;) {
		size_t i;
		for (i = 0; i < ARRAY_LENGTH(entities); i++) {
			size_t n = strlen(entities[i].entity);
			if ((size_t)(close - p) >= n && strncmp(p, entities[i].entity, n) == 0) {
				strbuf_putc(&sb, entities[i].c);
				p += n;
				break;
			}
		}
		if (i == ARRAY_LENGTH(entities))
			strbuf_putc(&sb, *p++);
	}
	return strbuf_steal(&sb);
}

static bool owner_alive(int pid, int64_t start)
{
	return pid > 0 && process_start_time(pid) == start;
}

struct orphan_scan {
	struct lab *lab;
	char *host;
	int removed;
};

static void orphan_domain(const char *name, const char *xml, void *data)
{
	struct orphan_scan *scan = data;
	_cleanup_free_ char *owner = owner_text(xml);
	char pid[32] = "", start[32] = "", host[256] = "", dir[4096] = "";
	if (!owner_field(owner, "pid", pid, sizeof(pid)) || !owner_field(owner, "start", start, sizeof(start)) ||
	    !owner_field(owner, "host", host, sizeof(host)))
		return; /* not one of ours */
	if (!streq(host, scan->host) || owner_alive(atoi(pid), strtoll(start, NULL, 10)))
		return;
	log_info("cleanup: %s belonged to compatlab pid %s, which is gone: destroying it", name, pid);
	if (scan->lab->ops->destroy_by_name(scan->lab, name) == 0)
		scan->removed++;
	if (owner_field(owner, "dir", dir, sizeof(dir)) && strstr(dir, "/attempt-")) {
		_cleanup_free_ char *overlay = path_join(dir, "disk.qcow2");
		unlink(overlay);
	}
}

static void orphan_run(int64_t run_id, const char *host, int pid, int64_t pid_start, void *data)
{
	struct store *st = data;
	_cleanup_free_ char *me = hostname_now();
	if (!streq(host, me) || owner_alive(pid, pid_start))
		return;
	log_info("cleanup: run %lld was left by compatlab pid %d, which is gone: marking it interrupted",
		 (long long)run_id, pid);
	store_run_finish(st, run_id, "interrupted");
}

int run_cleanup_orphans(struct lab *lab, struct store *st)
{
	struct orphan_scan scan = { .lab = lab, .host = hostname_now() };
	lab->ops->list_owned(lab, CELL_DOMAIN_PREFIX, orphan_domain, &scan);
	if (st)
		store_each_running_run(st, orphan_run, st);
	free(scan.host);
	return scan.removed;
}

/* The host part of a libvirt URI ("qemu+ssh://root@h/system" -> "h"); "local" when there is none. */
static char *uri_host(const char *uri)
{
	const char *p = uri ? strstr(uri, "://") : NULL;
	if (!p)
		return xstrdup("local");
	p += 3;
	const char *at = strchr(p, '@'), *end = p + strcspn(p, "/?");
	if (at && at < end)
		p = at + 1;
	return end > p ? xstrndup(p, (size_t)(end - p)) : xstrdup("local");
}

struct scheduler {
	struct cell_env *env;
	struct cell *cells;
	int64_t *cell_ids;
	size_t n;
	size_t next; /* atomically taken */
	struct run_summary *sum;
	struct progress *progress;
	const char *host; /* where the cells run, as the progress names it */
	pthread_mutex_t lock;
};

static void *worker(void *data)
{
	struct scheduler *s = data;
	for (;;) {
		size_t i = __atomic_fetch_add(&s->next, 1, __ATOMIC_ACQ_REL);
		if (i >= s->n || stop_requested)
			break;
		int64_t start = now_mono_ms();
		progress_cell_started(s->progress, s->host);
		enum verdict v = cell_execute(s->env, &s->cells[i], s->cell_ids[i]);
		progress_cell_finished(s->progress, s->host, v, now_mono_ms() - start);
		pthread_mutex_lock(&s->lock);
		s->sum->counts[v]++;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static void record_package(struct store *st, int64_t run_id, const struct package *p, const char *role)
{
	if (p)
		store_package_add(st, run_id, p->name, p->version, role, p->sha256, p->size, p->path);
}

int run_matrix(struct cmd_ctx *ctx, const struct run_options *o, struct run_summary *sum)
{
	struct conf_error err = { 0 };
	struct matrix *m = NULL;
	struct store *st = NULL;
	struct lab *lab = NULL;
	struct run_inputs in = { 0 };
	struct cell *cells = NULL;
	int64_t *cell_ids = NULL;
	size_t n_cells = 0;
	_cleanup_free_ char *staging = NULL, *run_dir = NULL, *owner = NULL, *host = NULL, *why = NULL, *msg = NULL;
	_cleanup_free_ char *default_packages = path_join(ctx->state_dir, "packages"), *lab_host = NULL;
	char matrix_sha[65];
	int rc = EXIT_INFRA, r;

	memset(sum, 0, sizeof(*sum));
	m = matrix_load(o->matrix_path, &err);
	if (!m) {
		_cleanup_free_ char *text = conf_error_format(&err);
		fprintf(stderr, "%s\n", text);
		conf_error_clear(&err);
		return EXIT_USAGE;
	}
	if (o->concurrency)
		m->plan.concurrency = o->concurrency;
	n_cells = matrix_expand(m, &cells);
	if (o->shard_n > 1)
		n_cells = matrix_shard(m, cells, n_cells, o->shard_k, o->shard_n);
	sha256_file(o->matrix_path, matrix_sha, NULL);

	if ((r = mkdir_p(ctx->state_dir, 0755)) < 0) {
		rc = cmd_error(EXIT_INFRA, "cannot create the state directory %s: %s", ctx->state_dir, strerror(-r));
		goto out;
	}
	st = store_open(ctx->db_path, &msg);
	if (!st) {
		rc = cmd_error(EXIT_INFRA, "%s: %s", ctx->db_path, msg ? msg : "cannot open the database");
		goto out;
	}

	staging = xasprintf("%s/staging/%d", ctx->state_dir, (int)getpid());
	size_t problems = inputs_open(m, cells, n_cells, ctx->image_dir, o->packages_dir ? o->packages_dir : default_packages,
				      staging, &in);
	if (problems) {
		rc = cmd_error(EXIT_USAGE, "%s: %zu problem%s: nothing was started", o->matrix_path, problems,
			       problems == 1 ? "" : "s");
		goto out;
	}

	lab = lab_libvirt_open(ctx->uri, o->accel, in.images[0]->kernel, ctx->state_dir, &why);
	if (!lab) {
		rc = cmd_error(EXIT_INFRA, "%s", why);
		goto out;
	}
	int removed = run_cleanup_orphans(lab, st);
	if (removed)
		log_info("cleanup: removed %d domain(s) left by dead runs", removed);

	host = hostname_now();
	owner = run_owner_record();
	if (o->resume) {
		struct result_run *prev = NULL;
		if (store_read_run(st, o->resume, &prev) < 0) {
			rc = cmd_error(EXIT_USAGE, "there is no run %lld in %s", (long long)o->resume, ctx->db_path);
			goto out;
		}
		bool same = streq(prev->matrix_sha256, matrix_sha);
		bool running = streq(prev->status, "running");
		result_run_free(prev);
		if (!same) {
			rc = cmd_error(EXIT_USAGE, "run %lld was made from another version of %s; start a new run instead",
				       (long long)o->resume, o->matrix_path);
			goto out;
		}
		if (running) {
			rc = cmd_error(EXIT_USAGE, "run %lld is still running", (long long)o->resume);
			goto out;
		}
		sum->run_id = o->resume;
		store_run_adopt(st, sum->run_id, (int)getpid(), process_start_time(getpid()));
	} else {
		struct store_run_info info = {
			.matrix_name = m->name, .matrix_file = o->matrix_path, .matrix_sha256 = matrix_sha, .host = host,
			.pid = (int)getpid(), .pid_start = process_start_time(getpid()), .n_cells = n_cells,
		};
		if (store_run_begin(st, &info, &sum->run_id) < 0) {
			rc = cmd_error(EXIT_INFRA, "cannot record the run in %s", ctx->db_path);
			goto out;
		}
	}
	for (size_t i = 0; i < m->n_sensors; i++)
		record_package(st, sum->run_id, in.sensors[i], "sensor");
	for (size_t i = 0; i < m->n_contents; i++)
		record_package(st, sum->run_id, in.contents[i], "content");
	record_package(st, sum->run_id, in.baseline_sensor, "baseline sensor");
	record_package(st, sum->run_id, in.baseline_content, "baseline content");

	/* every cell is recorded before any runs: a killed run still shows what it had left to do */
	cell_ids = xcalloc(n_cells, sizeof(*cell_ids));
	size_t todo = 0;
	store_transaction_begin(st);
	for (size_t i = 0; i < n_cells; i++) {
		_cleanup_free_ char *key = matrix_cell_key(m, &cells[i]);
		const struct cell *c = &cells[i];
		enum verdict v = VERDICT_NONE;
		int64_t id;
		if (store_cell_ensure(st, sum->run_id, key, m->images[c->image], m->hardware[c->hardware].name,
				      m->sensors[c->sensor].name, m->contents[c->content].name, &id) < 0) {
			store_transaction_commit(st);
			rc = cmd_error(EXIT_INFRA, "cannot record cell %s", key);
			goto out;
		}
		store_cell_verdict(st, id, &v);
		if (v != VERDICT_NONE) {
			sum->counts[v]++; /* resumed: already decided */
			continue;
		}
		cells[todo] = cells[i];
		cell_ids[todo++] = id;
	}
	store_transaction_commit(st);
	sum->cells = n_cells;
	run_dir = xasprintf("%s/runs/%lld", ctx->state_dir, (long long)sum->run_id);
	mkdir_p(run_dir, 0755);
	log_info("run %lld: matrix '%s', %zu cells (%zu to run), concurrency %u, %s", (long long)sum->run_id, m->name,
		 n_cells, todo, m->plan.concurrency, lab->kvm ? "KVM" : "TCG");

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct cell_env env = {
		.lab = lab, .transport = &transport_ssh_ops, .store = st, .matrix = m, .images = in.images,
		.sensors = in.sensors, .contents = in.contents, .baseline_sensor = in.baseline_sensor,
		.baseline_content = in.baseline_content, .run_dir = run_dir,
		.run_id = sum->run_id, .owner = owner, .stop = &stop_requested,
	};
	lab_host = uri_host(ctx->uri);
	struct scheduler sched = { .env = &env, .cells = cells, .cell_ids = cell_ids, .n = todo, .sum = sum,
				   .host = lab_host };
	pthread_mutex_init(&sched.lock, NULL);
	size_t n_workers = m->plan.concurrency < todo ? m->plan.concurrency : todo;
	pthread_t *threads = xcalloc(n_workers ? n_workers : 1, sizeof(*threads));
	sched.progress = progress_start(o->progress, stderr, n_cells, n_cells - todo, 30000);
	for (size_t i = 0; i < n_workers; i++)
		pthread_create(&threads[i], NULL, worker, &sched);
	for (size_t i = 0; i < n_workers; i++)
		pthread_join(threads[i], NULL);
	progress_stop(sched.progress);
	free(threads);
	pthread_mutex_destroy(&sched.lock);

	sum->interrupted = stop_requested;
	store_run_finish(st, sum->run_id, sum->interrupted ? "interrupted" : "finished");
	store_run_count_perf(st, sum->run_id, "inconclusive", &sum->perf_inconclusive);
	rc = EXIT_PASS;
	for (int v = VERDICT_PASS; v <= VERDICT_INFRA_ERROR; v++)
		if (sum->counts[v] && verdict_is_product_failure((enum verdict)v))
			rc = EXIT_FAILURES;
	/* a performance comparison the host's load spoiled is the lab's failure to measure */
	if (rc == EXIT_PASS && (sum->counts[VERDICT_INFRA_ERROR] || sum->interrupted || sum->perf_inconclusive))
		rc = EXIT_INFRA;
out:
	if (lab)
		lab->ops->close(lab);
	if (m)
		inputs_close(m, &in);
	if (staging)
		remove_tree(staging);
	free(cells);
	free(cell_ids);
	store_close(st);
	matrix_free(m);
	return rc;
}
