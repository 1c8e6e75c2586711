/* console.c: a crash classifier for serial consoles. One table says what each crash looks like
 * (a prefix or a substring of a line, after the kernel's timestamp); the first match names the
 * crash, and the lines around it give the faulting function and module, the panic reason, or the
 * Windows stop code. Ordinary boot noise (ACPI and firmware errors, taint notices, WARNINGs)
 * matches nothing. Input is untrusted and bounded; output is sanitised. */
#include "console.h"
#include "bugcheck.h"

#include <stdio.h>
#include <string.h>

enum match { PREFIX, CONTAINS };

static const struct pattern {
	enum match how;
	const char *text;
	const char *kind;
} patterns[] = {
	{ PREFIX, "BUG: KASAN: ", "kasan" },
	{ PREFIX, "BUG: KFENCE: ", "kasan" },
	{ PREFIX, "BUG: kernel NULL pointer dereference", "bug" },
	{ PREFIX, "BUG: unable to handle ", "bug" },
	{ PREFIX, "BUG: scheduling while atomic", "bug" },
	{ PREFIX, "BUG: sleeping function called from invalid context", "bug" },
	{ PREFIX, "kernel BUG at ", "bug" },
	{ PREFIX, "general protection fault", "gpf" },
	{ PREFIX, "watchdog: BUG: soft lockup", "soft-lockup" },
	{ PREFIX, "BUG: soft lockup", "soft-lockup" },
	{ CONTAINS, "Watchdog detected hard LOCKUP", "hard-lockup" }, /* "NMI watchdog: ..." */
	{ PREFIX, "INFO: task ", "hung-task" },       /* "... blocked for more than N seconds." */
	{ CONTAINS, " detected stalls on CPUs/tasks", "rcu-stall" },
	{ CONTAINS, " self-detected stall on CPU", "rcu-stall" },
	{ PREFIX, "Out of memory and no killable processes", "oom" },
	{ PREFIX, "BUG: ", "bug" },                     /* "Bad page state", "Bad rss-counter", ... */
	{ PREFIX, "Oops: ", "oops" },
	{ PREFIX, "*** STOP: 0x", "bugcheck" },          /* Windows serial/EMS console */
	{ PREFIX, "*** Fatal System Error: 0x", "bugcheck" },
	{ PREFIX, "Your PC ran into a problem", "bugcheck" },
	{ PREFIX, "Your device ran into a problem", "bugcheck" },
	{ PREFIX, "Kernel panic - not syncing: ", "panic" },
	{ CONTAINS, "panic hyper-v: arg1=", "bugcheck" },    /* libvirt's domain log, from hv-crash */
};

/* Reports the kernel makes without stopping (by default): when one of them is followed by a
 * report that does stop the machine, the later one is the crash. A guest whose soft lockup is
 * also seen by RCU's stall detector first crashed of the soft lockup. */
static bool provisional(const char *kind)
{
	return streq(kind, "rcu-stall") || streq(kind, "hung-task");
}

/* Lines that look alarming but are not crashes. */
static const char *const noise[] = {
	"ACPI Error", "ACPI BIOS Error", "ACPI Warning", "[Firmware Bug]", "[Firmware Warn]", "Disabling lock debugging due to kernel taint",
	"loading out-of-tree module taints kernel", "module verification failed", "WARNING: ",
};

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

static const char *find_in(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; (size_t)(end - p) >= n; p++)
		if (memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* "func+0x1e/0x1000 [module]" at p: the function and the module in brackets. */
static void parse_location(const char *p, const char *end, struct console_crash *c)
{
	const char *plus = p;
	while (plus < end && *plus != '+' && *plus != ' ')
		plus++;
	if (plus == p || plus >= end || *plus != '+')
		return;
	/* GCC's clones (".isra.0", ".constprop.0", ".part.0", ".cold") are the same function */
	const char *dot = memchr(p, '.', (size_t)(plus - p));
	copy_field(c->function, sizeof(c->function), p, (size_t)((dot ? dot : plus) - p));
	const char *sp = memchr(plus, ' ', (size_t)(end - plus));
	if (sp && sp + 1 < end && sp[1] == '[') {
		const char *close = memchr(sp, ']', (size_t)(end - sp));
		if (close && close > sp + 2)
			copy_field(c->module, sizeof(c->module), sp + 2, (size_t)(close - sp - 2));
	}
}

static uint64_t parse_hex(const char *p, const char *end, const char **next)
{
	uint64_t v = 0;
	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (int n = 0; p < end && n < 16; p++, n++) {
		char ch = *p;
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0)
			break;
		v = v << 4 | (uint64_t)d;
	}
	*next = p;
	return v;
}

/* Windows: "*** STOP: 0x00000050 (0xFFFFF8..., 0x..., 0x..., 0x...)" and the blue screen's
 * "Stop code: PAGE_FAULT_IN_NONPAGED_AREA" / "What failed: csagent.sys". */
static void parse_windows(const char *p, const char *end, struct console_crash *c)
{
	const char *q = NULL;
	if (starts(p, end, "*** STOP: "))
		q = p + strlen("*** STOP: ");
	else if (starts(p, end, "*** Fatal System Error: "))
		q = p + strlen("*** Fatal System Error: ");
	if (q) {
		c->bugcheck = (uint32_t)parse_hex(q, end, &q);
		for (int i = 0; i < 4 && q < end; i++) {
			while (q < end && (*q == ' ' || *q == '(' || *q == ','))
				q++;
			c->bugcheck_args[i] = parse_hex(q, end, &q);
		}
	}
	if (starts(p, end, "Stop code: ") || starts(p, end, "Stop Code: ")) {
		const char *name = p + strlen("Stop code: ");
		copy_field(c->reason, sizeof(c->reason), name, (size_t)(end - name));
		if (!c->bugcheck)
			c->bugcheck = bugcheck_code(c->reason);
	}
	const char *hv = find_in(p, end, "panic hyper-v: ");
	struct guest_panic gp;
	if (hv && guest_panic_parse_log(hv, (size_t)(end - hv), &gp) == 0) {
		c->bugcheck = gp.code;
		memcpy(c->bugcheck_args, gp.args, sizeof(c->bugcheck_args));
	}
	/* "***  csagent.sys - Address FFFFF805... base at ..." under the STOP line */
	if (starts(p, end, "***  ") && !c->module[0]) {
		const char *m = p + 5, *dash = find_in(m, end, " - Address ");
		if (dash && dash > m)
			copy_field(c->module, sizeof(c->module), m, (size_t)(dash - m));
	}
	if (starts(p, end, "What failed: ")) {
		const char *m = p + strlen("What failed: ");
		copy_field(c->module, sizeof(c->module), m, (size_t)(end - m));
	}
}

static bool is_noise(const char *p, const char *end)
{
	for (size_t i = 0; i < ARRAY_LENGTH(noise); i++)
		if (find_in(p, end, noise[i]) == p || (noise[i][0] == '[' && find_in(p, end, noise[i])))
			return true;
	return false;
}

void console_classify(const char *text, size_t len, struct console_crash *c)
{
	const char *end = text + len;
	/* lines examined after the title for the location and the panic reason */
	const size_t follow = 80;
	size_t after_title = 0;

	memset(c, 0, sizeof(*c));
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		if (eol > line && eol[-1] == '\r')
			eol--;
		const char *p = strip_stamp(line, eol);
		if ((!c->title[0] || provisional(c->kind)) && !is_noise(p, eol)) {
			for (size_t i = 0; i < ARRAY_LENGTH(patterns); i++) {
				const struct pattern *pt = &patterns[i];
				if (pt->how == PREFIX ? starts(p, eol, pt->text) : find_in(p, eol, pt->text) != NULL) {
					/* a provisional report gives way only to a crash of another kind; the
					 * panic line that follows it gives the reason, not a new title */
					if (c->title[0] && (provisional(pt->kind) || streq(pt->kind, "panic")))
						break;
					if (c->title[0]) {
						c->function[0] = c->module[0] = c->reason[0] = '\0';
						after_title = 0;
					}
					copy_field(c->title, sizeof(c->title), p, (size_t)(eol - p));
					snprintf(c->kind, sizeof(c->kind), "%s", pt->kind);
					c->crashed = true;
					c->offset = (size_t)(line - text);
					break;
				}
			}
		}
		if (c->title[0] && after_title++ < follow) {
			/* the faulting location: RIP line, or the KASAN title's "in func+0x../0x.." */
			if (!c->function[0] && (starts(p, eol, "RIP: 0010:") || starts(p, eol, "RIP: 0033:")))
				parse_location(p + strlen("RIP: 0010:"), eol, c);
			if (!c->function[0] && streq(c->kind, "kasan")) {
				const char *in = find_in(p, eol, " in ");
				if (in)
					parse_location(in + 4, eol, c);
			}
			if (!c->function[0] && streq(c->kind, "soft-lockup") && starts(p, eol, "RIP: "))
				parse_location(p + strlen("RIP: 0010:"), eol, c);
			if (!c->reason[0] && starts(p, eol, "Kernel panic - not syncing: ")) {
				const char *r = p + strlen("Kernel panic - not syncing: ");
				copy_field(c->reason, sizeof(c->reason), r, (size_t)(eol - r));
			}
			if (streq(c->kind, "bugcheck"))
				parse_windows(p, eol, c);
		}
		line = nl ? nl + 1 : end;
	}
	if (c->bugcheck && !c->reason[0])
		snprintf(c->reason, sizeof(c->reason), "%s", bugcheck_name(c->bugcheck));
	/* one title for a Windows bugcheck whatever reported it (STOP line, blue screen text, the
	 * hypervisor's crash registers): the same crash groups together */
	if (streq(c->kind, "bugcheck") && c->bugcheck)
		snprintf(c->title, sizeof(c->title), "bugcheck 0x%08X %s", c->bugcheck, bugcheck_name(c->bugcheck));
	/* a kernel BUG at file:line names its own place; keep the title, the location follows */
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

char *console_excerpt(const char *text, size_t len, size_t offset, size_t before, size_t after, size_t max_bytes)
{
	if (offset > len)
		offset = len;
	const char *start = text + offset, *end = text + offset;
	for (size_t n = 0; start > text && n <= before; start--)
		if (start[-1] == '\n' && ++n > before)
			break;
	for (size_t n = 0; end < text + len && n < after; end++)
		if (*end == '\n')
			n++;
	if ((size_t)(end - start) > max_bytes)
		end = start + max_bytes;
	return sanitize_text(start, (size_t)(end - start), max_bytes);
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

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

char *crash_signature(const char *title, const char *function, const char *module)
{
	struct strbuf sb;
	const char *p = title ? title : "";

	strbuf_init(&sb);
	while (*p && sb.len < 200) {
		/* a number at the start of a word (decimal, or hex with at least one digit) is a value */
		bool word_start = p == title || !is_word(p[-1]);
		if (word_start && (is_hex(*p))) {
			const char *q = p;
			if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
				q += 2;
			const char *digits = q;
			bool has_digit = false, all_decimal = true;
			while (is_hex(*q)) {
				has_digit |= *q >= '0' && *q <= '9';
				all_decimal &= *q >= '0' && *q <= '9';
				q++;
			}
			/* "22s" and "120 seconds" are values; "ext4" is not at a word start; "dead" has no digit */
			if (q > digits && has_digit && (!is_word(*q) || all_decimal)) {
				strbuf_putc(&sb, 'N');
				p = q;
				continue;
			}
		}
		/* "CPU: 3 PID: 12 Comm: x" trailers say where, not what */
		if (strncmp(p, " CPU: ", 6) == 0 || strncmp(p, " PID: ", 6) == 0 || strncmp(p, " Comm: ", 7) == 0)
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
