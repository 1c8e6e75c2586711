/* progress.c: a run's progress: cells done of total, counts by verdict, cells running per host,
 * elapsed time and an ETA from the median duration of the cells finished so far. */
#include "progress.h"
#include "json.h"
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TTY_TICK_MS 1000
#define MAX_HOSTS 64

struct host_count {
	char name[64];
	size_t running;
};

struct progress {
	enum progress_mode mode;
	FILE *out;
	int64_t interval_ms, start_ms;
	size_t total, done_before, done, running;
	size_t counts[VERDICT_INFRA_ERROR + 1];
	int64_t *durations; /* of the cells finished in this process, for the ETA */
	size_t n_durations, workers_seen;
	struct host_count hosts[MAX_HOSTS];
	size_t n_hosts;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	pthread_t thread;
};

int progress_mode_from_name(const char *name)
{
	static const char *const names[] = { "auto", "tty", "lines", "json", "off" };
	for (size_t i = 0; i < ARRAY_LENGTH(names); i++)
		if (streq(name, names[i]))
			return (int)i;
	return -1;
}

static struct host_count *host_of(struct progress *p, const char *host)
{
	for (size_t i = 0; i < p->n_hosts; i++)
		if (streq(p->hosts[i].name, host))
			return &p->hosts[i];
	if (p->n_hosts == MAX_HOSTS)
		return &p->hosts[MAX_HOSTS - 1]; /* the rest share the last slot */
	struct host_count *h = &p->hosts[p->n_hosts++];
	snprintf(h->name, sizeof(h->name), "%s", host);
	return h;
}

void progress_cell_started(struct progress *p, const char *host)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->running++;
	if (p->running > p->workers_seen)
		p->workers_seen = p->running;
	host_of(p, host)->running++;
	pthread_mutex_unlock(&p->lock);
}

void progress_cell_finished(struct progress *p, const char *host, enum verdict v, int64_t duration_ms)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->running)
		p->running--;
	struct host_count *h = host_of(p, host);
	if (h->running)
		h->running--;
	p->done++;
	p->counts[v]++;
	p->durations = xreallocarray(p->durations, p->n_durations + 1, sizeof(*p->durations));
	p->durations[p->n_durations++] = duration_ms;
	pthread_mutex_unlock(&p->lock);
}

static int compare_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void put_duration(struct strbuf *sb, int64_t ms)
{
	int64_t s = ms / 1000;
	if (s >= 3600)
		strbuf_printf(sb, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
	else
		strbuf_printf(sb, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
}

/* Remaining cells in waves of the workers seen so far, each a median cell long; -1 when unknown. */
static int64_t eta_ms(const struct progress *p)
{
	size_t left = p->total - p->done_before - p->done;
	if (!p->n_durations)
		return -1;
	if (!left)
		return 0;
	int64_t *d = xmalloc(p->n_durations * sizeof(*d));
	memcpy(d, p->durations, p->n_durations * sizeof(*d));
	qsort(d, p->n_durations, sizeof(*d), compare_i64);
	int64_t median = d[p->n_durations / 2];
	free(d);
	size_t workers = p->workers_seen ? p->workers_seen : 1;
	return (int64_t)((left + workers - 1) / workers) * median;
}

char *progress_format(struct progress *p, int64_t now_ms, bool json)
{
	struct strbuf sb;
	strbuf_init(&sb);
	pthread_mutex_lock(&p->lock);
	size_t done = p->done_before + p->done;
	int64_t eta = eta_ms(p), elapsed = now_ms - p->start_ms;
	if (json) {
		strbuf_printf(&sb, "{\"progress\":{\"done\":%zu,\"total\":%zu,\"running\":%zu,\"elapsed_ms\":%lld,\"eta_ms\":",
			      done, p->total, p->running, (long long)elapsed);
		if (eta < 0)
			strbuf_puts(&sb, "null");
		else
			strbuf_printf(&sb, "%lld", (long long)eta);
		strbuf_puts(&sb, ",\"verdicts\":{");
		bool first = true;
		for (int v = VERDICT_PASS; v <= VERDICT_INFRA_ERROR; v++) {
			if (!p->counts[v])
				continue;
			strbuf_printf(&sb, "%s\"%s\":%zu", first ? "" : ",", verdict_name((enum verdict)v), p->counts[v]);
			first = false;
		}
		strbuf_puts(&sb, "},\"hosts\":{");
		for (size_t i = 0; i < p->n_hosts; i++) {
			strbuf_puts(&sb, i ? "," : "");
			strbuf_put_json_string(&sb, p->hosts[i].name);
			strbuf_printf(&sb, ":{\"running\":%zu}", p->hosts[i].running);
		}
		strbuf_puts(&sb, "}}}");
	} else {
		strbuf_printf(&sb, "%zu/%zu cells", done, p->total);
		for (int v = VERDICT_PASS; v <= VERDICT_INFRA_ERROR; v++)
			if (p->counts[v])
				strbuf_printf(&sb, " %s %zu", verdict_name((enum verdict)v), p->counts[v]);
		strbuf_printf(&sb, " | running %zu", p->running);
		for (size_t i = 0; i < p->n_hosts; i++)
			if (p->hosts[i].running)
				strbuf_printf(&sb, "%s %s %zu", i ? "," : ":", p->hosts[i].name, p->hosts[i].running);
		strbuf_puts(&sb, " | ");
		put_duration(&sb, elapsed);
		strbuf_puts(&sb, " elapsed, ETA ");
		if (eta < 0)
			strbuf_puts(&sb, "?");
		else
			put_duration(&sb, eta);
	}
	pthread_mutex_unlock(&p->lock);
	return strbuf_steal(&sb);
}

static void emit(struct progress *p)
{
	_cleanup_free_ char *text = progress_format(p, now_mono_ms(), p->mode == PROGRESS_JSON);
	if (p->mode == PROGRESS_TTY) {
		log_status(text);
	} else {
		fprintf(p->out, "%s%s\n", p->mode == PROGRESS_LINES ? "progress: " : "", text);
		fflush(p->out);
	}
}

static void *progress_thread(void *data)
{
	struct progress *p = data;
	int64_t tick = p->mode == PROGRESS_TTY ? TTY_TICK_MS : p->interval_ms;
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = (int64_t)ts.tv_nsec + (tick % 1000) * 1000000;
		ts.tv_sec += tick / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		if (p->stopping)
			break;
		pthread_mutex_unlock(&p->lock);
		emit(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_start(enum progress_mode mode, FILE *out, size_t total, size_t done, int64_t interval_ms)
{
	if (mode == PROGRESS_AUTO)
		mode = isatty(fileno(out)) ? PROGRESS_TTY : PROGRESS_LINES;
	struct progress *p = xzalloc(sizeof(*p));
	p->mode = mode;
	p->out = out;
	p->interval_ms = interval_ms > 0 ? interval_ms : 30000;
	p->start_ms = now_mono_ms();
	p->total = total;
	p->done_before = done;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (mode != PROGRESS_OFF && pthread_create(&p->thread, NULL, progress_thread, p) != 0)
		p->mode = PROGRESS_OFF;
	return p;
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	if (p->mode != PROGRESS_OFF) {
		pthread_mutex_lock(&p->lock);
		p->stopping = true;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		if (p->mode == PROGRESS_TTY) {
			log_status(NULL);
			_cleanup_free_ char *text = progress_format(p, now_mono_ms(), false);
			fprintf(p->out, "%s\n", text);
		} else {
			emit(p);
		}
	}
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->durations);
	free(p);
}
