/* console.c: reads a guest's serial console for crash evidence: the crash title, the faulting
 * module and function, the panic reason, and an excerpt. Input is untrusted and bounded. */
#include "console.h"

#include <stdio.h>
#include <string.h>

/* Skips the "[   12.345678] " timestamp of a kernel line. */
static const char *strip_stamp(const char *line, const char *end)
{
	const char *p = line;
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close && close - p < 20) {
			p = close + 1;
			while (p < end && *p == ' ')
				p++;
		}
	}
	return p;
}

static void copy_field(char *dst, size_t n, const char *src, size_t len)
{
	_cleanup_free_ char *clean = sanitize_text(src, len, n - 1);
	/* sanitize_text appends a truncation note on long input; keep the field to one line */
	char *nl = strchr(clean, '\n');
	if (nl)
		*nl = '\0';
	snprintf(dst, n, "%s", clean);
}

static bool starts(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/* "RIP: 0010:compatlab_sensor_init+0x267/0x1000 [compatlab_sensor]" */
static void parse_rip(const char *p, const char *end, struct console_crash *c)
{
	p += strlen("RIP: 0010:");
	const char *plus = p;
	while (plus < end && *plus != '+' && *plus != ' ')
		plus++;
	if (plus == p || plus >= end || *plus != '+')
		return;
	copy_field(c->function, sizeof(c->function), p, (size_t)(plus - p));
	const char *open = memchr(plus, '[', (size_t)(end - plus));
	if (open) {
		const char *close = memchr(open, ']', (size_t)(end - open));
		if (close && close > open + 1)
			copy_field(c->module, sizeof(c->module), open + 1, (size_t)(close - open - 1));
	}
}

void console_classify(const char *text, size_t len, struct console_crash *c)
{
	static const struct { const char *prefix, *kind; } titles[] = {
		{ "BUG: ", "bug" },
		{ "kernel BUG at ", "bug" },
		{ "general protection fault", "gpf" },
		{ "Oops: ", "oops" },
		{ "watchdog: BUG: soft lockup", "soft-lockup" },
		{ "Watchdog detected hard LOCKUP", "hard-lockup" },
	};
	const char *end = text + len;

	memset(c, 0, sizeof(*c));
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		if (eol > line && eol[-1] == '\r')
			eol--;
		const char *p = strip_stamp(line, eol);
		if (!c->title[0]) {
			for (size_t i = 0; i < ARRAY_LENGTH(titles); i++) {
				if (starts(p, eol, titles[i].prefix)) {
					copy_field(c->title, sizeof(c->title), p, (size_t)(eol - p));
					snprintf(c->kind, sizeof(c->kind), "%s", titles[i].kind);
					c->crashed = true;
					break;
				}
			}
		}
		if (!c->function[0] && starts(p, eol, "RIP: 0010:"))
			parse_rip(p, eol, c);
		if (!c->reason[0] && starts(p, eol, "Kernel panic - not syncing: ")) {
			const char *r = p + strlen("Kernel panic - not syncing: ");
			copy_field(c->reason, sizeof(c->reason), r, (size_t)(eol - r));
			c->crashed = true;
			if (!c->title[0]) {
				copy_field(c->title, sizeof(c->title), p, (size_t)(eol - p));
				snprintf(c->kind, sizeof(c->kind), "panic");
			}
		}
		line = nl ? nl + 1 : end;
	}
}

char *console_tail(const char *text, size_t len, size_t max_lines, size_t max_bytes)
{
	const char *start = text + len;
	size_t lines = 0;
	while (start > text && (size_t)(text + len - start) < max_bytes) {
		if (start[-1] == '\n' && start != text + len && ++lines >= max_lines)
			break;
		start--;
	}
	return sanitize_text(start, (size_t)(text + len - start), max_bytes);
}

char *console_last_line(const char *text, size_t len)
{
	const char *end = text + len;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return sanitize_text(start, (size_t)(end - start), 300);
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char *crash_signature(const char *title, const char *function, const char *module)
{
	struct strbuf sb;
	const char *p = title ? title : "";

	strbuf_init(&sb);
	while (*p && sb.len < 200) {
		/* a run of hex digits or a decimal number (with an optional 0x) is a value, not identity */
		const char *q = p;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			q += 2;
		const char *digits = q;
		bool has_digit = false;
		while (is_hex(*q)) {
			has_digit |= *q >= '0' && *q <= '9';
			q++;
		}
		bool word_start = p == title || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z') || p[-1] == '_');
		bool word_end = !((*q >= 'g' && *q <= 'z') || (*q >= 'G' && *q <= 'Z') || *q == '_');
		if (q > digits && has_digit && word_start && word_end) {
			strbuf_putc(&sb, 'N');
			p = q;
			continue;
		}
		/* "CPU: 3", "PID: 123", "comm: insmod" are where, not what */
		if (strncmp(p, "CPU: ", 5) == 0 || strncmp(p, "PID: ", 5) == 0 || strncmp(p, "Comm: ", 6) == 0)
			break;
		strbuf_putc(&sb, *p++);
	}
	while (sb.len && (sb.buf[sb.len - 1] == ' ' || sb.buf[sb.len - 1] == ','))
		sb.buf[--sb.len] = '\0';
	if (function && *function)
		strbuf_printf(&sb, " in %s", function);
	if (module && *module)
		strbuf_printf(&sb, " [%s]", module);
	return strbuf_steal(&sb);
}
