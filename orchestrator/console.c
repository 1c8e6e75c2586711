/* console.c: the console classifier. Lines are read one at a time (a stream: memory stays
 * bounded and time linear, whatever the console's size); timestamps, caller ids, syslog levels
 * and journal prefixes are taken off; a line that starts a report (console-kinds.c) opens it,
 * and the lines that follow give its frames (console-stack.c), modules and taint, until the
 * report ends. Whether the kernel stopped is decided afterwards:
 *
 *   report ──(Kernel panic - not syncing)─────────────────────────► fatal
 *   oops ──(end of output, a reboot, a new boot: < 3 lines later)──► fatal
 *   oops ──(3 more lines of kernel output)─────────────────────────► survived
 *   other report ──(no panic of its own)───────────────────────────► survived
 *
 * A console read live, at the moment a crash event arrives, ends with the oops: fatal, as the
 * event says. A finished log in which the kernel went on after an oops (the oops killed a task,
 * panic_on_oops unset) lists it as a report the kernel survived. Input is untrusted and
 * bounded; output is sanitised. */
#include "console-private.h"
#include "bugcheck.h"

#include <stdio.h>
#include <string.h>

enum {
	PENDING_MAX = 8,     /* reports open at once (interleaved CPUs) */
	FRAMES_MAX = 40,     /* frames kept per report */
	OOT_MAX = 16,        /* out-of-tree modules kept per report */
	REGION_LINES = 400,  /* lines a report's body may take */
	FAULT_WINDOW = 40,   /* lines from a fault's first line to its oops header (arm64: ~20) */
	MERGE_WINDOW = 5,    /* lines between a message and its WARNING or kernel BUG */
	LIFE_SURVIVED = 3,   /* lines of output after an oops that show the kernel went on */
	LIFE_FORGET = 300,   /* lines after which a report no longer waits for its panic */
	WINDOWS_LINES = 80,  /* lines of a blue screen read for its stop code and driver */
	LINE_BYTES = 4096,   /* a line is classified on its first LINE_BYTES bytes */
};

struct pending {
	struct console_report r;
	unsigned flags;
	char caller[16];   /* "T123" or "C1": the printk caller id, when the console has them */
	size_t start_line; /* r.line */
	size_t lines;      /* lines of its body so far */
	size_t life;       /* lines of other output after its body */
	bool open;         /* its body goes on */
	bool fault;        /* an oops: the kernel dies of it unless it goes on */
	bool die;          /* its oops header was seen */
	bool merged;       /* its message and its WARNING / kernel BUG were joined */
	bool oom_titled;
	bool panicked;
	bool in_irq, in_nmi;
	bool secondary;    /* frames now are another stack's (allocation, lock chain, other CPU) */
	bool backtrace_seen; /* lockdep: "stack backtrace:" */
	size_t trace_frames;
	struct console_frame frames[FRAMES_MAX];
	size_t nframes;
	char oot[OOT_MAX][56]; /* modules tainted O, E or P in "Modules linked in:" */
	size_t noot;
	bool modules_seen, taint_oot;
};

struct console_scan {
	struct console_report *out;
	size_t max, stored, total;
	struct console_report principal;
	bool have_principal;
	struct pending pend[PENDING_MAX]; /* in the order they started */
	size_t npend;
	size_t line_no, offset;
	char buf[LINE_BYTES];
	size_t buflen, buf_offset;
	bool in_line; /* buf holds the start of an unfinished line */
	bool ended;
};

static void copy_field(char *dst, size_t n, const char *src, size_t len)
{
	_cleanup_free_ char *clean = sanitize_text(src, len, n - 1);
	char *nl = strchr(clean, '\n');
	if (nl)
		*nl = '\0';
	snprintf(dst, n, "%s", clean);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "[    1.234567]", "[  T123]", "[ C3]", dmesg -T's "[Mon Jan 12 10:00:01 2024]" */
static const char *bracket_prefix(const char *p, const char *end, char caller[16])
{
	const char *close = memchr(p, ']', (size_t)(end - p) < 40 ? (size_t)(end - p) : 40);
	if (!close)
		return NULL;
	const char *c = p + 1;
	while (c < close && *c == ' ')
		c++;
	bool stamp = c < close, digit = false;
	for (const char *q = c; q < close; q++) {
		digit |= is_digit(*q);
		stamp &= is_digit(*q) || *q == '.' || *q == ' ';
	}
	if (stamp && digit)
		return close + 1;
	if (c < close && (*c == 'T' || *c == 'C') && close - c >= 2 && close - c < 12) {
		bool id = true;
		for (const char *q = c + 1; q < close; q++)
			id &= is_digit(*q);
		if (id) {
			memcpy(caller, c, (size_t)(close - c));
			caller[close - c] = '\0';
			return close + 1;
		}
	}
	if (close - p == 25 && p[4] == ' ' && p[8] == ' ' && p[14] == ':' && p[17] == ':')
		return close + 1;
	return NULL;
}

/* "Jan 12 10:00:01 host kernel: " or "2024-01-12T10:00:01.123+00:00 host kernel: " */
static const char *syslog_prefix(const char *p, const char *end)
{
	bool bsd = end - p > 16 && p[3] == ' ' && (p[4] == ' ' || is_digit(p[4])) && is_digit(p[5]) && p[6] == ' ' &&
		   p[9] == ':' && p[12] == ':' && p[0] >= 'A' && p[0] <= 'Z';
	bool iso = end - p > 20 && is_digit(p[0]) && is_digit(p[3]) && p[4] == '-' && p[7] == '-' && (p[10] == 'T' || p[10] == ' ') &&
		   p[13] == ':';
	if (!bsd && !iso)
		return NULL;
	const char *lim = end - p > 200 ? p + 200 : end;
	const char *k = console_find(p, lim, " kernel: ");
	return k ? k + strlen(" kernel: ") : NULL;
}

/* The message of a console line: without syslog level, timestamps, caller id, journal prefix. */
static const char *strip_prefix(const char *p, const char *end, char caller[16])
{
	caller[0] = '\0';
	for (int round = 0; round < 6 && p < end; round++) {
		const char *q = p, *next = NULL;
		if (*q == '<') {
			const char *d = q + 1;
			while (d < end && d - q < 5 && is_digit(*d))
				d++;
			if (d > q + 1 && d < end && *d == '>')
				next = d + 1;
		} else if (*q == '[') {
			next = bracket_prefix(q, end, caller);
			if (next && next < end && *next == ' ')
				next++;
		} else if (round == 0) {
			next = syslog_prefix(q, end);
		}
		if (!next && console_starts(q, end, "kernel: "))
			next = q + strlen("kernel: ");
		if (!next)
			break;
		p = next;
	}
	return p;
}

static struct pending *add_pending(struct console_scan *s);
static void finish(struct console_scan *s, size_t i, bool at_end);

static void add_frame(struct pending *pd, const struct console_frame *f, enum console_frame_rank rank)
{
	if (pd->nframes >= FRAMES_MAX)
		return;
	struct console_frame *g = &pd->frames[pd->nframes++];
	*g = *f;
	g->rank = (uint8_t)rank;
	if (pd->in_irq)
		g->flags |= CONSOLE_FRAME_IRQ;
	if (pd->in_nmi)
		g->flags |= CONSOLE_FRAME_NMI;
	if (rank == CONSOLE_RANK_TRACE)
		pd->trace_frames++;
}

/* "Modules linked in: acme(OE) ext4 crc16 [last unloaded: x]": the out-of-tree ones */
static void parse_modules(struct pending *pd, const char *p, const char *end)
{
	pd->modules_seen = true;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *tok = p;
		while (p < end && *p != ' ')
			p++;
		const char *paren = memchr(tok, '(', (size_t)(p - tok));
		if (!paren || pd->noot >= OOT_MAX || paren - tok >= 56)
			continue;
		bool oot = false;
		for (const char *c = paren; c < p && *c != ')'; c++)
			oot |= *c == 'O' || *c == 'E' || *c == 'P' || *c == 'U';
		if (oot) {
			memcpy(pd->oot[pd->noot], tok, (size_t)(paren - tok));
			pd->oot[pd->noot][paren - tok] = '\0';
			pd->noot++;
		}
	}
}

/* "Tainted: G           OE      6.1.0 #1", "Tainted: P        W  O 4.19.0": O, E or P */
static void parse_taint(struct pending *pd, const char *p, const char *end)
{
	for (; p < end && !is_digit(*p); p++)
		if (*p == 'O' || *p == 'E' || *p == 'P')
			pd->taint_oot = true;
		else if (*p != ' ' && !(*p >= 'A' && *p <= 'Z'))
			break;
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
static void parse_windows(const char *p, const char *end, struct console_report *r)
{
	const char *q = NULL;
	if (console_starts(p, end, "*** STOP: "))
		q = p + strlen("*** STOP: ");
	else if (console_starts(p, end, "*** Fatal System Error: "))
		q = p + strlen("*** Fatal System Error: ");
	if (q) {
		r->bugcheck = (uint32_t)parse_hex(q, end, &q);
		for (int i = 0; i < 4 && q < end; i++) {
			while (q < end && (*q == ' ' || *q == '(' || *q == ','))
				q++;
			r->bugcheck_args[i] = parse_hex(q, end, &q);
		}
	}
	if (console_starts(p, end, "Stop code: ") || console_starts(p, end, "Stop Code: ")) {
		const char *name = p + strlen("Stop code: ");
		copy_field(r->reason, sizeof(r->reason), name, (size_t)(end - name));
		if (!r->bugcheck)
			r->bugcheck = bugcheck_code(r->reason);
	}
	const char *hv = console_find(p, end, "panic hyper-v: ");
	struct guest_panic gp;
	if (hv && guest_panic_parse_log(hv, (size_t)(end - hv), &gp) == 0) {
		r->bugcheck = gp.code;
		memcpy(r->bugcheck_args, gp.args, sizeof(r->bugcheck_args));
	}
	/* "***  csagent.sys - Address FFFFF805... base at ..." under the STOP line */
	if (console_starts(p, end, "***  ") && !r->module[0]) {
		const char *m = p + 5, *dash = console_find(m, end, " - Address ");
		if (dash && dash > m)
			copy_field(r->module, sizeof(r->module), m, (size_t)(dash - m));
	}
	if (console_starts(p, end, "What failed: ")) {
		const char *m = p + strlen("What failed: ");
		copy_field(r->module, sizeof(r->module), m, (size_t)(end - m));
	}
}

static bool line_is(const char *p, const char *end, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (console_starts(p, end, list[i]))
			return true;
	return false;
}

/* A line of a report's body: frames, modules, taint, and where one stack ends. */
static void feed(struct pending *pd, const char *p, const char *end)
{
	if (pd->flags & CONSOLE_WINDOWS) {
		if (pd->lines < WINDOWS_LINES)
			parse_windows(p, end, &pd->r);
		return;
	}
	const char *q = p;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= end)
		return;
	if (console_starts(q, end, "Modules linked in:")) {
		parse_modules(pd, q + strlen("Modules linked in:"), end);
		return;
	}
	const char *taint = console_find(q, end, "Tainted: ");
	if (taint && taint - q < 160)
		parse_taint(pd, taint + strlen("Tainted: "), end);
	static const char *const other_stacks[] = { "CPU: ", "Pid: ", "NMI backtrace for cpu", "Sending NMI", "Task dump for CPU",
						    /* KCSAN's second access */
						    "read to 0x", "write to 0x", "read (marked) to 0x", "write (marked) to 0x",
						    "read-write to 0x", "read-write (marked) to 0x" };
	if (line_is(q, end, other_stacks, ARRAY_LENGTH(other_stacks))) {
		/* a stack that starts after one was read is another CPU's or another task's */
		pd->secondary = pd->trace_frames > 0;
		return;
	}
	static const char *const side_stacks[] = {
		"Allocated by task", "Freed by task", "Last potentially related", "Second to last potentially related",
		"The buggy address", "Memory state around the buggy address", "Uninit was created at", "Uninit was stored to memory at",
		"kfence-#", "Showing all locks held", "Showing busy workqueues", "Preemption disabled at", "irq event stamp",
		"hardirqs last", "softirqs last",
	};
	if (line_is(q, end, side_stacks, ARRAY_LENGTH(side_stacks))) {
		pd->secondary = true;
		return;
	}
	if (console_starts(q, end, "stack backtrace:")) {
		pd->backtrace_seen = true;
		pd->secondary = false;
		return;
	}
	if (*q == '<') {
		static const struct {
			const char *marker;
			int irq, nmi; /* 1 enter, -1 leave, 0 unchanged */
		} markers[] = {
			{ "<IRQ>", 1, 0 }, { "</IRQ>", -1, 0 }, { "<EOI>", -1, 0 }, { "<SOFTIRQ>", 1, 0 }, { "</SOFTIRQ>", -1, 0 },
			{ "<NMI>", 0, 1 }, { "</NMI>", 0, -1 }, { "<<EOE>>", 0, -1 }, { "<EOE>", 0, -1 }, { "<TASK>", -1, -1 },
			{ "</TASK>", 0, 0 }, { "<#DF>", 0, 0 }, { "</#DF>", 0, 0 },
		};
		for (size_t i = 0; i < ARRAY_LENGTH(markers); i++) {
			if (console_starts(q, end, markers[i].marker)) {
				if (markers[i].irq)
					pd->in_irq = markers[i].irq > 0;
				if (markers[i].nmi)
					pd->in_nmi = markers[i].nmi > 0;
				q += strlen(markers[i].marker); /* 3.x: " <IRQ>  [<ffffffff81234567>] f+0x1/0x2" */
				break;
			}
		}
	}
	struct console_frame f;
	bool lock_chain = streq(pd->r.kind, "lockdep") && !pd->backtrace_seen;
	int where = console_location_parse(q, end, &f);
	if (where) {
		enum console_frame_rank rank = where == 2 || pd->secondary || lock_chain ? CONSOLE_RANK_SECONDARY
					       : pd->trace_frames ? CONSOLE_RANK_TRACE
								  : CONSOLE_RANK_LOCATION;
		add_frame(pd, &f, rank);
		return;
	}
	if (console_frame_parse(q, end, &f)) {
		/* 2.6: "Unable to handle kernel NULL pointer dereference at 0000000000000010 RIP: " and
		 * the faulting frame on the next line */
		if (pd->lines == 0 && !pd->nframes)
			add_frame(pd, &f, CONSOLE_RANK_LOCATION);
		else
			add_frame(pd, &f, pd->secondary || lock_chain ? CONSOLE_RANK_SECONDARY : CONSOLE_RANK_TRACE);
	}
}

static bool same_caller(const struct pending *pd, const char *caller)
{
	return !caller[0] || !pd->caller[0] || streq(pd->caller, caller);
}

/* The most recent report whose body is open, for a line from this caller. */
static struct pending *open_report(struct console_scan *s, const char *caller)
{
	for (size_t i = s->npend; i-- > 0;)
		if (s->pend[i].open && same_caller(&s->pend[i], caller))
			return &s->pend[i];
	return NULL;
}

static struct pending *start_report(struct console_scan *s, const struct console_line *l, const char *caller, size_t offset)
{
	struct pending *pd = add_pending(s);
	snprintf(pd->r.kind, sizeof(pd->r.kind), "%s", l->kind);
	copy_field(pd->r.title, sizeof(pd->r.title), l->title, (size_t)(l->title_end - l->title));
	pd->r.offset = offset;
	pd->r.line = pd->start_line = s->line_no;
	snprintf(pd->caller, sizeof(pd->caller), "%s", caller);
	pd->flags = l->flags;
	pd->open = true;
	pd->fault = (l->flags & CONSOLE_FAULT) != 0;
	struct console_frame f;
	if (console_title_frame(l->title, l->title_end, &f))
		add_frame(pd, &f, CONSOLE_RANK_TITLE);
	if (l->flags & CONSOLE_WINDOWS)
		parse_windows(l->title, l->title_end, &pd->r);
	return pd;
}

static void retitle(struct pending *pd, const struct console_line *l)
{
	snprintf(pd->r.kind, sizeof(pd->r.kind), "%s", l->kind);
	copy_field(pd->r.title, sizeof(pd->r.title), l->title, (size_t)(l->title_end - l->title));
}

/* A line that starts a report: joined to the report above it when it is that report's other
 * half, else a new report. */
static void on_title(struct console_scan *s, const struct console_line *l, const char *caller, size_t offset)
{
	struct pending *cur = open_report(s, caller);
	size_t distance = cur ? s->line_no - cur->start_line : 0;
	if (cur && (cur->flags & CONSOLE_PREMSG) && !cur->merged && distance <= MERGE_WINDOW && (l->flags & CONSOLE_LOCATED)) {
		/* "refcount_t: underflow; use-after-free." then "WARNING: ... refcount_warn_saturate" */
		cur->merged = true;
		cur->flags |= CONSOLE_LOCATED;
		if (l->flags & CONSOLE_FAULT)
			cur->fault = true;
		struct console_frame f;
		if (console_title_frame(l->title, l->title_end, &f))
			add_frame(cur, &f, CONSOLE_RANK_TITLE);
		return;
	}
	if (cur && (cur->flags & CONSOLE_LOCATED) && !cur->merged && distance <= 3 && (l->flags & CONSOLE_PREMSG)) {
		/* before 4.19 the message followed the WARNING line */
		cur->merged = true;
		retitle(cur, l);
		return;
	}
	if (cur && (cur->flags & CONSOLE_OOM_START) && (l->flags & (CONSOLE_OOM_KILL | CONSOLE_OOM_PANIC))) {
		if ((l->flags & CONSOLE_OOM_PANIC) || !cur->oom_titled)
			retitle(cur, l);
		cur->oom_titled = true;
		return;
	}
	if (cur)
		cur->open = false;
	start_report(s, l, caller, offset);
}

/* An oops header: the second line of a fault ("BUG: unable to handle ..." then "Oops: 0000
 * [#1]"), or a report of its own ("general protection fault ...", "invalid opcode: 0000 [#1]"). */
static void on_die(struct console_scan *s, const struct console_line *l, const char *caller, size_t offset)
{
	struct pending *cur = open_report(s, caller);
	if (cur && cur->fault && !cur->die && s->line_no - cur->start_line <= FAULT_WINDOW) {
		cur->die = true;
		return;
	}
	if (cur)
		cur->open = false;
	struct pending *pd = start_report(s, l, caller, offset);
	pd->fault = pd->die = true;
}

static void on_panic(struct console_scan *s, const struct console_line *l, const char *p, const char *end,
		     const char *caller, size_t offset)
{
	const char *reason = l->title;
	for (size_t i = s->npend; i-- > 0;) {
		struct pending *pd = &s->pend[i];
		if (pd->panicked || !((pd->fault && pd->life < LIFE_SURVIVED) || console_panic_ends(pd->r.kind, reason, end)))
			continue;
		pd->panicked = true;
		copy_field(pd->r.reason, sizeof(pd->r.reason), reason, (size_t)(end - reason));
		if (streq(pd->r.kind, "oom-kill") && streq(console_panic_kind(reason, end), "oom")) {
			/* the OOM killer's report ends in panic_on_oom: an OOM panic */
			snprintf(pd->r.kind, sizeof(pd->r.kind), "oom");
			if (!pd->oom_titled)
				copy_field(pd->r.title, sizeof(pd->r.title), p, (size_t)(end - p));
		}
		return;
	}
	/* a panic of its own: "VFS: Unable to mount root fs", "Attempted to kill init!", or the
	 * panic of a report that is not in the text */
	struct pending *cur = open_report(s, caller);
	if (cur)
		cur->open = false;
	struct console_line own = { CONSOLE_LINE_TITLE, console_panic_kind(reason, end), 0, p, end };
	struct pending *pd = start_report(s, &own, caller, offset);
	pd->panicked = true;
	copy_field(pd->r.reason, sizeof(pd->r.reason), reason, (size_t)(end - reason));
}

/* Registers, code bytes and frames: what x86 repeats after "---[ end trace ]---", not a sign
 * that the kernel went on. */
static bool report_like(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	static const char *const parts[] = { "Code: ", "Instruction dump:", "Krnl ", "<", "Call Trace", "Call trace", "Stack:",
					     "Hardware name:", "CPU: ", "Pid: ", "Modules linked in", "Backtrace:" };
	if (line_is(p, end, parts, ARRAY_LENGTH(parts)))
		return true;
	/* "RAX: 0000000000000000 RBX: ...", "FS:  00007f..", "GPR00: c000...", "x29: ffff8000..." */
	const char *q = p;
	while (q < end && q - p < 7 && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || is_digit(*q)))
		q++;
	if (q > p && q < end && (*q == ':' || *q == ' ')) {
		while (q < end && *q == ' ')
			q++;
		if (q < end && *q == ':') {
			q++;
			while (q < end && *q == ' ')
				q++;
			int hex = 0;
			while (q < end && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F')))
				q++, hex++;
			if (hex >= 4)
				return true;
		}
	}
	struct console_frame f;
	return console_location_parse(p, end, &f) || console_frame_parse(p, end, &f);
}

static void scan_line(struct console_scan *s, const char *line, const char *eol, size_t offset)
{
	s->line_no++;
	if ((size_t)(eol - line) > LINE_BYTES)
		eol = line + LINE_BYTES;
	while (eol > line && (eol[-1] == '\r' || eol[-1] == ' ' || eol[-1] == '\t'))
		eol--;
	char caller[16];
	const char *p = strip_prefix(line, eol, caller);
	struct console_line l;
	console_line_classify(p, eol, &l);
	switch (l.type) {
	case CONSOLE_LINE_BOOT:
		while (s->npend)
			finish(s, 0, true);
		return;
	case CONSOLE_LINE_PANIC:
		on_panic(s, &l, p, eol, caller, offset);
		return;
	case CONSOLE_LINE_TITLE:
		on_title(s, &l, caller, offset);
		break;
	case CONSOLE_LINE_DIE:
		on_die(s, &l, caller, offset);
		break;
	default: {
		struct pending *pd = open_report(s, caller);
		if (pd) {
			feed(pd, p, eol);
			if (l.type == CONSOLE_LINE_END_TRACE || ++pd->lines > REGION_LINES)
				pd->open = false;
		}
		if (l.type != CONSOLE_LINE_OTHER || p == eol)
			return;
	}
	}
	/* output after a report's body: the kernel went on */
	if (!s->npend || (l.type == CONSOLE_LINE_OTHER && report_like(p, eol)))
		return;
	for (size_t i = 0; i < s->npend;) {
		struct pending *pd = &s->pend[i];
		if (pd->open || pd->r.line == s->line_no) {
			i++;
			continue;
		}
		pd->life++;
		if ((pd->fault && !pd->panicked && pd->life >= LIFE_SURVIVED) || pd->life >= LIFE_FORGET)
			finish(s, i, false);
		else
			i++;
	}
}

/* The guilty frame and the module: the first frame that is not reporting machinery, unless a
 * frame of an out-of-tree module is on the stack: then that one. */
static void attribute(struct pending *pd)
{
	const char *kind = pd->r.kind;
	bool detector = console_kind_irq_detector(kind);
	const struct console_frame *guilty = NULL, *messenger = NULL, *oot = NULL;
	for (int rank = CONSOLE_RANK_TITLE; rank <= CONSOLE_RANK_SECONDARY; rank++) {
		for (size_t i = 0; i < pd->nframes; i++) {
			const struct console_frame *f = &pd->frames[i];
			if (f->rank != rank || (f->flags & CONSOLE_FRAME_UNRELIABLE))
				continue;
			if (rank <= CONSOLE_RANK_LOCATION && !messenger)
				messenger = f;
			if (detector && ((f->flags & CONSOLE_FRAME_NMI) || ((f->flags & CONSOLE_FRAME_IRQ) && !streq(kind, "hard-lockup"))))
				continue;
			if (!oot && rank != CONSOLE_RANK_SECONDARY && f->module[0]) {
				bool listed = false;
				for (size_t m = 0; m < pd->noot && !listed; m++)
					listed = streq(pd->oot[m], f->module);
				if (listed || (!pd->modules_seen && pd->taint_oot))
					oot = f;
			}
			if (!guilty && !console_frame_skipped(kind, f))
				guilty = f;
		}
	}
	if (oot)
		guilty = oot;
	if (!guilty && console_kind_has_messenger(kind))
		guilty = messenger;
	if (guilty) {
		snprintf(pd->r.function, sizeof(pd->r.function), "%s", guilty->function);
		snprintf(pd->r.module, sizeof(pd->r.module), "%s", guilty->module);
	}
}

static struct pending *add_pending(struct console_scan *s)
{
	if (s->npend == PENDING_MAX)
		finish(s, 0, false);
	struct pending *pd = &s->pend[s->npend++];
	memset(pd, 0, sizeof(*pd));
	return pd;
}

/* Ends report i: decides whether it was fatal, names its frame, and hands it out. at_end: the
 * output ended (or the machine rebooted) after it. */
static void finish(struct console_scan *s, size_t i, bool at_end)
{
	struct pending *pd = &s->pend[i];
	struct console_report *r = &pd->r;
	r->fatal = pd->panicked || (pd->flags & CONSOLE_WINDOWS) || (at_end && pd->fault && pd->life < LIFE_SURVIVED);
	if (pd->flags & CONSOLE_WINDOWS) {
		if (r->bugcheck && !r->reason[0])
			snprintf(r->reason, sizeof(r->reason), "%s", bugcheck_name(r->bugcheck));
		/* one title whatever reported it (STOP line, blue screen, the hypervisor's registers) */
		if (r->bugcheck)
			snprintf(r->title, sizeof(r->title), "bugcheck 0x%08X %s", r->bugcheck, bugcheck_name(r->bugcheck));
	} else {
		attribute(pd);
	}
	_cleanup_free_ char *sig = crash_signature(r->title, r->function, r->module);
	snprintf(r->signature, sizeof(r->signature), "%s", sig);
	s->total++;
	if (s->stored < s->max)
		s->out[s->stored++] = *r;
	const struct console_report *p = s->have_principal ? &s->principal : NULL;
	if (!p || (r->fatal && !p->fatal) || (r->fatal == p->fatal && r->offset < p->offset)) {
		s->principal = *r;
		s->have_principal = true;
	}
	memmove(&s->pend[i], &s->pend[i + 1], (s->npend - i - 1) * sizeof(s->pend[0]));
	s->npend--;
}

struct console_scan *console_scan_new(size_t max)
{
	struct console_scan *s = xzalloc(sizeof(*s));
	s->max = max;
	s->out = max ? xcalloc(max, sizeof(*s->out)) : NULL;
	return s;
}

void console_scan_feed(struct console_scan *s, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if (s->in_line || !nl) {
			/* a line that spans pieces: keep its first LINE_BYTES bytes */
			if (!s->in_line) {
				s->in_line = true;
				s->buflen = 0;
				s->buf_offset = s->offset;
			}
			size_t n = (size_t)(eol - p);
			if (n > LINE_BYTES - s->buflen)
				n = LINE_BYTES - s->buflen;
			memcpy(s->buf + s->buflen, p, n);
			s->buflen += n;
			if (nl) {
				scan_line(s, s->buf, s->buf + s->buflen, s->buf_offset);
				s->in_line = false;
			}
		} else {
			scan_line(s, p, eol, s->offset);
		}
		size_t used = (size_t)(eol - p) + (nl ? 1 : 0);
		s->offset += used;
		p += used;
	}
}

static int by_offset(const void *a, const void *b)
{
	const struct console_report *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

size_t console_scan_end(struct console_scan *s, const struct console_report **reports, size_t *total)
{
	if (!s->ended) {
		if (s->in_line) {
			scan_line(s, s->buf, s->buf + s->buflen, s->buf_offset);
			s->in_line = false;
		}
		while (s->npend)
			finish(s, 0, true);
		if (s->stored)
			qsort(s->out, s->stored, sizeof(*s->out), by_offset);
		s->ended = true;
	}
	if (reports)
		*reports = s->out;
	if (total)
		*total = s->total;
	return s->stored;
}

const struct console_report *console_scan_principal(const struct console_scan *s)
{
	return s->have_principal ? &s->principal : NULL;
}

void console_scan_free(struct console_scan *s)
{
	if (!s)
		return;
	free(s->out);
	free(s);
}

size_t console_reports(const char *text, size_t len, struct console_report *out, size_t max)
{
	struct console_scan *s = console_scan_new(max);
	console_scan_feed(s, text, len);
	const struct console_report *r;
	size_t total, n = console_scan_end(s, &r, &total);
	if (n)
		memcpy(out, r, n * sizeof(*r));
	console_scan_free(s);
	return total;
}

void console_classify(const char *text, size_t len, struct console_crash *c)
{
	memset(c, 0, sizeof(*c));
	struct console_scan *s = console_scan_new(0);
	console_scan_feed(s, text, len);
	console_scan_end(s, NULL, NULL);
	const struct console_report *r = console_scan_principal(s);
	if (r) {
		c->crashed = r->fatal;
		snprintf(c->kind, sizeof(c->kind), "%s", r->kind);
		snprintf(c->title, sizeof(c->title), "%s", r->title);
		snprintf(c->module, sizeof(c->module), "%s", r->module);
		snprintf(c->function, sizeof(c->function), "%s", r->function);
		snprintf(c->reason, sizeof(c->reason), "%s", r->reason);
		c->bugcheck = r->bugcheck;
		memcpy(c->bugcheck_args, r->bugcheck_args, sizeof(c->bugcheck_args));
		c->offset = r->offset;
	}
	console_scan_free(s);
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
		/* an absolute path is where the module was built, not what broke: keep its last part */
		if (*p == '/' && (p == title || p[-1] == ' ')) {
			const char *end = p + strcspn(p, " "), *last = p;
			for (const char *q = p; q < end; q++)
				if (*q == '/')
					last = q + 1;
			p = last;
			continue;
		}
		/* compiler clones are the same function: f.isra.0, f.constprop.3, f.part.1, f.cold */
		if (*p == '.' && p > title && is_word(p[-1])) {
			static const char *const clones[] = { ".isra.", ".constprop.", ".part.", ".cold" };
			size_t k;
			for (k = 0; k < ARRAY_LENGTH(clones); k++)
				if (strncmp(p, clones[k], strlen(clones[k])) == 0)
					break;
			if (k < ARRAY_LENGTH(clones)) {
				const char *q = p + strlen(clones[k]);
				while (*q >= '0' && *q <= '9')
					q++;
				if (!is_word(*q) || *q == '.') {
					p = q;
					continue;
				}
			}
		}
		/* "CPU: 3 PID: 12 Comm: x" trailers say where, not what */
		if (strncmp(p, " CPU: ", 6) == 0 || strncmp(p, " PID: ", 6) == 0 || strncmp(p, " Comm: ", 7) == 0) {
			/* "WARNING: CPU: 1 PID: 23 at x.c:12 f": the place goes on after them */
			const char *at = strstartswith(title, "WARNING:") ? strstr(p, " at ") : NULL;
			if (!at)
				break;
			p = at;
			continue;
		}
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
