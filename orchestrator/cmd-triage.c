/* cmd-triage.c: "triage console FILE" lists the kernel reports in a saved console log and "triage dump FILE"
 * parses a Windows crash dump; each prints one JSON object, for people and tools anywhere. */
#include "cmd.h"
#include "console.h"
#include "dump.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* reports listed by "triage console"; more are counted ("reports_total") */
#define TRIAGE_REPORTS_MAX 1000
/* exit code of "triage console" when the kernel reported something and went on */
#define TRIAGE_EXIT_REPORTED 4

static void kv(struct strbuf *sb, const char *key, const char *value)
{
	strbuf_printf(sb, ",\"%s\":", key);
	if (value && *value)
		strbuf_put_json_string(sb, value);
	else
		strbuf_puts(sb, "null");
}

/* The console is read in pieces: memory stays bounded whatever its size. */
static int triage_console(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cmd_error(EXIT_USAGE, "%s: %s", path, strerror(errno));
	struct console_scan *scan = console_scan_new(TRIAGE_REPORTS_MAX);
	_cleanup_free_ char *buf = xmalloc(1 << 20);
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			console_scan_free(scan);
			return cmd_error(EXIT_USAGE, "%s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		console_scan_feed(scan, buf, (size_t)n);
	}
	const struct console_report *reports;
	size_t total, n = console_scan_end(scan, &reports, &total);
	const struct console_report *c = console_scan_principal(scan);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_printf(&sb, "{\"crashed\":%s", c && c->fatal ? "true" : "false");
	kv(&sb, "kind", c ? c->kind : NULL);
	kv(&sb, "title", c ? c->title : NULL);
	kv(&sb, "module", c ? c->module : NULL);
	kv(&sb, "function", c ? c->function : NULL);
	kv(&sb, "reason", c ? c->reason : NULL);
	kv(&sb, "signature", c ? c->signature : NULL);
	if (c && c->bugcheck) {
		strbuf_printf(&sb, ",\"bugcheck\":\"0x%08X\",\"parameters\":[", c->bugcheck);
		for (int i = 0; i < 4; i++)
			strbuf_printf(&sb, "%s\"0x%016llX\"", i ? "," : "", (unsigned long long)c->bugcheck_args[i]);
		strbuf_puts(&sb, "]");
	}
	if (c)
		strbuf_printf(&sb, ",\"line\":%zu", c->line);
	strbuf_puts(&sb, ",\"reports\":[");
	for (size_t i = 0; i < n; i++) {
		const struct console_report *r = &reports[i];
		strbuf_puts(&sb, i ? ",{\"kind\":" : "{\"kind\":");
		strbuf_put_json_string(&sb, r->kind);
		kv(&sb, "title", r->title);
		kv(&sb, "function", r->function);
		kv(&sb, "module", r->module);
		strbuf_printf(&sb, ",\"fatal\":%s", r->fatal ? "true" : "false");
		if (r->reason[0])
			kv(&sb, "reason", r->reason);
		strbuf_printf(&sb, ",\"line\":%zu", r->line);
		kv(&sb, "signature", r->signature);
		strbuf_puts(&sb, "}");
	}
	strbuf_puts(&sb, "]");
	if (total > n)
		strbuf_printf(&sb, ",\"reports_total\":%zu", total);
	strbuf_puts(&sb, "}\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
	int rc = !c ? EXIT_PASS : c->fatal ? EXIT_FAILURES : TRIAGE_EXIT_REPORTED;
	console_scan_free(scan);
	return rc;
}

static int triage_dump(const char *path)
{
	struct dump_info d;
	_cleanup_free_ char *why = NULL;
	if (dump_parse_file(path, &d, &why) < 0)
		return cmd_error(EXIT_USAGE, "%s: %s", path, why ? why : "cannot parse");
	struct strbuf sb;
	strbuf_init(&sb);
	dump_to_json(&d, &sb);
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
	return EXIT_PASS;
}

static int cmd_triage(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (argc != 3)
		return cmd_usage_error(&cmd_triage_entry, "expected console FILE or dump FILE");
	if (streq(argv[1], "console"))
		return triage_console(argv[2]);
	if (streq(argv[1], "dump"))
		return triage_dump(argv[2]);
	return cmd_usage_error(&cmd_triage_entry, "unknown kind '%s'", argv[1]);
}

const struct cmd_entry cmd_triage_entry = {
	"triage", "console FILE | dump FILE",
	"list a console log's kernel reports or parse a Windows crash dump (JSON; console: exit 1 crashed, 4 reported)", cmd_triage,
};
