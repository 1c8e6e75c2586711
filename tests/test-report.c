/* test-report.c: reports in all four formats. Hostile strings in every field that reaches a
 * report come out escaped, bounded and without control characters; the JUnit output validates
 * against tests/data/junit.xsd; wide matrices split their grid; baselines and crash groups. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "report.h"
#include "synthetic.h"
#include "test-common.h"

static const char *const hostile[] = {
	"<script>alert(1)</script>",
	"\"><img src=x onerror=alert(2)>",
	"'><svg onload=alert(3)>",
	"</style><script>alert(4)</script>",
	"javascript:alert(5)",
	"]]><!-- -->&amp;&lt;",
	"\x1b[31mred\x1b[0m\x07" "bell\x01" "nul",
	"| pipe | `tick` *bold* [link](javascript:alert(6))",
	"\xff\xfe\xc0\xaf invalid utf-8",
};

static enum verdict all_crash(size_t i) { return i % 2 ? VERDICT_BOOT_LOOP : VERDICT_INFRA_ERROR; }

static char *h(size_t i) { return xstrdup(hostile[i % ARRAY_LENGTH(hostile)]); }

static void replace(char **field, char *value)
{
	free(*field);
	*field = value;
}

/* A run whose every string field is hostile. */
static struct result_run *hostile_run(void)
{
	struct result_run *run = synthetic_run(7, 1, 1, 1, 4, all_crash);
	size_t k = 0;
	replace(&run->matrix_name, h(k++));
	replace(&run->matrix_file, h(k++));
	replace(&run->host, h(k++));
	replace(&run->status, h(k++));
	struct strbuf huge;
	strbuf_init(&huge);
	for (int i = 0; i < 20000; i++)
		strbuf_puts(&huge, "<b>x</b>");
	for (size_t i = 0; i < run->n_cells; i++) {
		struct result_cell *c = &run->cells[i];
		replace(&c->key, xasprintf("%s/%zu", hostile[(k++) % ARRAY_LENGTH(hostile)], i));
		replace(&c->image, h(k++));
		replace(&c->hardware, h(k++));
		replace(&c->sensor, h(k++));
		replace(&c->content, h(k++));
		replace(&c->reason, h(k++));
		replace(&c->evidence, xstrdup(huge.buf));
		for (size_t b = 0; b < c->n_boots; b++) {
			replace(&c->boots[b].outcome, h(k++));
			replace(&c->boots[b].detail, h(k++));
		}
		/* a report the kernel survived, with every field hostile too */
		c->n_reports = 1;
		c->reports = xcalloc(1, sizeof(*c->reports));
		c->reports[0] = (struct result_crash){ .attempt = 1, .boot = 1, .line = 7, .known = i % 2, .kind = h(k),
						       .source = h(k + 1), .title = h(k + 2), .module = h(k + 3),
						       .function = h(k + 4), .signature = h(k + 5), .reason = h(k + 6),
						       .console = xstrdup(huge.buf) };
		k += 7;
		for (size_t x = 0; x < c->n_crashes; x++) {
			struct result_crash *cr = &c->crashes[x];
			replace(&cr->kind, h(k++));
			replace(&cr->source, h(k++));
			replace(&cr->title, h(k++));
			replace(&cr->module, h(k++));
			replace(&cr->function, h(k++));
			replace(&cr->signature, h(k++));
			replace(&cr->reason, h(k++));
			replace(&cr->console, xstrdup(huge.buf));
		}
		c->n_metrics = 1;
		c->metrics = xcalloc(1, sizeof(*c->metrics));
		c->metrics[0] = (struct result_metric){ 1, h(k), h(k + 1), h(k + 2), 1.5 };
		k += 3;
	}
	replace(&run->packages[0].name, h(k++));
	replace(&run->packages[0].version, h(k++));
	replace(&run->packages[0].kind, h(k++));
	replace(&run->packages[0].sha256, h(k++));
	strbuf_release(&huge);
	return run;
}

static const char *const allowed_tags[] = {
	"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "nav", "a", "h1", "h2", "h3", "p", "div", "span",
	"table", "thead", "tbody", "tr", "th", "td", "section", "pre", "code", "details", "summary", "svg", "g", "rect",
	"text", "ul", "li", "img", "footer", "strong",
};

static const char *const allowed_attributes[] = {
	"class", "id", "href", "src", "alt", "charset", "name", "content", "http-equiv", "lang", "width", "height",
	"viewBox", "xmlns", "role", "aria-label", "x", "y", "rx", "fill", "font-size", "text-anchor", "colspan",
};

/* Parses the attributes of one tag: every name is ours (or data-*), values are quoted, and
 * links and images stay inside the report directory. */
static void check_attributes(const char *name, const char *tag)
{
	const char *p = tag + 1 + strcspn(tag + 1, " >");
	while (*p && *p != '>') {
		while (*p == ' ' || *p == '\n' || *p == '/')
			p++;
		if (*p == '>' || !*p)
			break;
		size_t n = strcspn(p, "= >");
		_cleanup_free_ char *attr = xstrndup(p, n);
		bool known = strstartswith(attr, "data-");
		for (size_t a = 0; a < ARRAY_LENGTH(allowed_attributes); a++)
			known |= streq(attr, allowed_attributes[a]);
		ck_assert_msg(known, "%s: attribute '%s' in %.200s", name, attr, tag);
		p += n;
		if (*p != '=')
			continue;
		ck_assert_msg(p[1] == '"', "%s: unquoted attribute in %.200s", name, tag);
		const char *end = strchr(p + 2, '"');
		ck_assert_ptr_nonnull(end);
		_cleanup_free_ char *value = xstrndup(p + 2, (size_t)(end - p - 2));
		if (streq(attr, "href") || streq(attr, "src"))
			ck_assert_msg(!strchr(value, ':') && !strstartswith(value, "//"), "%s: %s leaves the report: %s", name,
				      attr, value);
		p = end + 1;
	}
}

/* Every tag is one of ours with attributes of ours; no control characters; no raw markup. */
static void check_markup(const char *name, const char *text, size_t len)
{
	const char *style = strstr(text, "<style>");
	const char *style_end = style ? strstr(style, "</style>") : NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		ck_assert_msg(ch >= 0x20 || ch == '\n' || ch == '\t', "%s: control character 0x%02x at %zu", name, ch, i);
		if (ch != '<' || (style && text + i > style && text + i < style_end))
			continue;
		const char *t = text + i + 1;
		bool closing = *t == '/';
		if (closing)
			t++;
		size_t n = strcspn(t, " >\n/");
		bool known = false;
		for (size_t a = 0; a < ARRAY_LENGTH(allowed_tags); a++)
			known |= strlen(allowed_tags[a]) == n && strncmp(allowed_tags[a], t, n) == 0;
		ck_assert_msg(known, "%s: unexpected tag '%.*s' at %zu", name, (int)(n > 40 ? 40 : n), t, i);
		const char *close = strchr(t, '>');
		ck_assert_ptr_nonnull(close);
		if (!closing && strncmp(t, "!DOCTYPE", 8) != 0) {
			_cleanup_free_ char *tag = xstrndup(text + i, (size_t)(close - (text + i)) + 1);
			check_attributes(name, tag);
		}
	}
	ck_assert_msg(!strstr(text, "<script") && !strstr(text, "<img src=x"), "%s: raw hostile markup", name);
}

static void check_dir(const char *dir, size_t *files)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = path_join(dir, de->d_name);
		struct stat st;
		stat(path, &st);
		if (S_ISDIR(st.st_mode)) {
			check_dir(path, files);
			continue;
		}
		_cleanup_free_ char *text = NULL;
		size_t len;
		ck_assert_int_eq(read_file(path, 4 << 20, &text, &len), 0); /* bounded: < 4 MiB per page */
		if (strendswith(path, ".html")) {
			check_markup(path, text, len);
			ck_assert_ptr_nonnull(strstr(text, "Content-Security-Policy"));
		}
		(*files)++;
	}
	closedir(d);
}

START_TEST(test_hostile_html)
{
	struct result_run *run = hostile_run();
	struct report *r = report_new(run, NULL, NULL);
	_cleanup_free_ char *dir = test_tmpdir();
	ck_assert_int_eq(report_write_html(r, dir), 0);
	size_t files = 0;
	check_dir(dir, &files);
	ck_assert_uint_eq(files, 2 + run->n_cells); /* index, failures, one page per cell */
	report_free(r);
	result_run_free(run);
	remove_tree(dir);
}
END_TEST

START_TEST(test_hostile_json)
{
	struct result_run *run = hostile_run();
	struct report *r = report_new(run, NULL, NULL);
	struct strbuf sb;
	strbuf_init(&sb);
	report_write_json(r, &sb);
	for (size_t i = 0; i < sb.len; i++)
		ck_assert_msg((unsigned char)sb.buf[i] >= 0x20 || sb.buf[i] == '\n', "control character in JSON");
	ck_assert_ptr_null(strstr(sb.buf, "</script"));
	char *err = NULL;
	struct json *j = json_parse(sb.buf, sb.len, &err);
	ck_assert_msg(j, "%s", err ? err : "?");
	const struct json *cells = json_get(j, "cells");
	ck_assert_uint_eq(cells->n, run->n_cells);
	/* strings survive as text: the first cell's reason is a hostile string, minus control characters */
	const char *reason = json_get_string(cells->items[0], "reason", "");
	_cleanup_free_ char *want = sanitize_text(run->cells[0].reason, strlen(run->cells[0].reason), 16384);
	ck_assert_str_eq(reason, want);
	const char *evidence = json_get_string(cells->items[0], "evidence", "");
	ck_assert_uint_le(strlen(evidence), 16384 + 64);
	json_free(j);
	strbuf_release(&sb);
	report_free(r);
	result_run_free(run);
}
END_TEST

static void check_junit(const char *xml, size_t len)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = xasprintf("%s/junit.xml", dir);
	ck_assert_int_eq(write_file(path, xml, len, 0644), 0);
	_cleanup_free_ char *xsd = test_data("junit.xsd");
	_cleanup_free_ char *cmd = xasprintf("xmllint --noout --schema %s %s 2>%s/xmllint.log", xsd, path, dir);
	int rc = system(cmd);
	if (rc != 0) {
		_cleanup_free_ char *logpath = xasprintf("%s/xmllint.log", dir), *log = NULL;
		read_file(logpath, 65536, &log, NULL);
		ck_abort_msg("JUnit does not validate: %s", log ? log : "?");
	}
	remove_tree(dir);
}

START_TEST(test_hostile_junit_validates)
{
	struct result_run *run = hostile_run();
	struct report *r = report_new(run, NULL, NULL);
	struct strbuf sb;
	strbuf_init(&sb);
	report_write_junit(r, &sb);
	ck_assert_ptr_null(strstr(sb.buf, "<script"));
	check_junit(sb.buf, sb.len);
	strbuf_release(&sb);
	report_free(r);
	result_run_free(run);
}
END_TEST

static enum verdict mixed(size_t i)
{
	static const enum verdict v[] = { VERDICT_PASS, VERDICT_CRASH, VERDICT_PASS, VERDICT_HANG, VERDICT_INFRA_ERROR,
					  VERDICT_NONE, VERDICT_INSTALL_FAILED };
	return v[i % ARRAY_LENGTH(v)];
}

START_TEST(test_junit_counts)
{
	struct result_run *run = synthetic_run(1, 2, 2, 1, 7, mixed);
	struct report *r = report_new(run, NULL, NULL);
	struct strbuf sb;
	strbuf_init(&sb);
	report_write_junit(r, &sb);
	check_junit(sb.buf, sb.len);
	/* 28 cells: 8 PASS, 4 each of CRASH, HANG, INFRA_ERROR, NONE, INSTALL_FAILED */
	ck_assert_ptr_nonnull(strstr(sb.buf, "tests=\"28\" failures=\"12\" errors=\"4\" skipped=\"4\""));
	size_t failures = 0;
	for (const char *p = sb.buf; (p = strstr(p, "<failure ")); p++)
		failures++;
	ck_assert_uint_eq(failures, 12);
	strbuf_release(&sb);
	report_free(r);
	result_run_free(run);
}
END_TEST

START_TEST(test_hostile_markdown)
{
	struct result_run *run = hostile_run();
	struct report *r = report_new(run, NULL, NULL);
	struct strbuf sb;
	strbuf_init(&sb);
	report_write_markdown(r, &sb);
	ck_assert_ptr_null(strchr(sb.buf, '<'));
	ck_assert_ptr_null(strchr(sb.buf, '\x1b'));
	/* every table row has as many unescaped pipes as its header */
	int expected = -1;
	for (char *line = sb.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n && line[0] == '|') {
			int pipes = 0;
			for (size_t i = 0; i < n; i++)
				pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
			if (expected < 0 || (n > 1 && line[1] == '-'))
				expected = pipes;
			ck_assert_msg(pipes == expected, "row '%.*s' has %d cells borders, want %d", (int)n, line, pipes, expected);
		} else {
			expected = -1;
		}
		line = nl ? nl + 1 : NULL;
	}
	strbuf_release(&sb);
	report_free(r);
	result_run_free(run);
}
END_TEST

START_TEST(test_wide_grid_is_split)
{
	/* 45 sensor/content columns: more than one grid page */
	struct result_run *run = synthetic_run(1, 2, 1, 5, 9, mixed);
	struct report *r = report_new(run, NULL, NULL);
	_cleanup_free_ char *dir = test_tmpdir();
	ck_assert_int_eq(report_write_html(r, dir), 0);
	_cleanup_free_ char *index = path_join(dir, "index.html"), *text = NULL;
	ck_assert_int_eq(read_file(index, 8 << 20, &text, NULL), 0);
	ck_assert_ptr_null(strstr(text, "<table class=\"grid\""));
	ck_assert_ptr_nonnull(strstr(text, "href=\"grid-2.html\""));
	_cleanup_free_ char *g2 = path_join(dir, "grid-2.html"), *g2text = NULL;
	ck_assert_int_eq(read_file(g2, 8 << 20, &g2text, NULL), 0);
	size_t cells = 0;
	for (const char *p = g2text; (p = strstr(p, "data-key=")); p++)
		cells++;
	ck_assert_uint_eq(cells, 2 * 5); /* columns 41-45 of 2 rows */
	report_free(r);
	result_run_free(run);
	remove_tree(dir);
}
END_TEST

static void add_metric(struct result_cell *c, const char *name, double value, const char *unit, const char *method)
{
	c->metrics = xreallocarray(c->metrics, c->n_metrics + 1, sizeof(*c->metrics));
	c->metrics[c->n_metrics++] = (struct result_metric){ 1, xstrdup(name), xstrdup(unit), xstrdup(method), value };
}

static enum verdict one_pass(size_t i) { return VERDICT_PASS; }

/* A cell's page shows the guest at rest before and after install, and the sensor's modules. */
START_TEST(test_resources_on_cell_page)
{
	struct result_run *run = synthetic_run(1, 1, 1, 1, 1, one_pass);
	struct result_cell *c = &run->cells[0];
	add_metric(c, "guest_mem_used.before", 39.4, "MiB", "guest: at rest, boot 0");
	add_metric(c, "guest_mem_used", 41.0, "MiB", "guest: at rest, after the last boot");
	add_metric(c, "guest_cpu_busy.before", 1.0, "%", "guest");
	add_metric(c, "guest_cpu_busy", 3.5, "%", "guest");
	add_metric(c, "sensor_modules", 16, "KiB",
		   "guest: /proc/modules, loaded after the last boot and not at boot 0: compatlab_sensor (16 KiB) <b>");
	struct report *r = report_new(run, NULL, NULL);
	_cleanup_free_ char *dir = test_tmpdir();
	ck_assert_int_eq(report_write_html(r, dir), 0);
	_cleanup_free_ char *page = xasprintf("%s/cells/%lld.html", dir, (long long)c->id), *text = NULL;
	ck_assert_int_eq(read_file(page, 8 << 20, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "<h2>Resources at rest</h2>"));
	ck_assert_ptr_nonnull(strstr(text, "<td>memory in use</td><td class=\"n\">39.4 MiB</td><td class=\"n\">41.0 MiB</td>"
					   "<td class=\"n\">+1.6 MiB</td>"));
	ck_assert_ptr_nonnull(strstr(text, "<td class=\"n\">+2.5 %</td>"));
	ck_assert_ptr_nonnull(strstr(text, "16 KiB: compatlab_sensor (16 KiB) &lt;b&gt;</td>"));
	report_free(r);
	result_run_free(run);
	remove_tree(dir);
}
END_TEST

static enum verdict warned(size_t i)
{
	static const enum verdict v[] = { VERDICT_PASS, VERDICT_KERNEL_WARNING, VERDICT_CRASH, VERDICT_PERF_REGRESSION };
	return v[i % ARRAY_LENGTH(v)];
}

/* Reports the kernel survived are listed as reports, not crashes, in every format; only those
 * made after install and not before it are grouped and count; KERNEL_WARNING sorts between the
 * crash verdicts (and PERF_REGRESSION) and PASS. */
START_TEST(test_kernel_reports)
{
	struct result_run *run = synthetic_run(1, 1, 1, 2, 4, warned);
	/* the passing cell: a warning of the image's own, made before install too */
	struct result_cell *pass = &run->cells[0];
	pass->n_reports = 1;
	pass->reports = xcalloc(1, sizeof(*pass->reports));
	pass->reports[0] = (struct result_crash){ .attempt = 1, .boot = 0, .known = true, .line = 12, .kind = xstrdup("warning"),
						  .source = xstrdup("console"), .title = xstrdup("WARNING: CPU: 0 PID: 1 at x.c:9 acpi_x+0x1/0x2"),
						  .function = xstrdup("acpi_x"), .signature = xstrdup("WARNING: image's own in acpi_x"),
						  .console = xstrdup("[ 0.9] WARNING: image's own\n") };
	struct report *r = report_new(run, NULL, NULL);
	/* order: CRASH, PERF_REGRESSION, KERNEL_WARNING, PASS */
	static const enum verdict order[] = { VERDICT_CRASH, VERDICT_CRASH, VERDICT_PERF_REGRESSION, VERDICT_PERF_REGRESSION,
					      VERDICT_KERNEL_WARNING, VERDICT_KERNEL_WARNING, VERDICT_PASS, VERDICT_PASS };
	for (size_t k = 0; k < ARRAY_LENGTH(order); k++)
		ck_assert_int_eq(run->cells[r->order[k]].verdict, order[k]);
	ck_assert_uint_eq(r->counts[VERDICT_KERNEL_WARNING], 2);
	/* crash groups hold the crashes only; report groups the new reports, one per sensor */
	ck_assert_uint_eq(r->n_groups, 2);
	ck_assert_uint_eq(r->n_report_groups, 2);
	for (size_t g = 0; g < r->n_report_groups; g++) {
		ck_assert_uint_eq(r->report_groups[g].cells, 1);
		ck_assert_uint_eq(r->report_groups[g].crashes, 2);
		ck_assert(strstartswith(r->report_groups[g].signature, "WARNING: CPU: N PID: N at rules.c:N rule_check"));
	}

	struct strbuf sb;
	strbuf_init(&sb);
	report_write_json(r, &sb);
	struct json *j = json_parse(sb.buf, sb.len, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq((int)json_get_number(json_get(j, "counts"), "KERNEL_WARNING", 0), 2);
	const struct json *cells = json_get(j, "cells");
	const struct json *warn = cells->items[1], *crash = cells->items[2], *ok = cells->items[0];
	ck_assert_str_eq(json_get_string(warn, "verdict", ""), "KERNEL_WARNING");
	ck_assert_uint_eq(json_get(warn, "crashes")->n, 0);
	const struct json *reports = json_get(warn, "reports");
	ck_assert_uint_eq(reports->n, 2);
	for (size_t k = 0; k < reports->n; k++) {
		const struct json *x = reports->items[k];
		ck_assert_int_eq((int)json_get_number(x, "boot", 0), (int)k + 1);
		ck_assert(!json_get_bool(x, "fatal", true));
		ck_assert(!json_get_bool(x, "known", true));
		ck_assert_str_eq(json_get_string(x, "kind", ""), "warning");
		ck_assert_str_eq(json_get_string(x, "function", ""), "rule_check");
		ck_assert_str_eq(json_get_string(x, "module", ""), "sensor_0");
		ck_assert_int_eq((int)json_get_number(x, "line", 0), 420);
		ck_assert(strstartswith(json_get_string(x, "signature", ""), "WARNING: CPU: N PID: N"));
		ck_assert_ptr_null(json_get(x, "event_to_record_ms"));
	}
	ck_assert_uint_eq(json_get(crash, "crashes")->n, 1);
	ck_assert(json_get_bool(json_get(crash, "crashes")->items[0], "fatal", false));
	ck_assert_uint_eq(json_get(crash, "reports")->n, 0);
	ck_assert(json_get_bool(json_get(ok, "reports")->items[0], "known", false));
	ck_assert_uint_eq(json_get(j, "groups")->n, 2);
	ck_assert_uint_eq(json_get(j, "report_groups")->n, 2);
	json_free(j);

	strbuf_reset(&sb);
	report_write_markdown(r, &sb);
	ck_assert_ptr_nonnull(strstr(sb.buf, "| KERNEL_WARNING | 2 |"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "### Kernel reports after install"));
	ck_assert_ptr_null(strstr(sb.buf, "image's own"));

	strbuf_reset(&sb);
	report_write_junit(r, &sb);
	check_junit(sb.buf, sb.len);
	ck_assert_ptr_nonnull(strstr(sb.buf, "<failure type=\"KERNEL_WARNING\""));
	ck_assert_ptr_nonnull(strstr(sb.buf, "kernel report on boot 2: WARNING: CPU: N PID: N"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<system-out>[ 3.0] ------------[ cut here ]"));
	strbuf_release(&sb);

	_cleanup_free_ char *dir = test_tmpdir();
	ck_assert_int_eq(report_write_html(r, dir), 0);
	_cleanup_free_ char *page = xasprintf("%s/cells/%lld.html", dir, (long long)run->cells[1].id), *text = NULL;
	ck_assert_int_eq(read_file(page, 8 << 20, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "<h2>Kernel report on boot 1</h2>"));
	ck_assert_ptr_nonnull(strstr(text, "------------[ cut here ]------------"));
	ck_assert_ptr_null(strstr(text, "<h2>Crash on boot"));
	_cleanup_free_ char *ok_page = xasprintf("%s/cells/%lld.html", dir, (long long)pass->id), *ok_text = NULL;
	ck_assert_int_eq(read_file(ok_page, 8 << 20, &ok_text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(ok_text, "Kernel report on boot 0 (made before install too: not counted)"));
	_cleanup_free_ char *index = xasprintf("%s/index.html", dir), *index_text = NULL;
	ck_assert_int_eq(read_file(index, 8 << 20, &index_text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(index_text, "Kernel reports after install (2)"));
	report_free(r);
	result_run_free(run);
	remove_tree(dir);
}
END_TEST

static enum verdict before_v(size_t i) { return i % 3 == 0 ? VERDICT_CRASH : VERDICT_PASS; }
static enum verdict after_v(size_t i) { return i % 2 == 0 ? VERDICT_HANG : VERDICT_PASS; }

START_TEST(test_baseline_and_groups)
{
	struct result_run *base = synthetic_run(1, 1, 1, 2, 6, before_v);
	struct result_run *run = synthetic_run(2, 1, 1, 2, 6, after_v);
	struct report *r = report_new(run, base, NULL);
	/* i: 0 C->H changed, 1 P->P, 2 P->H new, 3 C->P fixed, 4 P->H new, 5 P->P, 6 C->H changed, 7 P->P,
	 * 8 P->H new, 9 C->P fixed, 10 P->H new, 11 P->P */
	ck_assert_uint_eq(r->change_counts[CHANGE_CHANGED], 2);
	ck_assert_uint_eq(r->change_counts[CHANGE_FIXED], 2);
	ck_assert_uint_eq(r->change_counts[CHANGE_NEW_FAILURE], 4);
	ck_assert_uint_eq(r->change_counts[CHANGE_STILL_PASSING], 4);
	ck_assert_int_eq(r->order[0] % 2, 0); /* HANG cells first */
	report_free(r);
	/* crash groups: one signature per sensor, addresses differ per cell */
	r = report_new(base, NULL, NULL);
	ck_assert_uint_eq(r->n_groups, 2);
	ck_assert_uint_eq(r->groups[0].cells + r->groups[1].cells, 4);
	for (size_t i = 0; i < base->n_cells; i++)
		if (base->cells[i].n_crashes)
			ck_assert(strstr(r->groups[r->group_of_cell[i]].signature, base->cells[i].sensor + 7));
	report_free(r);
	result_run_free(base);
	result_run_free(run);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hostile_html);
	tcase_add_test(tc, test_hostile_json);
	tcase_add_test(tc, test_hostile_junit_validates);
	tcase_add_test(tc, test_junit_counts);
	tcase_add_test(tc, test_hostile_markdown);
	tcase_add_test(tc, test_wide_grid_is_split);
	tcase_add_test(tc, test_resources_on_cell_page);
	tcase_add_test(tc, test_baseline_and_groups);
	tcase_add_test(tc, test_kernel_reports);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(report_suite)
