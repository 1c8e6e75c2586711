/* report-junit.c: JUnit XML, one testcase per cell (the Ant/Jenkins format that CI systems
 * read; validated in the tests against tests/data/junit.xsd). A product failure is a
 * <failure>, INFRA_ERROR an <error>, a cell never run <skipped>. The console excerpt of the last
 * crash, or else of the first kernel report made after install, is the testcase's output. */
#include "report.h"

#include <string.h>

#define MESSAGE_MAX 1024
#define BODY_MAX 16384

static void iso_time(struct strbuf *sb, int64_t ms)
{
	char t[32];
	format_time_ms(ms > 0 ? ms : now_wall_ms(), t, sizeof(t));
	t[19] = '\0'; /* xs:dateTime without the zone, as the schema wants */
	strbuf_puts(sb, t);
}

void report_write_junit(const struct report *r, struct strbuf *sb)
{
	const struct result_run *run = r->run;
	size_t failures = 0, errors = 0, skipped = 0;
	for (int v = VERDICT_PASS; v <= VERDICT_INFRA_ERROR; v++)
		if (verdict_is_product_failure((enum verdict)v))
			failures += r->counts[v];
	errors = r->counts[VERDICT_INFRA_ERROR];
	skipped = r->counts[VERDICT_NONE];
	double total = run->finished_ms > run->started_ms ? (double)(run->finished_ms - run->started_ms) / 1000 : 0;

	strbuf_printf(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"compatlab run %lld\" tests=\"%zu\" "
			  "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
		      (long long)run->id, run->n_cells, failures, errors, skipped, total);
	strbuf_printf(sb, "  <testsuite name=\"compatlab.");
	report_put_text(sb, run->matrix_name, 100);
	strbuf_printf(sb, "\" id=\"0\" package=\"compatlab\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
			  "time=\"%.3f\" timestamp=\"", run->n_cells, failures, errors, skipped, total);
	iso_time(sb, run->started_ms);
	strbuf_puts(sb, "\" hostname=\"");
	report_put_text(sb, run->host, 100);
	strbuf_printf(sb, "\">\n    <properties>\n      <property name=\"run\" value=\"%lld\"/>\n"
			  "      <property name=\"matrix_sha256\" value=\"", (long long)run->id);
	report_put_text(sb, run->matrix_sha256, 64);
	strbuf_puts(sb, "\"/>\n");
	for (size_t i = 0; i < run->n_packages; i++) {
		const struct result_package *p = &run->packages[i];
		strbuf_puts(sb, "      <property name=\"");
		report_put_text(sb, p->kind, 16);
		strbuf_puts(sb, ":");
		report_put_text(sb, p->name, 200);
		strbuf_puts(sb, "\" value=\"");
		report_put_text(sb, p->version, 200);
		strbuf_puts(sb, " sha256:");
		report_put_text(sb, p->sha256, 64);
		strbuf_puts(sb, "\"/>\n");
	}
	strbuf_puts(sb, "    </properties>\n");
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		double t = c->finished_ms > c->started_ms && c->started_ms > 0 ? (double)(c->finished_ms - c->started_ms) / 1000 : 0;
		strbuf_puts(sb, "    <testcase name=\"");
		report_put_text(sb, c->key, 300);
		strbuf_puts(sb, "\" classname=\"compatlab.");
		report_put_text(sb, c->image, 100);
		strbuf_puts(sb, ".");
		report_put_text(sb, c->hardware, 100);
		strbuf_printf(sb, "\" time=\"%.3f\"", t);
		if (c->verdict == VERDICT_PASS) {
			strbuf_puts(sb, "/>\n");
			continue;
		}
		strbuf_puts(sb, ">\n");
		if (c->verdict == VERDICT_NONE) {
			strbuf_puts(sb, "      <skipped/>\n");
		} else {
			const char *tag = c->verdict == VERDICT_INFRA_ERROR ? "error" : "failure";
			strbuf_printf(sb, "      <%s type=\"%s\" message=\"%s", tag, verdict_name(c->verdict), verdict_name(c->verdict));
			if (c->reason) {
				strbuf_puts(sb, ": ");
				report_put_text(sb, c->reason, MESSAGE_MAX);
			}
			strbuf_puts(sb, "\">");
			report_put_text(sb, c->evidence ? c->evidence : c->reason, BODY_MAX);
			for (size_t k = 0; k < c->n_crashes; k++) {
				const struct result_crash *x = &c->crashes[k];
				strbuf_printf(sb, "\ncrash on boot %u: ", x->boot);
				report_put_text(sb, x->signature ? x->signature : x->title, 500);
			}
			for (size_t k = 0; k < c->n_reports; k++) {
				const struct result_crash *x = &c->reports[k];
				if (x->known)
					continue;
				strbuf_printf(sb, "\nkernel report on boot %u: ", x->boot);
				report_put_text(sb, x->signature ? x->signature : x->title, 500);
			}
			strbuf_printf(sb, "</%s>\n", tag);
		}
		const char *console = c->n_crashes ? c->crashes[c->n_crashes - 1].console : NULL;
		for (size_t k = 0; !c->n_crashes && k < c->n_reports && !console; k++)
			if (!c->reports[k].known)
				console = c->reports[k].console;
		if (console) {
			strbuf_puts(sb, "      <system-out>");
			report_put_text(sb, console, BODY_MAX);
			strbuf_puts(sb, "</system-out>\n");
		}
		strbuf_puts(sb, "    </testcase>\n");
	}
	strbuf_puts(sb, "  </testsuite>\n</testsuites>\n");
}
