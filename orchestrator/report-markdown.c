/* report-markdown.c: a short Markdown summary for a CI job page (GitHub's step summary, GitLab). */
#include "report.h"

#include <string.h>

#define ROWS_MAX 50

/* Text safe in a Markdown table cell: no pipes, no newlines, no HTML, bounded. */
static void md(struct strbuf *sb, const char *s, size_t max)
{
	if (!s)
		return;
	_cleanup_free_ char *clean = sanitize_text(s, strlen(s), max);
	for (const char *p = clean; *p; p++) {
		switch (*p) {
		case '|': strbuf_puts(sb, "\\|"); break;
		case '\n': case '\t': strbuf_putc(sb, ' '); break;
		case '<': strbuf_puts(sb, "&lt;"); break;
		case '>': strbuf_puts(sb, "&gt;"); break;
		case '&': strbuf_puts(sb, "&amp;"); break;
		case '`': case '*': case '_': case '[': case ']': case '\\':
			strbuf_putc(sb, '\\');
			strbuf_putc(sb, *p);
			break;
		default: strbuf_putc(sb, *p);
		}
	}
}

void report_write_markdown(const struct report *r, struct strbuf *sb)
{
	const struct result_run *run = r->run;
	size_t failing = run->n_cells - r->counts[VERDICT_PASS];
	strbuf_printf(sb, "## compatlab run %lld: ", (long long)run->id);
	md(sb, run->matrix_name, 100);
	strbuf_printf(sb, "\n\n%s %zu of %zu cells passed", failing ? "**FAILED**:" : "**PASSED**:", r->counts[VERDICT_PASS],
		      run->n_cells);
	if (run->finished_ms > run->started_ms)
		strbuf_printf(sb, " in %.0f s", (double)(run->finished_ms - run->started_ms) / 1000);
	strbuf_puts(sb, ".\n\n| verdict | cells |\n|---|---:|\n");
	for (size_t i = 0; i < ARRAY_LENGTH(report_verdict_order); i++) {
		enum verdict v = report_verdict_order[i];
		if (r->counts[v])
			strbuf_printf(sb, "| %s | %zu |\n", v == VERDICT_NONE ? "not run" : verdict_name(v), r->counts[v]);
	}
	if (r->baseline)
		strbuf_printf(sb, "\nCompared with run %lld: %zu new failures, %zu fixed, %zu changed, %zu still failing.\n",
			      (long long)r->baseline->id, r->change_counts[CHANGE_NEW_FAILURE], r->change_counts[CHANGE_FIXED],
			      r->change_counts[CHANGE_CHANGED], r->change_counts[CHANGE_STILL_FAILING]);
	if (failing) {
		strbuf_printf(sb, "\n### Failures\n\n| verdict | cell | reason |%s\n|---|---|---|%s\n",
			      r->baseline ? " vs baseline |" : "", r->baseline ? "---|" : "");
		size_t shown = 0;
		for (size_t k = 0; k < run->n_cells && shown < ROWS_MAX; k++) {
			const struct result_cell *c = &run->cells[r->order[k]];
			if (c->verdict == VERDICT_PASS)
				continue;
			strbuf_printf(sb, "| %s | ", c->verdict == VERDICT_NONE ? "not run" : verdict_name(c->verdict));
			md(sb, c->key, 300);
			strbuf_puts(sb, " | ");
			md(sb, c->reason, 300);
			if (r->baseline)
				strbuf_printf(sb, " | %s", report_change_name(r->changes[r->order[k]]));
			strbuf_puts(sb, " |\n");
			shown++;
		}
		if (shown < failing)
			strbuf_printf(sb, "\n… and %zu more in the HTML report.\n", failing - shown);
	}
	if (r->n_groups) {
		strbuf_puts(sb, "\n### Crash groups\n\n| cells | signature |\n|---:|---|\n");
		for (size_t g = 0; g < r->n_groups && g < ROWS_MAX; g++) {
			strbuf_printf(sb, "| %zu | ", r->groups[g].cells);
			md(sb, r->groups[g].signature, 300);
			strbuf_puts(sb, " |\n");
		}
	}
	if (r->n_report_groups) {
		/* what the kernel survived: not crashes, but not there before the install either */
		strbuf_puts(sb, "\n### Kernel reports after install\n\n| cells | kind | signature |\n|---:|---|---|\n");
		for (size_t g = 0; g < r->n_report_groups && g < ROWS_MAX; g++) {
			strbuf_printf(sb, "| %zu | ", r->report_groups[g].cells);
			md(sb, r->report_groups[g].example->kind, 32);
			strbuf_puts(sb, " | ");
			md(sb, r->report_groups[g].signature, 300);
			strbuf_puts(sb, " |\n");
		}
	}
}
