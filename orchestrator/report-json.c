/* report-json.c: the JSON summary, schema REPORT_JSON_SCHEMA (documented in the README). */
#include "json.h"
#include "report.h"

#include <string.h>

#define TEXT_MAX 16384

static void kv(struct strbuf *sb, const char *key, const char *value, bool comma)
{
	strbuf_printf(sb, "%s\"%s\":", comma ? "," : "", key);
	if (!value) {
		strbuf_puts(sb, "null");
		return;
	}
	_cleanup_free_ char *clean = sanitize_text(value, strlen(value), TEXT_MAX);
	strbuf_put_json_string(sb, clean);
}

static void kv_time(struct strbuf *sb, const char *key, int64_t ms)
{
	char t[32];
	kv(sb, key, ms > 0 ? format_time_ms(ms, t, sizeof(t)) : NULL, true);
}

/* A crash (fatal) or a report the kernel survived, without its closing brace. */
static void put_report(struct strbuf *sb, const struct result_crash *x, bool fatal, bool comma)
{
	strbuf_printf(sb, "%s{\"attempt\":%u,\"boot\":%u", comma ? "," : "", x->attempt, x->boot);
	kv(sb, "kind", x->kind, true);
	kv(sb, "source", x->source, true);
	kv(sb, "title", x->title, true);
	kv(sb, "function", x->function, true);
	kv(sb, "module", x->module, true);
	kv(sb, "reason", x->reason, true);
	kv(sb, "signature", x->signature, true);
	strbuf_printf(sb, ",\"fatal\":%s", fatal ? "true" : "false");
	if (x->line)
		strbuf_printf(sb, ",\"line\":%u", x->line);
}

static void put_cell(const struct report *r, struct strbuf *sb, size_t i)
{
	const struct result_cell *c = &r->run->cells[i];
	strbuf_puts(sb, "{");
	kv(sb, "key", c->key, false);
	kv(sb, "image", c->image, true);
	kv(sb, "hardware", c->hardware, true);
	kv(sb, "sensor", c->sensor, true);
	kv(sb, "content", c->content, true);
	kv(sb, "verdict", c->verdict == VERDICT_NONE ? NULL : verdict_name(c->verdict), true);
	strbuf_printf(sb, ",\"boot_index\":%u,\"attempts\":%u", c->boot_index, c->attempts);
	kv(sb, "reason", c->reason, true);
	kv(sb, "evidence", c->evidence, true);
	if (c->perf)
		kv(sb, "perf", c->perf, true);
	kv(sb, "os", c->os, true);
	kv(sb, "kernel", c->kernel, true);
	if (r->baseline)
		kv(sb, "change", report_change_name(r->changes[i]), true);
	if (r->group_of_cell[i] != SIZE_MAX)
		strbuf_printf(sb, ",\"group\":%zu", r->group_of_cell[i] + 1);
	kv_time(sb, "started", c->started_ms);
	kv_time(sb, "finished", c->finished_ms);
	strbuf_puts(sb, ",\"boots\":[");
	for (size_t j = 0; j < c->n_boots; j++) {
		const struct result_boot *b = &c->boots[j];
		strbuf_printf(sb, "%s{\"attempt\":%u,\"boot\":%u", j ? "," : "", b->attempt, b->boot);
		kv(sb, "outcome", b->outcome, true);
		if (b->ready_ms >= 0)
			strbuf_printf(sb, ",\"agent_ready_s\":%.3f", (double)b->ready_ms / 1000);
		if (b->detail) /* a hang's evidence, an unhealthy sensor, or the baseline booted into */
			kv(sb, "detail", b->detail, true);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "],\"crashes\":[");
	for (size_t j = 0; j < c->n_crashes; j++) {
		const struct result_crash *x = &c->crashes[j];
		put_report(sb, x, true, j > 0);
		strbuf_printf(sb, ",\"event_to_record_ms\":%lld}", (long long)(x->recorded_ms - x->event_ms));
	}
	/* the reports the kernel survived; "known": it made the same before the install */
	strbuf_puts(sb, "],\"reports\":[");
	for (size_t j = 0; j < c->n_reports; j++) {
		const struct result_crash *x = &c->reports[j];
		put_report(sb, x, false, j > 0);
		strbuf_printf(sb, ",\"known\":%s}", x->known ? "true" : "false");
	}
	strbuf_puts(sb, "],\"metrics\":[");
	for (size_t j = 0; j < c->n_metrics; j++) {
		const struct result_metric *mt = &c->metrics[j];
		strbuf_printf(sb, "%s{\"attempt\":%u", j ? "," : "", mt->attempt);
		kv(sb, "name", mt->name, true);
		strbuf_printf(sb, ",\"value\":%.6g", mt->value);
		kv(sb, "unit", mt->unit, true);
		kv(sb, "method", mt->method, true);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "]}");
}

void report_write_json(const struct report *r, struct strbuf *sb)
{
	const struct result_run *run = r->run;
	strbuf_printf(sb, "{\"schema\":%d,\"run\":{\"id\":%lld", REPORT_JSON_SCHEMA, (long long)run->id);
	kv(sb, "matrix", run->matrix_name, true);
	kv(sb, "matrix_file", run->matrix_file, true);
	kv(sb, "matrix_sha256", run->matrix_sha256, true);
	kv(sb, "host", run->host, true);
	kv(sb, "status", run->status, true);
	kv_time(sb, "started", run->started_ms);
	kv_time(sb, "finished", run->finished_ms);
	strbuf_puts(sb, "},\"counts\":{");
	bool first = true;
	for (int v = VERDICT_NONE; v <= VERDICT_INFRA_ERROR; v++) {
		if (!r->counts[v])
			continue;
		strbuf_printf(sb, "%s\"%s\":%zu", first ? "" : ",", v == VERDICT_NONE ? "NOT_RUN" : verdict_name((enum verdict)v),
			      r->counts[v]);
		first = false;
	}
	strbuf_puts(sb, "}");
	if (r->baseline) {
		strbuf_printf(sb, ",\"baseline\":{\"run\":%lld", (long long)r->baseline->id);
		for (int ch = CHANGE_NEW_CELL; ch <= CHANGE_STILL_PASSING; ch++) {
			_cleanup_free_ char *key = xstrdup(report_change_name((enum report_change)ch));
			for (char *p = key; *p; p++)
				if (*p == ' ')
					*p = '_';
			strbuf_printf(sb, ",\"%s\":%zu", key, r->change_counts[ch]);
		}
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, ",\"cells\":[");
	for (size_t i = 0; i < run->n_cells; i++) {
		if (i)
			strbuf_putc(sb, ',');
		put_cell(r, sb, i);
	}
	strbuf_puts(sb, "],\"groups\":[");
	for (size_t g = 0; g < r->n_groups; g++) {
		const struct report_group *grp = &r->groups[g];
		strbuf_printf(sb, "%s{\"id\":%zu", g ? "," : "", g + 1);
		kv(sb, "signature", grp->signature, true);
		kv(sb, "title", grp->example->title, true);
		kv(sb, "module", grp->example->module, true);
		strbuf_printf(sb, ",\"cells\":%zu,\"crashes\":%zu", grp->cells, grp->crashes);
		kv_time(sb, "first_seen", grp->first_ms);
		kv_time(sb, "last_seen", grp->last_ms);
		kv(sb, "first_cell", run->cells[grp->first_cell].key, true);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "],\"report_groups\":[");
	for (size_t g = 0; g < r->n_report_groups; g++) {
		const struct report_group *grp = &r->report_groups[g];
		strbuf_printf(sb, "%s{\"id\":%zu", g ? "," : "", g + 1);
		kv(sb, "signature", grp->signature, true);
		kv(sb, "kind", grp->example->kind, true);
		kv(sb, "title", grp->example->title, true);
		kv(sb, "module", grp->example->module, true);
		strbuf_printf(sb, ",\"cells\":%zu,\"reports\":%zu", grp->cells, grp->crashes);
		kv(sb, "first_cell", run->cells[grp->first_cell].key, true);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "],\"packages\":[");
	for (size_t i = 0; i < run->n_packages; i++) {
		const struct result_package *p = &run->packages[i];
		strbuf_printf(sb, "%s{", i ? "," : "");
		kv(sb, "kind", p->kind, false);
		kv(sb, "name", p->name, true);
		kv(sb, "version", p->version, true);
		kv(sb, "sha256", p->sha256, true);
		strbuf_printf(sb, ",\"size\":%llu}", (unsigned long long)p->size);
	}
	strbuf_puts(sb, "]}\n");
}
