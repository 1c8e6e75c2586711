/* report-html.c: the HTML report: a directory with index.html (counts, comparison with the
 * baseline, breakdown per axis, the grid, failures, crash groups, packages), a page per cell,
 * failures.html, and grid pages when the matrix is wide. No scripts, no network: inline CSS
 * under a Content-Security-Policy that allows only that stylesheet, inline SVG, and images
 * copied beside the pages. Every string from the run is sanitised, bounded and escaped. */
#include "cell.h"
#include "report.h"
#include "sha256.h"
#include "stats.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char report_css[];
extern const size_t report_css_len;

#define FIELD_MAX 4096
#define CONSOLE_MAX 16384
#define GRID_COLS 40       /* columns per grid page */
#define INDEX_FAILURES 200 /* failures listed on index.html; all are in failures.html */
#define ARTIFACT_TEXT_MAX (256u * 1024)
#define ARTIFACT_PNG_MAX (8u << 20)

struct html {
	const struct report *r;
	const char *dir;
	char csp[128];
	/* the grid's axes: rows image/hardware, columns sensor/content */
	char **rows, **cols;
	size_t n_rows, n_cols;
	size_t *cell_row, *cell_col;
	bool run_dir_exists; /* the run's evidence directory under the state directory */
};

#define put report_put_text

static void put_perf_charts(struct html *h, struct strbuf *sb);
static void put_perf_table(struct strbuf *sb, const struct result_cell *c);

static void put_time(struct strbuf *sb, int64_t ms)
{
	char buf[32];
	if (ms <= 0) {
		strbuf_puts(sb, "-");
		return;
	}
	format_time_ms(ms, buf, sizeof(buf));
	buf[19] = '\0';
	buf[10] = ' ';
	strbuf_printf(sb, "%s UTC", buf);
}

static void base64(char *out, const uint8_t *d, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
		*out++ = tab[(v >> 18) & 63];
		*out++ = tab[(v >> 12) & 63];
		*out++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*out++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*out = '\0';
}

static void page_begin(struct html *h, struct strbuf *sb, const char *title, const char *home)
{
	strbuf_puts(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; "
			"base-uri 'none'; form-action 'none'; style-src 'sha256-");
	strbuf_puts(sb, h->csp);
	strbuf_puts(sb, "'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
	put(sb, title, 300);
	strbuf_puts(sb, "</title>\n<style>");
	strbuf_add(sb, report_css, report_css_len);
	strbuf_puts(sb, "</style>\n</head>\n<body>\n");
	if (home)
		strbuf_printf(sb, "<nav><a href=\"%s\">&larr; run %lld</a></nav>\n", home, (long long)h->r->run->id);
}

static int page_end(struct html *h, struct strbuf *sb, const char *name)
{
	strbuf_printf(sb, "<footer>compatlab %s &middot; generated ", COMPATLAB_VERSION);
	put_time(sb, now_wall_ms());
	strbuf_puts(sb, "</footer>\n</body>\n</html>\n");
	_cleanup_free_ char *path = path_join(h->dir, name);
	/* index.html is written last and atomically: it publishes the pages written before it */
	int r = streq(name, "index.html") ? write_file(path, sb->buf, sb->len, 0644)
					  : write_file_direct(path, sb->buf, sb->len, 0644);
	strbuf_reset(sb);
	return r;
}

static const char *vname(enum verdict v)
{
	return v == VERDICT_NONE ? "not run" : verdict_name(v);
}

static void put_badge(struct strbuf *sb, enum verdict v, const char *text)
{
	strbuf_printf(sb, "<span class=\"verdict v-%s\">%s</span>", verdict_name(v), text ? text : vname(v));
}

static void put_counts(struct html *h, struct strbuf *sb, const char *home_prefix)
{
	strbuf_printf(sb, "<div class=\"counts\" id=\"counts\"><span class=\"badge v-NONE\">%zu cells</span>",
		      h->r->run->n_cells);
	for (size_t i = 0; i < ARRAY_LENGTH(report_verdict_order); i++) {
		enum verdict v = report_verdict_order[i];
		if (!h->r->counts[v])
			continue;
		/* each failing verdict links to its part of failures.html: filtering without scripts */
		if (v == VERDICT_PASS)
			strbuf_printf(sb, "<span class=\"badge v-%s\" data-count=\"%zu\">%zu %s</span>", verdict_name(v),
				      h->r->counts[v], h->r->counts[v], vname(v));
		else
			strbuf_printf(sb, "<a class=\"badge v-%s\" data-count=\"%zu\" href=\"%sfailures.html#v-%s\">%zu %s</a>",
				      verdict_name(v), h->r->counts[v], home_prefix, verdict_name(v), h->r->counts[v], vname(v));
	}
	if (h->r->perf_inconclusive)
		strbuf_printf(sb, "<span class=\"badge v-NONE\" data-perf-inconclusive=\"%zu\">%zu with performance "
				  "inconclusive</span>", h->r->perf_inconclusive, h->r->perf_inconclusive);
	strbuf_puts(sb, "</div>\n");
}

static size_t axis_add(char ***names, size_t *n, const char *name)
{
	/* axes are small next to the cells (tens to hundreds of values): a linear search is enough */
	for (size_t i = *n; i > 0; i--)
		if (streq((*names)[i - 1], name))
			return i - 1;
	*names = xreallocarray(*names, *n + 1, sizeof(char *));
	(*names)[*n] = xstrdup(name);
	return (*n)++;
}

static void axes_build(struct html *h)
{
	const struct result_run *run = h->r->run;
	size_t n = run->n_cells ? run->n_cells : 1;
	h->cell_row = xcalloc(n, sizeof(size_t));
	h->cell_col = xcalloc(n, sizeof(size_t));
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		_cleanup_free_ char *row = xasprintf("%s / %s", c->image, c->hardware);
		_cleanup_free_ char *col = xasprintf("%s / %s", c->sensor, c->content);
		h->cell_row[i] = axis_add(&h->rows, &h->n_rows, row);
		h->cell_col[i] = axis_add(&h->cols, &h->n_cols, col);
	}
}

static void axes_free(struct html *h)
{
	for (size_t i = 0; i < h->n_rows; i++)
		free(h->rows[i]);
	for (size_t i = 0; i < h->n_cols; i++)
		free(h->cols[i]);
	free(h->rows);
	free(h->cols);
	free(h->cell_row);
	free(h->cell_col);
}

/* Under a row's name, the OS and kernel its guests said they run (the row's first cell that booted). */
static void put_row_os(struct html *h, struct strbuf *sb, size_t row)
{
	const struct result_run *run = h->r->run;
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		if (h->cell_row[i] != row || !c->os)
			continue;
		strbuf_puts(sb, "<div class=\"row-os\">");
		put(sb, c->os, 128);
		if (c->kernel) {
			strbuf_puts(sb, " · ");
			put(sb, c->kernel, 128);
		}
		strbuf_puts(sb, "</div>");
		return;
	}
}

/* The grid of columns [c0, c1): rows image/hardware, columns sensor/content. */
static void put_grid(struct html *h, struct strbuf *sb, size_t c0, size_t c1, const char *cell_prefix)
{
	const struct result_run *run = h->r->run;
	size_t width = c1 - c0;
	size_t slots = h->n_rows * width;
	size_t *at = xcalloc(slots > 0 ? slots : 1, sizeof(size_t));
	for (size_t i = 0; i < h->n_rows * width; i++)
		at[i] = SIZE_MAX;
	for (size_t i = 0; i < run->n_cells; i++)
		if (h->cell_col[i] >= c0 && h->cell_col[i] < c1)
			at[h->cell_row[i] * width + (h->cell_col[i] - c0)] = i;
	strbuf_puts(sb, "<div class=\"scroll\"><table class=\"grid\" id=\"grid\">\n<thead><tr><th>image / hardware</th>");
	for (size_t j = c0; j < c1; j++) {
		strbuf_puts(sb, "<th>");
		put(sb, h->cols[j], 200);
		strbuf_puts(sb, "</th>");
	}
	strbuf_puts(sb, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < h->n_rows; i++) {
		strbuf_puts(sb, "<tr><th>");
		put(sb, h->rows[i], 200);
		put_row_os(h, sb, i);
		strbuf_puts(sb, "</th>");
		for (size_t j = 0; j < width; j++) {
			size_t idx = at[i * width + j];
			if (idx == SIZE_MAX) {
				strbuf_puts(sb, "<td></td>");
				continue;
			}
			const struct result_cell *c = &run->cells[idx];
			strbuf_printf(sb, "<td class=\"v-%s\" data-key=\"", verdict_name(c->verdict));
			put(sb, c->key, 300);
			strbuf_printf(sb, "\" data-verdict=\"%s\"><a href=\"%s%lld.html\">%s</a></td>", verdict_name(c->verdict),
				      cell_prefix, (long long)c->id, vname(c->verdict));
		}
		strbuf_puts(sb, "</tr>\n");
	}
	strbuf_puts(sb, "</tbody></table></div>\n");
	free(at);
}

/* One table per axis: each value with its counts by verdict. */
static void put_breakdown(struct html *h, struct strbuf *sb)
{
	const struct result_run *run = h->r->run;
	static const char *const axes[] = { "image", "hardware", "sensor", "content" };
	strbuf_puts(sb, "<h2>By axis</h2>\n<div class=\"axes\">\n");
	for (size_t a = 0; a < ARRAY_LENGTH(axes); a++) {
		char **names = NULL;
		size_t n = 0;
		size_t (*counts)[VERDICT_INFRA_ERROR + 1] = NULL;
		for (size_t i = 0; i < run->n_cells; i++) {
			const struct result_cell *c = &run->cells[i];
			const char *v = a == 0 ? c->image : a == 1 ? c->hardware : a == 2 ? c->sensor : c->content;
			size_t before = n;
			size_t k = axis_add(&names, &n, v);
			if (n > before) {
				counts = xreallocarray(counts, n, sizeof(*counts));
				memset(counts[k], 0, sizeof(counts[k]));
			}
			counts[k][c->verdict]++;
		}
		strbuf_printf(sb, "<table class=\"axis\" id=\"axis-%s\"><thead><tr><th>%s</th>", axes[a], axes[a]);
		for (size_t i = 0; i < ARRAY_LENGTH(report_verdict_order); i++)
			if (h->r->counts[report_verdict_order[i]])
				strbuf_printf(sb, "<th>%s</th>", vname(report_verdict_order[i]));
		strbuf_puts(sb, "</tr></thead><tbody>\n");
		for (size_t k = 0; k < n; k++) {
			strbuf_puts(sb, "<tr><th>");
			put(sb, names[k], 200);
			strbuf_puts(sb, "</th>");
			for (size_t i = 0; i < ARRAY_LENGTH(report_verdict_order); i++) {
				enum verdict v = report_verdict_order[i];
				if (!h->r->counts[v])
					continue;
				if (counts[k][v])
					strbuf_printf(sb, "<td class=\"n v-%s\">%zu</td>", verdict_name(v), counts[k][v]);
				else
					strbuf_puts(sb, "<td class=\"n\"></td>");
			}
			strbuf_puts(sb, "</tr>\n");
			free(names[k]);
		}
		strbuf_puts(sb, "</tbody></table>\n");
		free(names);
		free(counts);
	}
	strbuf_puts(sb, "</div>\n");
}

static void put_cell_row(struct html *h, struct strbuf *sb, size_t i, const char *prefix)
{
	const struct result_cell *c = &h->r->run->cells[i];
	strbuf_printf(sb, "<tr data-verdict=\"%s\"><td>", verdict_name(c->verdict));
	put_badge(sb, c->verdict, NULL);
	strbuf_printf(sb, "</td><td><a class=\"mono\" href=\"%s%lld.html\">", prefix, (long long)c->id);
	put(sb, c->key, 300);
	strbuf_puts(sb, "</a></td><td>");
	put(sb, c->reason, 300);
	strbuf_puts(sb, "</td>");
	if (h->r->baseline)
		strbuf_printf(sb, "<td>%s</td>", report_change_name(h->r->changes[i]));
	strbuf_puts(sb, "</tr>\n");
}

static void put_failures(struct html *h, struct strbuf *sb, size_t limit, const char *prefix)
{
	const struct report *r = h->r;
	size_t failing = r->run->n_cells - r->counts[VERDICT_PASS];
	strbuf_printf(sb, "<h2 id=\"failures\">Failures (%zu)</h2>\n", failing);
	if (!failing) {
		strbuf_puts(sb, "<p>Every cell passed.</p>\n");
		return;
	}
	strbuf_printf(sb, "<table class=\"failures\"><thead><tr><th>verdict</th><th>cell</th><th>reason</th>%s</tr></thead><tbody>\n",
		      r->baseline ? "<th>vs baseline</th>" : "");
	size_t shown = 0;
	for (size_t k = 0; k < r->run->n_cells && shown < limit; k++) {
		size_t i = r->order[k];
		if (r->run->cells[i].verdict == VERDICT_PASS)
			continue;
		put_cell_row(h, sb, i, prefix);
		shown++;
	}
	strbuf_puts(sb, "</tbody></table>\n");
	if (shown < failing)
		strbuf_printf(sb, "<p><a href=\"failures.html\">All %zu failures</a></p>\n", failing);
}

/* A table of report groups (one signature each): crash groups with when they were seen, or the
 * kernel's surviving reports with their kind. Rows are anchored "<anchor>-N". */
static void put_group_table(struct strbuf *sb, const struct report *r, const struct report_group *groups, size_t n,
			    const char *anchor, bool crashes)
{
	strbuf_printf(sb, "<table class=\"groups\"><thead><tr><th>signature</th>%s<th>cells</th><th>%s</th>%s"
			  "<th>first cell</th></tr></thead><tbody>\n",
		      crashes ? "" : "<th>kind</th>", crashes ? "crashes" : "reports",
		      crashes ? "<th>first seen</th><th>last seen</th>" : "");
	for (size_t g = 0; g < n; g++) {
		const struct report_group *grp = &groups[g];
		const struct result_cell *c = &r->run->cells[grp->first_cell];
		strbuf_printf(sb, "<tr id=\"%s-%zu\"><td class=\"mono\">", anchor, g + 1);
		put(sb, grp->signature, 400);
		if (!crashes) {
			strbuf_puts(sb, "</td><td>");
			put(sb, grp->example->kind, 32);
		}
		strbuf_printf(sb, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>", grp->cells, grp->crashes);
		if (crashes) {
			strbuf_puts(sb, "<td>");
			put_time(sb, grp->first_ms);
			strbuf_puts(sb, "</td><td>");
			put_time(sb, grp->last_ms);
			strbuf_puts(sb, "</td>");
		}
		strbuf_printf(sb, "<td><a class=\"mono\" href=\"cells/%lld.html\">", (long long)c->id);
		put(sb, c->key, 300);
		strbuf_puts(sb, "</a></td></tr>\n");
	}
	strbuf_puts(sb, "</tbody></table>\n");
}

static void put_groups(struct html *h, struct strbuf *sb)
{
	const struct report *r = h->r;
	strbuf_printf(sb, "<h2 id=\"groups\">Crash groups (%zu)</h2>\n", r->n_groups);
	if (!r->n_groups)
		strbuf_puts(sb, "<p>No crashes.</p>\n");
	else
		put_group_table(sb, r, r->groups, r->n_groups, "group", true);
}

/* The reports the kernel survived, made after install and not before it, by signature. */
static void put_report_groups(struct html *h, struct strbuf *sb)
{
	const struct report *r = h->r;
	if (!r->n_report_groups)
		return;
	strbuf_printf(sb, "<h2 id=\"reports\">Kernel reports after install (%zu)</h2>\n", r->n_report_groups);
	put_group_table(sb, r, r->report_groups, r->n_report_groups, "report-group", false);
}

static void put_comparison(struct html *h, struct strbuf *sb)
{
	const struct report *r = h->r;
	if (!r->baseline)
		return;
	strbuf_printf(sb, "<h2 id=\"baseline\">Compared with run %lld</h2>\n<div class=\"counts\">", (long long)r->baseline->id);
	static const enum report_change shown[] = { CHANGE_NEW_FAILURE, CHANGE_FIXED, CHANGE_CHANGED, CHANGE_STILL_FAILING,
						    CHANGE_STILL_PASSING, CHANGE_NEW_CELL };
	static const char *const cls[] = { "v-CRASH", "v-PASS", "v-HANG", "v-INFRA_ERROR", "v-NONE", "v-NONE" };
	for (size_t i = 0; i < ARRAY_LENGTH(shown); i++)
		strbuf_printf(sb, "<span class=\"badge %s\" data-change=\"%s\">%zu %s</span>", cls[i],
			      report_change_name(shown[i]), r->change_counts[shown[i]], report_change_name(shown[i]));
	strbuf_puts(sb, "</div>\n");
	static const enum report_change listed[] = { CHANGE_NEW_FAILURE, CHANGE_FIXED, CHANGE_CHANGED };
	for (size_t l = 0; l < ARRAY_LENGTH(listed); l++) {
		if (!r->change_counts[listed[l]])
			continue;
		strbuf_printf(sb, "<h3>%s</h3>\n<table><tbody>\n", report_change_name(listed[l]));
		size_t n = 0;
		for (size_t i = 0; i < r->run->n_cells && n < INDEX_FAILURES; i++)
			if (r->changes[i] == listed[l]) {
				put_cell_row(h, sb, i, "cells/");
				n++;
			}
		strbuf_puts(sb, "</tbody></table>\n");
	}
}

static int write_index(struct html *h, struct strbuf *sb)
{
	const struct result_run *run = h->r->run;
	_cleanup_free_ char *title = xasprintf("compatlab run %lld: %s", (long long)run->id, run->matrix_name);
	page_begin(h, sb, title, NULL);
	strbuf_puts(sb, "<h1>");
	put(sb, title, 200);
	strbuf_puts(sb, "</h1>\n<p class=\"meta\">");
	put(sb, run->matrix_file, 300);
	strbuf_puts(sb, " &middot; host ");
	put(sb, run->host, 100);
	strbuf_puts(sb, " &middot; started ");
	put_time(sb, run->started_ms);
	if (run->finished_ms > run->started_ms)
		strbuf_printf(sb, " &middot; %.0f s", (double)(run->finished_ms - run->started_ms) / 1000);
	strbuf_puts(sb, " &middot; status ");
	put(sb, run->status, 32);
	strbuf_puts(sb, "</p>\n");
	put_counts(h, sb, "");
	put_comparison(h, sb);
	strbuf_puts(sb, "<h2>Matrix</h2>\n");
	if (h->n_cols <= GRID_COLS) {
		put_grid(h, sb, 0, h->n_cols, "cells/");
	} else {
		size_t pages = (h->n_cols + GRID_COLS - 1) / GRID_COLS;
		strbuf_printf(sb, "<p>%zu rows &times; %zu columns: the grid is split into pages of %d columns:", h->n_rows,
			      h->n_cols, GRID_COLS);
		for (size_t p = 0; p < pages; p++)
			strbuf_printf(sb, " <a href=\"grid-%zu.html\">%zu</a>", p + 1, p + 1);
		strbuf_puts(sb, "</p>\n");
	}
	put_breakdown(h, sb);
	put_perf_charts(h, sb);
	put_failures(h, sb, INDEX_FAILURES, "cells/");
	put_groups(h, sb);
	put_report_groups(h, sb);

	strbuf_puts(sb, "<h2>Packages</h2>\n<table><thead><tr><th>kind</th><th>name</th><th>version</th><th>SHA-256</th>"
			"<th>size</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < run->n_packages; i++) {
		const struct result_package *p = &run->packages[i];
		strbuf_puts(sb, "<tr><td>");
		put(sb, p->kind, 16);
		strbuf_puts(sb, "</td><td>");
		put(sb, p->name, 200);
		strbuf_puts(sb, "</td><td>");
		put(sb, p->version, 200);
		strbuf_puts(sb, "</td><td class=\"mono\">");
		put(sb, p->sha256, 64);
		strbuf_printf(sb, "</td><td class=\"n\">%llu</td></tr>\n", (unsigned long long)p->size);
	}
	strbuf_puts(sb, "</tbody></table>\n");
	return page_end(h, sb, "index.html");
}

static int write_grid_pages(struct html *h, struct strbuf *sb)
{
	if (h->n_cols <= GRID_COLS)
		return 0;
	size_t pages = (h->n_cols + GRID_COLS - 1) / GRID_COLS;
	for (size_t p = 0; p < pages; p++) {
		_cleanup_free_ char *title = xasprintf("run %lld: grid %zu of %zu", (long long)h->r->run->id, p + 1, pages);
		_cleanup_free_ char *name = xasprintf("grid-%zu.html", p + 1);
		size_t c1 = (p + 1) * GRID_COLS < h->n_cols ? (p + 1) * GRID_COLS : h->n_cols;
		page_begin(h, sb, title, "index.html");
		strbuf_puts(sb, "<h1>");
		put(sb, title, 200);
		strbuf_puts(sb, "</h1>\n");
		put_grid(h, sb, p * GRID_COLS, c1, "cells/");
		int r = page_end(h, sb, name);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every failing cell, one section per verdict (the index's badges link here). */
static int write_failures_page(struct html *h, struct strbuf *sb)
{
	const struct report *r = h->r;
	_cleanup_free_ char *title = xasprintf("run %lld: failures", (long long)r->run->id);
	page_begin(h, sb, title, "index.html");
	strbuf_puts(sb, "<h1>");
	put(sb, title, 200);
	strbuf_puts(sb, "</h1>\n");
	put_counts(h, sb, "");
	size_t k = 0;
	for (size_t o = 0; o < ARRAY_LENGTH(report_verdict_order); o++) {
		enum verdict v = report_verdict_order[o];
		if (v == VERDICT_PASS || !r->counts[v])
			continue;
		strbuf_printf(sb, "<h2 id=\"v-%s\">%s (%zu)</h2>\n<table class=\"failures\"><thead><tr><th>verdict</th>"
				  "<th>cell</th><th>reason</th>%s</tr></thead><tbody>\n", verdict_name(v), vname(v), r->counts[v],
			      r->baseline ? "<th>vs baseline</th>" : "");
		/* order[] is sorted by verdict: this verdict's cells are the next counts[v] entries */
		for (size_t n = 0; n < r->counts[v] && k < r->run->n_cells; k++) {
			if (r->run->cells[r->order[k]].verdict != v)
				continue;
			put_cell_row(h, sb, r->order[k], "cells/");
			n++;
		}
		strbuf_puts(sb, "</tbody></table>\n");
	}
	return page_end(h, sb, "failures.html");
}

static const struct {
	const char *metric, *what;
} perf_metrics[] = {
	{ "proc_rate", "process creation" },
	{ "file_rate", "file create/write/read/delete" },
};

/* The values of metric `name` of a cell (its last attempt's), in *out; returns how many. */
static size_t metric_values(const struct result_cell *c, const char *name, double **out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; i < c->n_metrics; i++) {
		if (c->metrics[i].attempt != c->attempts || !streq(c->metrics[i].name, name))
			continue;
		*out = xreallocarray(*out, n + 1, sizeof(double));
		(*out)[n++] = c->metrics[i].value;
	}
	return n;
}

/* The method of metric `name` of a cell (its last attempt's first value), or NULL. */
static const char *metric_method(const struct result_cell *c, const char *name)
{
	for (size_t i = 0; i < c->n_metrics; i++)
		if (c->metrics[i].attempt == c->attempts && streq(c->metrics[i].name, name))
			return c->metrics[i].method;
	return NULL;
}

static bool metric_value(const struct result_cell *c, const char *name, double *v)
{
	double *vals;
	size_t n = metric_values(c, name, &vals);
	if (n)
		*v = vals[n - 1];
	free(vals);
	return n > 0;
}

/* One comparison row of the performance table: round "" (after install) or ".confirm". */
static bool put_perf_row(struct strbuf *sb, const struct result_cell *c, size_t m, const char *round, double threshold)
{
	const char *metric = perf_metrics[m].metric;
	_cleanup_free_ char *before_name = xasprintf("%s.before", metric), *after_name = xasprintf("%s%s", metric, round);
	_cleanup_free_ char *sd = xasprintf("%s%s.slowdown", metric, round);
	_cleanup_free_ char *lo_name = xasprintf("%s.low", sd), *hi_name = xasprintf("%s.high", sd);
	_cleanup_free_ char *p_name = xasprintf("%s.p", sd), *speed_name = xasprintf("%s%s.host_speed", metric, round);
	double *before, *after, slow, lo, hi, p, speed;
	size_t nb = metric_values(c, before_name, &before), na = metric_values(c, after_name, &after);
	bool ok = nb && na && metric_value(c, sd, &slow) && metric_value(c, lo_name, &lo) && metric_value(c, hi_name, &hi) &&
		  metric_value(c, p_name, &p);
	if (ok) {
		bool has_speed = metric_value(c, speed_name, &speed);
		const char *verdict = lo > threshold ? "<span class=\"verdict v-PERF_REGRESSION\">beyond threshold</span>"
				      : slow > threshold ? "uncertain" : "within threshold";
		strbuf_printf(sb, "<tr><td>%s%s</td><td class=\"n\">%.1f/s (median of %zu)</td><td class=\"n\">%.1f/s (median of %zu)</td>",
			      perf_metrics[m].what, *round ? ", second round" : "", stats_median(before, nb), nb,
			      stats_median(after, na), na);
		if (has_speed)
			strbuf_printf(sb, "<td class=\"n\">%+.1f%%</td>", speed);
		else
			strbuf_puts(sb, "<td class=\"n\">-</td>");
		strbuf_printf(sb, "<td class=\"n\">%+.1f%%</td><td class=\"n\">%+.1f%% to %+.1f%%</td><td class=\"n\">%.2g</td>"
				  "<td>%s</td></tr>\n", slow, lo, hi, p, verdict);
	}
	free(before);
	free(after);
	return ok;
}

/* The cell's performance: each workload before and after install (and in the confirming second
 * round), the host's speed between them, and the slowdown over the paired figures with its
 * confidence. */
static void put_perf_table(struct strbuf *sb, const struct result_cell *c)
{
	double threshold = 0;
	if (!metric_value(c, "perf_threshold", &threshold))
		return;
	/* what "before" was: the method of the first value says (no sensor, or pinned versions) */
	const char *method = metric_method(c, "proc_rate.before");
	const char *what = method ? strstr(method, BOOT_BASELINE_PREFIX) : NULL;
	struct strbuf rows;
	strbuf_init(&rows);
	for (size_t m = 0; m < ARRAY_LENGTH(perf_metrics); m++) {
		put_perf_row(&rows, c, m, "", threshold);
		put_perf_row(&rows, c, m, ".confirm", threshold);
	}
	strbuf_puts(sb, "<h2>Performance</h2>\n<p class=\"meta\">Baseline: ");
	put(sb, what ? what + strlen(BOOT_BASELINE_PREFIX) : "before install, in the same VM", 300);
	strbuf_printf(sb, ". Each repetition runs the workload in this cell's VM and in a control VM without the sensor "
			  "at the same moment; the slowdown is computed on those pairs, so what the host did to both "
			  "(its change of speed between the phases is shown) divides out. Threshold %.0f%%; outcome: ",
		      threshold);
	put(sb, c->perf ? c->perf : "not judged", 32);
	strbuf_puts(sb, ".</p>\n");
	if (rows.len)
		strbuf_printf(sb, "<table class=\"perf\"><thead><tr><th>workload</th><th>baseline</th><th>after install</th>"
				  "<th>host speed</th><th>slowdown (paired)</th><th>95%% CI</th><th>p</th><th>verdict</th></tr>"
				  "</thead><tbody>\n%s</tbody></table>\n", rows.buf);
	strbuf_release(&rows);
}

/* The guest at rest: each resource at boot 0 and after the last boot, the change, and the size
 * of the kernel modules the install added (the sensor's own kernel memory). */
static void put_resources(struct strbuf *sb, const struct result_cell *c)
{
	static const struct {
		const char *metric, *what, *unit;
	} resources[] = {
		{ "guest_mem_used", "memory in use", "MiB" },
		{ "guest_cpu_busy", "CPU busy at rest", "%" },
	};
	static const char heading[] = "<h2>Resources at rest</h2>\n<table class=\"resources\"><thead><tr><th>resource</th>"
				      "<th>boot 0, before install</th><th>after the last boot</th><th>change</th></tr></thead><tbody>\n";
	bool any = false;
	for (size_t k = 0; k < ARRAY_LENGTH(resources); k++) {
		_cleanup_free_ char *before_name = xasprintf("%s.before", resources[k].metric);
		double before, after;
		if (!metric_value(c, before_name, &before) || !metric_value(c, resources[k].metric, &after))
			continue;
		if (!any)
			strbuf_puts(sb, heading);
		any = true;
		strbuf_printf(sb, "<tr><td>%s</td><td class=\"n\">%.1f %s</td><td class=\"n\">%.1f %s</td>"
				  "<td class=\"n\">%+.1f %s</td></tr>\n",
			      resources[k].what, before, resources[k].unit, after, resources[k].unit, after - before,
			      resources[k].unit);
	}
	double kib;
	if (metric_value(c, "sensor_modules", &kib)) {
		static const char names_after[] = "not at boot 0: ";
		const char *method = metric_method(c, "sensor_modules");
		const char *names = method ? strstr(method, names_after) : NULL;
		if (!any)
			strbuf_puts(sb, heading);
		any = true;
		strbuf_printf(sb, "<tr><td>kernel modules added by the install</td><td class=\"n\" colspan=\"3\">%.0f KiB", kib);
		if (names) {
			strbuf_puts(sb, ": ");
			put(sb, names + strlen(names_after), 400);
		}
		strbuf_puts(sb, "</td></tr>\n");
	}
	if (any)
		strbuf_puts(sb, "</tbody></table>\n");
}

/* One SVG chart per workload metric across the matrix: the slowdown of each cell with its 95 %
 * interval, against the threshold. */
static void put_perf_charts(struct html *h, struct strbuf *sb)
{
	const struct result_run *run = h->r->run;
	bool heading = false;
	for (size_t m = 0; m < ARRAY_LENGTH(perf_metrics); m++) {
		_cleanup_free_ char *sd = xasprintf("%s.slowdown", perf_metrics[m].metric);
		_cleanup_free_ char *lo_name = xasprintf("%s.low", sd), *hi_name = xasprintf("%s.high", sd);
		size_t rows = 0, shown[200];
		double scale = 100, threshold = 0;
		for (size_t i = 0; i < run->n_cells && rows < ARRAY_LENGTH(shown); i++) {
			double hi;
			if (metric_value(&run->cells[i], hi_name, &hi)) {
				shown[rows++] = i;
				if (hi > scale)
					scale = hi;
				metric_value(&run->cells[i], "perf_threshold", &threshold);
			}
		}
		if (!rows)
			continue;
		if (!heading)
			strbuf_puts(sb, "<h2>Performance</h2>\n");
		heading = true;
		/* x: -scale/2 .. scale percent over 400 px, starting at 300 px */
		double min = -scale / 2, width = 400;
#define X(v) (300 + ((v) - min) / (scale - min) * width)
		size_t height = rows * 18 + 30;
		strbuf_printf(sb, "<h3>%s: slowdown after install</h3>\n<svg class=\"perf-chart\" role=\"img\" aria-label=\"%s slowdown\" "
				  "width=\"720\" height=\"%zu\" viewBox=\"0 0 720 %zu\" xmlns=\"http://www.w3.org/2000/svg\">",
			      perf_metrics[m].what, perf_metrics[m].metric, height, height);
		strbuf_printf(sb, "<rect x=\"%.1f\" y=\"0\" width=\"1\" height=\"%zu\" fill=\"#59636e\"/>", X(0), height - 20);
		strbuf_printf(sb, "<rect x=\"%.1f\" y=\"0\" width=\"1\" height=\"%zu\" fill=\"#cf222e\"/>"
				  "<text x=\"%.1f\" y=\"%zu\" font-size=\"11\" fill=\"#cf222e\" text-anchor=\"middle\">threshold %.0f%%</text>",
			      X(threshold), height - 20, X(threshold), height - 6, threshold);
		for (size_t r = 0; r < rows; r++) {
			const struct result_cell *c = &run->cells[shown[r]];
			double v = 0, lo = 0, hi = 0;
			metric_value(c, sd, &v);
			metric_value(c, lo_name, &lo);
			metric_value(c, hi_name, &hi);
			double y = (double)r * 18 + 4;
			bool regression = lo > threshold;
			strbuf_printf(sb, "<g><title>%+.1f%% (95%% CI %+.1f%% to %+.1f%%)</title><text x=\"0\" y=\"%.0f\" font-size=\"11\">",
				      v, lo, hi, y + 11);
			report_put_text(sb, c->key, 60);
			strbuf_printf(sb, "</text><rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>"
					  "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"2\" fill=\"#1f2328\"/></g>",
				      v >= 0 ? X(0) : X(v), y, fabs(X(v) - X(0)), regression ? "#9a6700" : "#1a7f37", X(lo), y + 5,
				      X(hi) - X(lo) > 1 ? X(hi) - X(lo) : 1);
		}
#undef X
		strbuf_puts(sb, "</svg>\n");
	}
}

/* Boot timeline as inline SVG: one bar per boot, coloured by outcome, with time to agent. */
static void put_timeline(struct strbuf *sb, const struct result_cell *c)
{
	if (!c->n_boots)
		return;
	size_t n = c->n_boots > 60 ? 60 : c->n_boots;
	strbuf_printf(sb, "<svg class=\"timeline\" role=\"img\" aria-label=\"boot timeline\" width=\"%zu\" height=\"58\" "
			  "viewBox=\"0 0 %zu 58\" xmlns=\"http://www.w3.org/2000/svg\">", n * 64 + 8, n * 64 + 8);
	for (size_t i = 0; i < n; i++) {
		const struct result_boot *b = &c->boots[i];
		const char *fill = streq(b->outcome, "ok") ? "#1a7f37" : streq(b->outcome, "crashed") ? "#cf222e"
				   : streq(b->outcome, "hung") ? "#9a6700" : "#bf8700";
		strbuf_printf(sb, "<g><title>attempt %u boot %u: ", b->attempt, b->boot);
		report_put_text(sb, b->outcome, 16);
		strbuf_printf(sb, "</title><rect x=\"%zu\" y=\"4\" width=\"58\" height=\"28\" rx=\"4\" fill=\"%s\"/>"
				  "<text x=\"%zu\" y=\"23\" fill=\"#fff\" font-size=\"12\" text-anchor=\"middle\">%u</text>",
			      i * 64 + 4, fill, i * 64 + 33, b->boot);
		if (b->ready_ms >= 0)
			strbuf_printf(sb, "<text x=\"%zu\" y=\"50\" font-size=\"11\" text-anchor=\"middle\">%.1fs</text>",
				      i * 64 + 33, (double)b->ready_ms / 1000);
		strbuf_puts(sb, "</g>");
	}
	strbuf_puts(sb, "</svg>\n");
}

static bool png_ok(const char *path, off_t size)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char head[8];
	FILE *f = fopen(path, "rb");
	bool ok = f && size > 8 && (size_t)size <= ARTIFACT_PNG_MAX && fread(head, 1, 8, f) == 8 && !memcmp(head, sig, 8);
	if (f)
		fclose(f);
	return ok;
}

/* Copies the cell's artifacts (console logs, screenshots) beside its page and links them. */
static void put_artifacts(struct html *h, struct strbuf *sb, const struct result_cell *c)
{
	if (!h->run_dir_exists)
		return;
	_cleanup_free_ char *celldir = cell_dir_name(c->key);
	bool any = false;
	for (unsigned a = 1; a <= c->attempts; a++) {
		_cleanup_free_ char *src = xasprintf("%s/runs/%lld/%s/attempt-%u", h->r->state_dir, (long long)h->r->run->id,
						     celldir, a);
		DIR *d = opendir(src);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			bool text = strendswith(de->d_name, ".log"), png = strendswith(de->d_name, ".png");
			bool archive = streq(de->d_name, "artifacts.tar.gz");
			if (archive) {
				/* archives stay in the state directory: too large to copy into every report */
				_cleanup_free_ char *where = path_join(src, de->d_name);
				if (!any)
					strbuf_puts(sb, "<h3>Artifacts</h3>\n<ul class=\"artifacts\">\n");
				any = true;
				strbuf_printf(sb, "<li>attempt %u: all evidence in <code>", a);
				put(sb, where, 600);
				strbuf_puts(sb, "</code></li>\n");
				continue;
			}
			if (!text && !png)
				continue;
			_cleanup_free_ char *from = path_join(src, de->d_name);
			struct stat st;
			if (lstat(from, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			/* names are ours (console.log, screenshot-boot1.png), but keep them to a safe alphabet */
			bool safe = true;
			for (const char *p = de->d_name; *p; p++)
				safe &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.';
			if (!safe)
				continue;
			_cleanup_free_ char *name = xasprintf("%lld-a%u-%s%s", (long long)c->id, a, de->d_name, text ? ".txt" : "");
			_cleanup_free_ char *to = xasprintf("%s/cells/%s", h->dir, name);
			if (text) {
				_cleanup_free_ char *data = NULL;
				size_t len;
				if (read_file_tail(from, ARTIFACT_TEXT_MAX, &data, &len) < 0)
					continue;
				_cleanup_free_ char *clean = sanitize_text(data, len, ARTIFACT_TEXT_MAX);
				if (write_file_direct(to, clean, strlen(clean), 0644) < 0)
					continue;
			} else {
				_cleanup_free_ char *data = NULL;
				size_t len;
				if (!png_ok(from, st.st_size) || read_file(from, ARTIFACT_PNG_MAX, &data, &len) < 0 ||
				    write_file_direct(to, data, len, 0644) < 0)
					continue;
			}
			if (!any)
				strbuf_puts(sb, "<h3>Artifacts</h3>\n<ul class=\"artifacts\">\n");
			any = true;
			strbuf_printf(sb, "<li><a href=\"%s\">attempt %u: ", name, a);
			put(sb, de->d_name, 100);
			strbuf_puts(sb, "</a></li>\n");
			if (png) {
				strbuf_printf(sb, "<li><img class=\"screenshot\" src=\"%s\" alt=\"", name);
				put(sb, de->d_name, 100);
				strbuf_puts(sb, "\"></li>\n");
			}
		}
		if (d)
			closedir(d);
	}
	if (any)
		strbuf_puts(sb, "</ul>\n");
}

static int write_cell_page(struct html *h, struct strbuf *sb, size_t i)
{
	const struct report *r = h->r;
	const struct result_cell *c = &r->run->cells[i];
	_cleanup_free_ char *title = xasprintf("%s: %s", vname(c->verdict), c->key);
	page_begin(h, sb, title, "../index.html");
	strbuf_printf(sb, "<section class=\"cell\" id=\"cell-%lld\" data-verdict=\"%s\">\n<h1>", (long long)c->id,
		      verdict_name(c->verdict));
	put_badge(sb, c->verdict, NULL);
	strbuf_puts(sb, " <span class=\"mono\">");
	put(sb, c->key, 300);
	strbuf_puts(sb, "</span></h1>\n<table class=\"facts\"><tbody>\n<tr><th>reason</th><td>");
	put(sb, c->reason ? c->reason : "not run (the run was interrupted)", FIELD_MAX);
	strbuf_puts(sb, "</td></tr>\n");
	if (c->boot_index)
		strbuf_printf(sb, "<tr><th>boot</th><td>%u</td></tr>\n", c->boot_index);
	strbuf_printf(sb, "<tr><th>attempts</th><td>%u</td></tr>\n", c->attempts);
	if (c->os) {
		strbuf_puts(sb, "<tr><th>guest</th><td class=\"guest-os\">");
		put(sb, c->os, 128);
		strbuf_puts(sb, ", kernel ");
		put(sb, c->kernel ? c->kernel : "?", 128);
		strbuf_puts(sb, "</td></tr>\n");
	}
	if (c->perf) {
		strbuf_puts(sb, "<tr><th>performance</th><td class=\"perf-outcome\">");
		put(sb, c->perf, 32);
		strbuf_puts(sb, "</td></tr>\n");
	}
	if (c->finished_ms > c->started_ms && c->started_ms > 0)
		strbuf_printf(sb, "<tr><th>duration</th><td>%.1f s</td></tr>\n", (double)(c->finished_ms - c->started_ms) / 1000);
	if (r->baseline)
		strbuf_printf(sb, "<tr><th>vs run %lld</th><td>%s</td></tr>\n", (long long)r->baseline->id,
			      report_change_name(r->changes[i]));
	if (r->group_of_cell[i] != SIZE_MAX)
		strbuf_printf(sb, "<tr><th>crash group</th><td><a href=\"../index.html#group-%zu\">group %zu</a> (%zu cells)</td></tr>\n",
			      r->group_of_cell[i] + 1, r->group_of_cell[i] + 1, r->groups[r->group_of_cell[i]].cells);
	strbuf_puts(sb, "</tbody></table>\n");
	if (c->evidence && *c->evidence) {
		strbuf_puts(sb, "<div class=\"evidence\">");
		put(sb, c->evidence, FIELD_MAX);
		strbuf_puts(sb, "</div>\n");
	}
	strbuf_puts(sb, "<h2>Boots</h2>\n");
	put_timeline(sb, c);
	if (c->n_boots) {
		strbuf_puts(sb, "<table class=\"boots\"><thead><tr><th>attempt</th><th>boot</th><th>outcome</th>"
				"<th>agent ready</th><th>started</th></tr></thead><tbody>\n");
		for (size_t b = 0; b < c->n_boots; b++) {
			const struct result_boot *bt = &c->boots[b];
			strbuf_printf(sb, "<tr><td>%u</td><td>%u%s</td><td>", bt->attempt, bt->boot,
				      result_boot_is_baseline(bt) ? " (baseline)" : bt->boot == 0 ? " (before install)" : "");
			put(sb, bt->outcome, 32);
			strbuf_puts(sb, "</td><td>");
			if (bt->ready_ms >= 0)
				strbuf_printf(sb, "%.1f s", (double)bt->ready_ms / 1000);
			else
				strbuf_puts(sb, "-");
			strbuf_puts(sb, "</td><td>");
			put_time(sb, bt->started_ms);
			strbuf_puts(sb, "</td></tr>\n");
		}
		strbuf_puts(sb, "</tbody></table>\n");
	} else {
		strbuf_puts(sb, "<p>No boot recorded.</p>\n");
	}
	for (size_t k = 0; k < c->n_crashes; k++) {
		const struct result_crash *x = &c->crashes[k];
		strbuf_printf(sb, "<div class=\"crash\"><h2>Crash on boot %u</h2>\n<table class=\"facts\"><tbody>"
				  "<tr><th>title</th><td class=\"mono\">", x->boot);
		put(sb, x->title, 300);
		strbuf_puts(sb, "</td></tr>");
		struct { const char *label, *value; } facts[] = {
			{ "function", x->function }, { "module", x->module }, { "panic", x->reason }, { "kind", x->kind },
			{ "seen by", x->source }, { "signature", x->signature },
		};
		for (size_t f = 0; f < ARRAY_LENGTH(facts); f++) {
			if (!facts[f].value)
				continue;
			strbuf_printf(sb, "<tr><th>%s</th><td class=\"mono\">", facts[f].label);
			put(sb, facts[f].value, 300);
			strbuf_puts(sb, "</td></tr>");
		}
		strbuf_printf(sb, "<tr><th>attempt</th><td>%u</td></tr><tr><th>recorded</th><td>%lld ms after the event</td></tr>"
				  "</tbody></table>\n", x->attempt, (long long)(x->recorded_ms - x->event_ms));
		if (x->console && *x->console) {
			strbuf_puts(sb, "<h3>Console</h3>\n<pre class=\"console\">");
			put(sb, x->console, CONSOLE_MAX);
			strbuf_puts(sb, "</pre>\n");
		}
		strbuf_puts(sb, "</div>\n");
	}
	for (size_t k = 0; k < c->n_reports; k++) {
		const struct result_crash *x = &c->reports[k];
		strbuf_printf(sb, "<div class=\"crash report\" data-known=\"%s\"><h2>Kernel report on boot %u%s</h2>\n"
				  "<table class=\"facts\"><tbody><tr><th>title</th><td class=\"mono\">",
			      x->known ? "true" : "false", x->boot,
			      x->known ? " (made before install too: not counted)" : x->boot ? "" : " (during install)");
		put(sb, x->title, 300);
		strbuf_puts(sb, "</td></tr>");
		struct { const char *label, *value; } facts[] = {
			{ "function", x->function }, { "module", x->module }, { "kind", x->kind }, { "signature", x->signature },
		};
		for (size_t f = 0; f < ARRAY_LENGTH(facts); f++) {
			if (!facts[f].value)
				continue;
			strbuf_printf(sb, "<tr><th>%s</th><td class=\"mono\">", facts[f].label);
			put(sb, facts[f].value, 300);
			strbuf_puts(sb, "</td></tr>");
		}
		strbuf_printf(sb, "<tr><th>attempt</th><td>%u</td></tr>", x->attempt);
		if (x->line)
			strbuf_printf(sb, "<tr><th>console line</th><td>%u of the boot</td></tr>", x->line);
		strbuf_puts(sb, "</tbody></table>\n");
		if (x->console && *x->console) {
			strbuf_puts(sb, "<h3>Console</h3>\n<pre class=\"console\">");
			put(sb, x->console, CONSOLE_MAX);
			strbuf_puts(sb, "</pre>\n");
		}
		strbuf_puts(sb, "</div>\n");
	}
	for (size_t b = 0; b < c->n_boots; b++) {
		const struct result_boot *bt = &c->boots[b];
		if (!streq(bt->outcome, "hung") || !bt->detail)
			continue;
		strbuf_printf(sb, "<h2>Console of hung boot %u</h2>\n<pre class=\"console\">", bt->boot);
		put(sb, bt->detail, CONSOLE_MAX);
		strbuf_puts(sb, "</pre>\n");
	}
	put_perf_table(sb, c);
	put_resources(sb, c);
	if (c->n_metrics) {
		strbuf_puts(sb, "<h2>Metrics</h2>\n<table class=\"metrics\"><thead><tr><th>attempt</th><th>metric</th>"
				"<th>value</th><th>method</th></tr></thead><tbody>\n");
		for (size_t m = 0; m < c->n_metrics; m++) {
			const struct result_metric *mt = &c->metrics[m];
			strbuf_printf(sb, "<tr><td>%u</td><td>", mt->attempt);
			put(sb, mt->name, 100);
			strbuf_printf(sb, "</td><td class=\"n\">%.3g ", mt->value);
			put(sb, mt->unit, 16);
			strbuf_puts(sb, "</td><td>");
			put(sb, mt->method, 200);
			strbuf_puts(sb, "</td></tr>\n");
		}
		strbuf_puts(sb, "</tbody></table>\n");
	}
	put_artifacts(h, sb, c);
	strbuf_puts(sb, "</section>\n");
	_cleanup_free_ char *name = xasprintf("cells/%lld.html", (long long)c->id);
	return page_end(h, sb, name);
}

int report_write_html(const struct report *r, const char *dir)
{
	struct html h = { .r = r, .dir = dir };
	struct sha256 s;
	uint8_t digest[32];
	struct strbuf sb;
	int ret;

	sha256_init(&s);
	sha256_update(&s, report_css, report_css_len);
	sha256_final(&s, digest);
	base64(h.csp, digest, sizeof(digest));
	_cleanup_free_ char *cells = path_join(dir, "cells");
	if ((ret = mkdir_p(cells, 0755)) < 0)
		return ret;
	if (r->state_dir) {
		_cleanup_free_ char *run_dir = xasprintf("%s/runs/%lld", r->state_dir, (long long)r->run->id);
		struct stat st;
		h.run_dir_exists = stat(run_dir, &st) == 0 && S_ISDIR(st.st_mode);
	}
	axes_build(&h);
	strbuf_init(&sb);
	/* the pages first, index.html last: a reader never follows a link to a page not yet written */
	for (size_t i = 0; ret == 0 && i < r->run->n_cells; i++)
		ret = write_cell_page(&h, &sb, i);
	if (ret == 0)
		ret = write_grid_pages(&h, &sb);
	if (ret == 0)
		ret = write_failures_page(&h, &sb);
	if (ret == 0)
		ret = write_index(&h, &sb);
	strbuf_release(&sb);
	axes_free(&h);
	return ret;
}
