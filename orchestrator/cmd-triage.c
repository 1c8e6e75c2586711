/* cmd-triage.c: "triage console FILE" classifies a saved console log and "triage dump FILE"
 * parses a Windows crash dump; each prints one JSON object, for people and tools anywhere. */
#include "cmd.h"
#include "console.h"
#include "dump.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TRIAGE_CONSOLE_MAX (64u << 20)

static void kv(struct strbuf *sb, const char *key, const char *value)
{
	strbuf_printf(sb, ",\"%s\":", key);
	if (value && *value)
		strbuf_put_json_string(sb, value);
	else
		strbuf_puts(sb, "null");
}

static int triage_console(const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_tail(path, TRIAGE_CONSOLE_MAX, &text, &len);
	if (r < 0)
		return cmd_error(EXIT_USAGE, "%s: %s", path, strerror(-r));
	struct console_crash c;
	console_classify(text, len, &c);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_printf(&sb, "{\"crashed\":%s", c.crashed ? "true" : "false");
	kv(&sb, "kind", c.kind);
	kv(&sb, "title", c.title);
	kv(&sb, "module", c.module);
	kv(&sb, "function", c.function);
	kv(&sb, "reason", c.reason);
	if (c.crashed) {
		_cleanup_free_ char *sig = crash_signature(c.title, c.function, c.module);
		kv(&sb, "signature", sig);
	} else {
		kv(&sb, "signature", NULL);
	}
	if (c.bugcheck) {
		strbuf_printf(&sb, ",\"bugcheck\":\"0x%08X\",\"parameters\":[", c.bugcheck);
		for (int i = 0; i < 4; i++)
			strbuf_printf(&sb, "%s\"0x%016llX\"", i ? "," : "", (unsigned long long)c.bugcheck_args[i]);
		strbuf_puts(&sb, "]");
	}
	if (c.crashed) {
		size_t line = 1;
		for (size_t i = 0; i < c.offset; i++)
			line += text[i] == '\n';
		strbuf_printf(&sb, ",\"line\":%zu", line);
	}
	strbuf_puts(&sb, "}\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
	return c.crashed ? EXIT_FAILURES : EXIT_PASS;
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
	"classify a saved console log or parse a Windows crash dump (JSON; console exits 1 on a crash)", cmd_triage,
};
