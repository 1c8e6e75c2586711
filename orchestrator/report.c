/* report.c: the HTML report (one self-contained page: the matrix grid, then each cell's boots,
 * crashes and evidence) and the JSON summary. Everything that came from a guest is escaped and
 * bounded here again, whatever the store holds; the page's CSP allows only its own stylesheet. */
#include "report.h"
#include "json.h"
#include "sha256.h"

#include <errno.h>
#include <string.h>

extern const char report_css[];
extern const size_t report_css_len;

#define FIELD_MAX 4096     /* one text field on the page */
#define CONSOLE_MAX 16384  /* one console excerpt on the page */

static void put_text(struct strbuf *sb, const char *s, size_t max)
{
	if (!s)
		return;
	size_t len = strlen(s);
	_cleanup_free_ char *clean = sanitize_text(s, len, max);
	strbuf_put_escaped(sb, clean);
}

static void put_time(struct strbuf *sb, int64_t ms)
{
	char buf[32];
	if (ms <= 0) {
		strbuf_puts(sb, "-");
		return;
	}
	format_time_ms(ms, buf, sizeof(buf));
	buf[19] = '\0'; /* to the second */
	buf[10] = ' ';
	strbuf_printf(sb, "%s UTC", buf);
}

static void base64(struct strbuf *sb, const uint8_t *d, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
		strbuf_putc(sb, tab[(v >> 18) & 63]);
		strbuf_putc(sb, tab[(v >> 12) & 63]);
		strbuf_putc(sb, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		strbuf_putc(sb, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* Distinct values of one axis, in first-seen order. */
struct axis {
	char **names;
	size_t n;
};

static size_t axis_index(struct axis *a, const char *name, bool add)
{
	for (size_t i = 0; i < a->n; i++)
		if (streq(a->names[i], name))
			return i;
	if (!add)
		return SIZE_MAX;
	a->names = xreallocarray(a->names, a->n + 1, sizeof(char *));
	a->names[a->n] = xstrdup(name);
	return a->n++;
}

static void axis_free(struct axis *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->names[i]);
	free(a->names);
}

static void put_verdict(struct strbuf *sb, enum verdict v)
{
	strbuf_printf(sb, "<span class=\"verdict v-%s\">%s</span>", verdict_name(v),
		      v == VERDICT_NONE ? "not run" : verdict_name(v));
}

static void put_grid(struct strbuf *sb, const struct result_run *run)
{
	struct axis rows = { 0 }, cols = { 0 };
	_cleanup_free_ char *row_key = NULL;
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		_cleanup_free_ char *r = xasprintf("%s / %s", c->image, c->hardware);
		_cleanup_free_ char *k = xasprintf("%s / %s", c->sensor, c->content);
		axis_index(&rows, r, true);
		axis_index(&cols, k, true);
	}
	/* cell index by (row, column) */
	size_t n_slots = rows.n * cols.n;
	size_t *at = xcalloc(n_slots > 0 ? n_slots : 1, sizeof(size_t));
	for (size_t i = 0; i < rows.n * cols.n; i++)
		at[i] = SIZE_MAX;
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		_cleanup_free_ char *r = xasprintf("%s / %s", c->image, c->hardware);
		_cleanup_free_ char *k = xasprintf("%s / %s", c->sensor, c->content);
		at[axis_index(&rows, r, false) * cols.n + axis_index(&cols, k, false)] = i;
	}
	strbuf_puts(sb, "<table class=\"grid\" id=\"grid\">\n<thead><tr><th>image / hardware</th>");
	for (size_t j = 0; j < cols.n; j++) {
		strbuf_puts(sb, "<th>");
		put_text(sb, cols.names[j], 200);
		strbuf_puts(sb, "</th>");
	}
	strbuf_puts(sb, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < rows.n; i++) {
		strbuf_puts(sb, "<tr><th>");
		put_text(sb, rows.names[i], 200);
		strbuf_puts(sb, "</th>");
		for (size_t j = 0; j < cols.n; j++) {
			size_t idx = at[i * cols.n + j];
			if (idx == SIZE_MAX) {
				strbuf_puts(sb, "<td></td>");
				continue;
			}
			const struct result_cell *c = &run->cells[idx];
			strbuf_printf(sb, "<td class=\"v-%s\" data-key=\"", verdict_name(c->verdict));
			put_text(sb, c->key, 300);
			strbuf_printf(sb, "\" data-verdict=\"%s\"><a href=\"#cell-%lld\">%s</a></td>", verdict_name(c->verdict),
				      (long long)c->id, c->verdict == VERDICT_NONE ? "not run" : verdict_name(c->verdict));
		}
		strbuf_puts(sb, "</tr>\n");
	}
	strbuf_puts(sb, "</tbody></table>\n");
	free(at);
	axis_free(&rows);
	axis_free(&cols);
}

static void put_cell(struct strbuf *sb, const struct result_cell *c)
{
	strbuf_printf(sb, "<section class=\"cell\" id=\"cell-%lld\" data-verdict=\"%s\">\n<h3>", (long long)c->id,
		      verdict_name(c->verdict));
	put_verdict(sb, c->verdict);
	strbuf_puts(sb, " <span class=\"mono\">");
	put_text(sb, c->key, 300);
	strbuf_puts(sb, "</span></h3>\n<p>");
	put_text(sb, c->reason ? c->reason : (c->verdict == VERDICT_NONE ? "not run (the run was interrupted?)" : ""),
		 FIELD_MAX);
	if (c->boot_index)
		strbuf_printf(sb, " &middot; boot %u", c->boot_index);
	strbuf_printf(sb, " &middot; %u attempt%s", c->attempts, c->attempts == 1 ? "" : "s");
	if (c->finished_ms > c->started_ms && c->started_ms > 0)
		strbuf_printf(sb, " &middot; %.1f s", (double)(c->finished_ms - c->started_ms) / 1000);
	strbuf_puts(sb, "</p>\n");
	if (c->evidence && *c->evidence) {
		strbuf_puts(sb, "<div class=\"evidence\">");
		put_text(sb, c->evidence, FIELD_MAX);
		strbuf_puts(sb, "</div>\n");
	}
	if (c->n_boots) {
		strbuf_puts(sb, "<table class=\"boots\"><thead><tr><th>attempt</th><th>boot</th><th>outcome</th>"
				"<th>agent ready</th><th>started</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < c->n_boots; i++) {
			const struct result_boot *b = &c->boots[i];
			strbuf_printf(sb, "<tr><td>%u</td><td>%u%s</td><td>", b->attempt, b->boot, b->boot == 0 ? " (before install)" : "");
			put_text(sb, b->outcome, 32);
			strbuf_puts(sb, "</td><td>");
			if (b->ready_ms >= 0)
				strbuf_printf(sb, "%.1f s", (double)b->ready_ms / 1000);
			else
				strbuf_puts(sb, "-");
			strbuf_puts(sb, "</td><td>");
			put_time(sb, b->started_ms);
			strbuf_puts(sb, "</td></tr>\n");
		}
		strbuf_puts(sb, "</tbody></table>\n");
	}
	for (size_t i = 0; i < c->n_crashes; i++) {
		const struct result_crash *x = &c->crashes[i];
		strbuf_printf(sb, "<div class=\"crash\"><p><strong>Crash on boot %u</strong> (attempt %u, seen by ", x->boot,
			      x->attempt);
		put_text(sb, x->source, 32);
		strbuf_printf(sb, ", recorded %lld ms after the event): <code>", (long long)(x->recorded_ms - x->event_ms));
		put_text(sb, x->title, 300);
		strbuf_puts(sb, "</code>");
		if (x->module) {
			strbuf_puts(sb, " &middot; module <code>");
			put_text(sb, x->module, 64);
			strbuf_puts(sb, "</code>");
		}
		if (x->reason) {
			strbuf_puts(sb, " &middot; panic: <code>");
			put_text(sb, x->reason, 300);
			strbuf_puts(sb, "</code>");
		}
		strbuf_puts(sb, "</p>\n");
		if (x->console && *x->console) {
			strbuf_puts(sb, "<details><summary>console</summary><pre>");
			put_text(sb, x->console, CONSOLE_MAX);
			strbuf_puts(sb, "</pre></details>");
		}
		strbuf_puts(sb, "</div>\n");
	}
	/* a hang's console excerpt is kept with its boot */
	for (size_t i = 0; i < c->n_boots; i++) {
		const struct result_boot *b = &c->boots[i];
		if (!streq(b->outcome, "hung") || !b->detail)
			continue;
		strbuf_printf(sb, "<details><summary>console of hung boot %u</summary><pre>", b->boot);
		put_text(sb, b->detail, CONSOLE_MAX);
		strbuf_puts(sb, "</pre></details>\n");
	}
	strbuf_puts(sb, "</section>\n");
}

static const enum verdict verdict_order[] = {
	VERDICT_BOOT_LOOP, VERDICT_CRASH, VERDICT_HANG, VERDICT_SENSOR_UNHEALTHY, VERDICT_INSTALL_FAILED,
	VERDICT_PERF_REGRESSION, VERDICT_INFRA_ERROR, VERDICT_NONE, VERDICT_PASS,
};

int report_html(const struct result_run *run, const char *dir)
{
	struct strbuf sb;
	struct sha256 h;
	uint8_t digest[32];
	size_t counts[VERDICT_INFRA_ERROR + 1] = { 0 };

	for (size_t i = 0; i < run->n_cells; i++)
		counts[run->cells[i].verdict]++;
	sha256_init(&h);
	sha256_update(&h, report_css, report_css_len);
	sha256_final(&h, digest);

	strbuf_init(&sb);
	strbuf_puts(&sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; "
			 "base-uri 'none'; form-action 'none'; style-src 'sha256-");
	base64(&sb, digest, sizeof(digest));
	strbuf_printf(&sb, "'\">\n<title>compatlab run %lld: ", (long long)run->id);
	put_text(&sb, run->matrix_name, 100);
	strbuf_puts(&sb, "</title>\n<style>");
	strbuf_add(&sb, report_css, report_css_len);
	strbuf_printf(&sb, "</style>\n</head>\n<body>\n<h1>compatlab run %lld: ", (long long)run->id);
	put_text(&sb, run->matrix_name, 100);
	strbuf_puts(&sb, "</h1>\n<p class=\"meta\">");
	put_text(&sb, run->matrix_file, 300);
	strbuf_puts(&sb, " &middot; host ");
	put_text(&sb, run->host, 100);
	strbuf_puts(&sb, " &middot; started ");
	put_time(&sb, run->started_ms);
	if (run->finished_ms > run->started_ms)
		strbuf_printf(&sb, " &middot; %.0f s", (double)(run->finished_ms - run->started_ms) / 1000);
	strbuf_puts(&sb, " &middot; ");
	put_text(&sb, run->status, 32);
	strbuf_printf(&sb, "</p>\n<div class=\"counts\" id=\"counts\"><span class=\"badge v-NONE\">%zu cells</span>", run->n_cells);
	for (size_t i = 0; i < ARRAY_LENGTH(verdict_order); i++) {
		enum verdict v = verdict_order[i];
		if (counts[v])
			strbuf_printf(&sb, "<span class=\"badge v-%s\">%zu %s</span>", verdict_name(v), counts[v],
				      v == VERDICT_NONE ? "not run" : verdict_name(v));
	}
	strbuf_puts(&sb, "</div>\n<h2>Matrix</h2>\n");
	put_grid(&sb, run);

	/* failures first, then the rest, each group in matrix order */
	strbuf_puts(&sb, "<h2>Cells</h2>\n");
	for (size_t i = 0; i < ARRAY_LENGTH(verdict_order); i++)
		for (size_t j = 0; j < run->n_cells; j++)
			if (run->cells[j].verdict == verdict_order[i])
				put_cell(&sb, &run->cells[j]);

	strbuf_puts(&sb, "<h2>Packages</h2>\n<table><thead><tr><th>kind</th><th>name</th><th>version</th><th>SHA-256</th>"
			 "<th>size</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < run->n_packages; i++) {
		const struct result_package *p = &run->packages[i];
		strbuf_puts(&sb, "<tr><td>");
		put_text(&sb, p->kind, 16);
		strbuf_puts(&sb, "</td><td>");
		put_text(&sb, p->name, 200);
		strbuf_puts(&sb, "</td><td>");
		put_text(&sb, p->version, 200);
		strbuf_puts(&sb, "</td><td class=\"mono\">");
		put_text(&sb, p->sha256, 64);
		strbuf_printf(&sb, "</td><td>%llu</td></tr>\n", (unsigned long long)p->size);
	}
	strbuf_printf(&sb, "</tbody></table>\n<footer>compatlab %s &middot; report generated ", COMPATLAB_VERSION);
	put_time(&sb, now_wall_ms());
	strbuf_puts(&sb, "</footer>\n</body>\n</html>\n");

	int r = mkdir_p(dir, 0755);
	if (r == 0) {
		_cleanup_free_ char *path = path_join(dir, "index.html");
		r = write_file(path, sb.buf, sb.len, 0644);
	}
	strbuf_release(&sb);
	return r;
}

static void json_kv_str(struct strbuf *sb, const char *key, const char *value, bool comma)
{
	strbuf_printf(sb, "%s\"%s\":", comma ? "," : "", key);
	if (!value) {
		strbuf_puts(sb, "null");
		return;
	}
	_cleanup_free_ char *clean = sanitize_text(value, strlen(value), CONSOLE_MAX);
	strbuf_put_json_string(sb, clean);
}

void report_json(const struct result_run *run, struct strbuf *sb)
{
	size_t counts[VERDICT_INFRA_ERROR + 1] = { 0 };
	char t[32];

	strbuf_printf(sb, "{\"schema\":%d,\"run\":{\"id\":%lld", REPORT_JSON_SCHEMA, (long long)run->id);
	json_kv_str(sb, "matrix", run->matrix_name, true);
	json_kv_str(sb, "matrix_file", run->matrix_file, true);
	json_kv_str(sb, "matrix_sha256", run->matrix_sha256, true);
	json_kv_str(sb, "host", run->host, true);
	json_kv_str(sb, "status", run->status, true);
	json_kv_str(sb, "started", run->started_ms > 0 ? format_time_ms(run->started_ms, t, sizeof(t)) : NULL, true);
	json_kv_str(sb, "finished", run->finished_ms > 0 ? format_time_ms(run->finished_ms, t, sizeof(t)) : NULL, true);
	strbuf_puts(sb, "},\"cells\":[");
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		counts[c->verdict]++;
		strbuf_printf(sb, "%s{", i ? "," : "");
		json_kv_str(sb, "key", c->key, false);
		json_kv_str(sb, "image", c->image, true);
		json_kv_str(sb, "hardware", c->hardware, true);
		json_kv_str(sb, "sensor", c->sensor, true);
		json_kv_str(sb, "content", c->content, true);
		json_kv_str(sb, "verdict", c->verdict == VERDICT_NONE ? NULL : verdict_name(c->verdict), true);
		strbuf_printf(sb, ",\"boot_index\":%u,\"attempts\":%u", c->boot_index, c->attempts);
		json_kv_str(sb, "reason", c->reason, true);
		json_kv_str(sb, "evidence", c->evidence, true);
		strbuf_puts(sb, ",\"boots\":[");
		for (size_t j = 0; j < c->n_boots; j++) {
			const struct result_boot *b = &c->boots[j];
			strbuf_printf(sb, "%s{\"attempt\":%u,\"boot\":%u", j ? "," : "", b->attempt, b->boot);
			json_kv_str(sb, "outcome", b->outcome, true);
			if (b->ready_ms >= 0)
				strbuf_printf(sb, ",\"agent_ready_s\":%.3f", (double)b->ready_ms / 1000);
			strbuf_puts(sb, "}");
		}
		strbuf_puts(sb, "],\"crashes\":[");
		for (size_t j = 0; j < c->n_crashes; j++) {
			const struct result_crash *x = &c->crashes[j];
			strbuf_printf(sb, "%s{\"attempt\":%u,\"boot\":%u", j ? "," : "", x->attempt, x->boot);
			json_kv_str(sb, "kind", x->kind, true);
			json_kv_str(sb, "source", x->source, true);
			json_kv_str(sb, "title", x->title, true);
			json_kv_str(sb, "module", x->module, true);
			json_kv_str(sb, "reason", x->reason, true);
			strbuf_printf(sb, ",\"event_to_record_ms\":%lld}", (long long)(x->recorded_ms - x->event_ms));
		}
		strbuf_puts(sb, "],\"metrics\":[");
		for (size_t j = 0; j < c->n_metrics; j++) {
			const struct result_metric *mt = &c->metrics[j];
			strbuf_printf(sb, "%s{", j ? "," : "");
			json_kv_str(sb, "name", mt->name, false);
			strbuf_printf(sb, ",\"value\":%.6g", mt->value);
			json_kv_str(sb, "unit", mt->unit, true);
			strbuf_puts(sb, "}");
		}
		strbuf_puts(sb, "]}");
	}
	strbuf_puts(sb, "],\"counts\":{");
	bool first = true;
	for (int v = VERDICT_NONE; v <= VERDICT_INFRA_ERROR; v++) {
		if (!counts[v])
			continue;
		strbuf_printf(sb, "%s\"%s\":%zu", first ? "" : ",", v == VERDICT_NONE ? "NOT_RUN" : verdict_name((enum verdict)v),
			      counts[v]);
		first = false;
	}
	strbuf_puts(sb, "},\"packages\":[");
	for (size_t i = 0; i < run->n_packages; i++) {
		const struct result_package *p = &run->packages[i];
		strbuf_printf(sb, "%s{", i ? "," : "");
		json_kv_str(sb, "kind", p->kind, false);
		json_kv_str(sb, "name", p->name, true);
		json_kv_str(sb, "version", p->version, true);
		json_kv_str(sb, "sha256", p->sha256, true);
		strbuf_printf(sb, ",\"size\":%llu}", (unsigned long long)p->size);
	}
	strbuf_puts(sb, "]}\n");
}
