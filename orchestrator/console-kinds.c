/* console-kinds.c: what each kernel report looks like. A table of the lines that start a report
 * (a prefix, or a phrase inside the line) and the kind they name, the oops headers of every
 * architecture, panic reasons, and the lines that end a boot. Text that merely contains
 * "WARNING", "error" or "panic" matches nothing: each entry is a format the kernel prints. */
#include "console-private.h"

#include <string.h>

bool console_starts(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

const char *console_find(const char *p, const char *end, const char *needle)
{
	if (p >= end)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, strlen(needle));
}

enum match { PREFIX, CONTAINS };

static const struct title {
	enum match how;
	const char *text;
	const char *kind;
	unsigned flags;
} titles[] = {
	/* sanitizers */
	{ PREFIX, "BUG: KASAN: ", "kasan", 0 },
	{ PREFIX, "BUG: AddressSanitizer: ", "kasan", 0 },
	{ PREFIX, "BUG: KFENCE: ", "kfence", 0 },
	{ PREFIX, "BUG: KMSAN: ", "kmsan", 0 },
	{ PREFIX, "BUG: KCSAN: ", "kcsan", 0 },
	{ PREFIX, "UBSAN: ", "ubsan", 0 },
	{ PREFIX, "unreferenced object 0x", "kmemleak", 0 },
	/* faults: an oops header follows */
	{ PREFIX, "BUG: unable to handle ", "bug", CONSOLE_FAULT },
	{ PREFIX, "BUG: kernel NULL pointer dereference", "bug", CONSOLE_FAULT },
	{ PREFIX, "BUG: Kernel NULL pointer dereference", "bug", CONSOLE_FAULT }, /* powerpc */
	{ PREFIX, "BUG: Unable to handle kernel ", "bug", CONSOLE_FAULT },       /* powerpc */
	{ PREFIX, "Unable to handle kernel ", "bug", CONSOLE_FAULT },            /* arm, arm64, ppc, s390, 2.6 */
	{ PREFIX, "kernel BUG at ", "bug", CONSOLE_FAULT | CONSOLE_LOCATED },
	{ PREFIX, "BUG: stack guard page was hit", "stack-overflow", CONSOLE_FAULT },
	{ PREFIX, "Insufficient stack space to handle exception", "stack-overflow", CONSOLE_FAULT }, /* arm64 */
	{ PREFIX, "Kernel stack overflow", "stack-overflow", CONSOLE_FAULT },    /* powerpc, s390 */
	{ PREFIX, "Thread overran stack, or stack corrupted", "stack-overflow", CONSOLE_FAULT },
	{ PREFIX, "usercopy: Kernel memory ", "bug", CONSOLE_PREMSG },
	/* messages of a WARNING or a BUG */
	{ PREFIX, "refcount_t: ", "refcount", CONSOLE_PREMSG },
	{ PREFIX, "list_add corruption", "list-corruption", CONSOLE_PREMSG },
	{ PREFIX, "list_del corruption", "list-corruption", CONSOLE_PREMSG },
	{ PREFIX, "list_add double add", "list-corruption", CONSOLE_PREMSG },
	{ PREFIX, "list_add_rcu corruption", "list-corruption", CONSOLE_PREMSG },
	{ PREFIX, "list_del_rcu corruption", "list-corruption", CONSOLE_PREMSG },
	/* lockups, stalls, hangs */
	{ CONTAINS, "BUG: soft lockup", "soft-lockup", 0 },
	{ CONTAINS, "detected hard LOCKUP", "hard-lockup", CONSOLE_PREMSG },
	{ CONTAINS, "Watchdog detected LOCKUP", "hard-lockup", 0 },
	{ CONTAINS, " self-detected stall on CPU", "rcu-stall", 0 },
	{ CONTAINS, " detected stalls on CPUs/tasks", "rcu-stall", 0 },
	{ CONTAINS, " detected expedited stalls on CPUs/tasks", "rcu-stall", 0 },
	{ CONTAINS, " detected stalls on tasks", "rcu-stall", 0 },
	{ CONTAINS, " detected stall on CPU", "rcu-stall", 0 },
	{ PREFIX, "BUG: workqueue lockup", "bug", 0 },
	/* the rest of the BUG family */
	{ PREFIX, "BUG: sleeping function called from invalid context", "atomic-sleep", 0 },
	{ PREFIX, "BUG: scheduling while atomic", "atomic-sleep", 0 },
	{ PREFIX, "BUG: spinlock ", "spinlock", 0 },
	{ PREFIX, "BUG: rwlock ", "spinlock", 0 },
	{ PREFIX, "BUG: Bad page ", "bad-page", 0 },
	{ PREFIX, "BUG: Bad rss-counter", "bad-page", 0 },
	{ PREFIX, "BUG: non-zero pgtables_bytes", "bad-page", 0 },
	{ PREFIX, "Badness at ", "warning", CONSOLE_LOCATED }, /* powerpc's old WARN */
	/* out of memory */
	{ CONTAINS, " invoked oom-killer: ", "oom-kill", CONSOLE_OOM_START },
	{ PREFIX, "Out of memory: Kill", "oom-kill", CONSOLE_OOM_KILL },
	{ PREFIX, "Memory cgroup out of memory: Kill", "oom-kill", CONSOLE_OOM_KILL },
	{ PREFIX, "Out of memory and no killable processes", "oom", CONSOLE_OOM_PANIC },
	/* Windows */
	{ PREFIX, "*** STOP: 0x", "bugcheck", CONSOLE_WINDOWS },
	{ PREFIX, "*** Fatal System Error: 0x", "bugcheck", CONSOLE_WINDOWS },
	{ PREFIX, "Your PC ran into a problem", "bugcheck", CONSOLE_WINDOWS },
	{ PREFIX, "Your device ran into a problem", "bugcheck", CONSOLE_WINDOWS },
	{ CONTAINS, "panic hyper-v: arg1=", "bugcheck", CONSOLE_WINDOWS },
	/* last: any other BUG */
	{ PREFIX, "BUG: ", "bug", 0 },
};

/* lockdep's headers, after "WARNING: " (or "INFO: ", "BUG: ", "[ INFO: " in old kernels) */
static const char *const lockdep_phrases[] = {
	"possible circular locking dependency", "possible recursive locking", "inconsistent lock state",
	"suspicious RCU usage", "bad unlock balance", "held lock freed", "lock held when returning to user space",
	"possible irq lock inversion", "HARDIRQ-safe -> HARDIRQ-unsafe", "SOFTIRQ-safe -> SOFTIRQ-unsafe",
	"HARDIRQ-READ-safe -> HARDIRQ-unsafe", "SOFTIRQ-READ-safe -> SOFTIRQ-unsafe", "Nested lock was not taken",
	"bad contention detected", "still has locks held", "trying to register non-static key",
	"MAX_LOCK_DEPTH too low", "MAX_LOCKDEP_ENTRIES too low", "MAX_LOCKDEP_KEYS too low",
	"MAX_LOCKDEP_CHAINS too low", "MAX_STACK_TRACE_ENTRIES too low", "looking up invalid subclass",
	"lock held at task exit", "possible deadlock",
};

/* Lines that end a boot (a reboot, or the next boot's first words). */
static const char *const boot_markers[] = {
	"Linux version ", "Booting Linux on physical CPU", "reboot: Restarting system", "reboot: Power down",
	"Restarting system", "Rebooting in ", "SeaBIOS (version", "U-Boot ", "Uncompressing Linux",
	"Decompressing Linux", "Starting kernel ...", "Command line: BOOT_IMAGE",
};

/* Lines that a report ends with, said by a kernel that may be dying. */
static const char *const epilogue[] = {
	"note: ", "Kernel Offset: ", "---[ end Kernel panic", "Rebooting in ", "CR2: ", "Dumping ftrace buffer",
	"Code: ", "RIP  [<", " RSP <", "EIP: [<", "Modules linked in:", "---[ end trace", "Last Breaking-Event-Address",
	"Kernel panic - not syncing", "SMP: stopping secondary CPUs", "Shutting down cpus with NMI",
	"CPU1: stopping", "CPU2: stopping", "CPU3: stopping", "ACPI MEMORY or I/O RESET_REG.",
};

static bool is_hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "NAME: 0000 [#1]" (x86 traps, the 2.6 "[1]" too): the position after the name's ": ", or NULL. */
static const char *trap_code(const char *p, const char *end)
{
	const char *colon = NULL;
	for (const char *q = p; q < end && q - p < 48; q++) {
		char c = *q;
		if (c == ':') {
			colon = q;
			break;
		}
		if (!((c >= 'a' && c <= 'z') || c == ' ' || c == '(' || c == ')' || c == '-' || (c >= '0' && c <= '9')))
			return NULL;
	}
	if (!colon || colon == p || end - colon < 9 || colon[1] != ' ')
		return NULL;
	const char *h = colon + 2;
	for (int i = 0; i < 4; i++)
		if (!is_hexdigit(h[i]))
			return NULL;
	if (h[4] != ' ' || h[5] != '[' || !(h[6] == '#' || is_digit(h[6])))
		return NULL;
	return h;
}

/* Oops headers of every architecture. Sets kind and the title (without a leading "Oops: " when
 * the rest names the trap, so that kernels before and after 6.9 give one title). */
static bool die_header(const char *p, const char *end, struct console_line *l)
{
	const char *q = p;
	bool oops = false;
	while (console_starts(q, end, "Oops: ")) {
		q += 6;
		oops = true;
	}
	l->title = oops ? q : p;
	l->title_end = end;
	if (console_starts(q, end, "general protection fault")) {
		l->kind = "gpf";
		return true;
	}
	if (console_starts(q, end, "Internal error: ")) { /* arm, arm64 */
		l->title = p;
		l->kind = console_find(q, end, "BUG") ? "bug" : console_find(q, end, "undefined instruction") ? "trap" : "oops";
		return console_find(q, end, "[#") != NULL;
	}
	if (console_starts(q, end, "PANIC: double fault")) {
		l->kind = "trap";
		return true;
	}
	const char *hash = console_find(q, end, "[#");
	if (hash && console_find(q, end, " ilc:")) { /* s390 program checks */
		l->kind = oops && is_hexdigit(*q) ? "oops" : "trap";
		if (oops && is_hexdigit(*q))
			l->title = p;
		return true;
	}
	const char *code = trap_code(q, end);
	if (code) {
		if (console_starts(q, end, "kernel stack overflow"))
			l->kind = "stack-overflow";
		else
			l->kind = "trap";
		return true;
	}
	bool coded = end - q >= 6 && is_hexdigit(q[0]) && is_hexdigit(q[1]) && is_hexdigit(q[2]) && is_hexdigit(q[3]) &&
		     q[4] == ' ' && q[5] == '[';
	if (oops && (coded || hash || console_find(q, end, ", sig: "))) { /* x86, powerpc */
		l->title = p;
		if (q > p + 6) /* "Oops: Oops: 0000" */
			l->title = q - 6;
		l->kind = "oops";
		return true;
	}
	return false;
}

/* "WARNING: CPU: 1 PID: 23 at FILE:LINE" or "WARNING: at FILE:LINE" */
static bool kernel_warning(const char *p, const char *end)
{
	const char *q = p + strlen("WARNING: ");
	if (console_starts(q, end, "CPU: ")) {
		const char *at = console_find(q, end, " at ");
		return at && console_find(q, at, " PID: ");
	}
	if (!console_starts(q, end, "at "))
		return false;
	/* a file name with a line number */
	bool dot = false;
	for (q += 3; q < end && *q != ' '; q++) {
		dot |= *q == '.';
		if (*q == ':' && dot && q + 1 < end && is_digit(q[1]))
			return true;
	}
	return false;
}

static bool lockdep_title(const char *p, const char *end, struct console_line *l)
{
	static const char *const heads[] = { "WARNING: ", "INFO: ", "BUG: ", "[ INFO: ", "[ BUG: ", "[ WARNING: " };
	for (size_t i = 0; i < ARRAY_LENGTH(heads); i++) {
		if (!console_starts(p, end, heads[i]))
			continue;
		const char *q = p + strlen(heads[i]);
		for (size_t j = 0; j < ARRAY_LENGTH(lockdep_phrases); j++) {
			if (console_starts(q, end, lockdep_phrases[j])) {
				l->type = CONSOLE_LINE_TITLE;
				l->kind = "lockdep";
				/* "[ INFO: inconsistent lock state ]" is "INFO: inconsistent lock state" */
				l->title = p[0] == '[' ? p + 2 : p;
				l->title_end = end;
				if (p[0] == '[' && end - l->title > 2 && end[-1] == ']' && end[-2] == ' ')
					l->title_end = end - 2;
				return true;
			}
		}
	}
	return false;
}

/* Where a stall title ends: after the phrase (and its colon); CPU lists and counters vary. */
static const char *cut_after(const char *p, const char *end, const char *phrase)
{
	const char *at = console_find(p, end, phrase);
	if (!at)
		return end;
	const char *e = at + strlen(phrase);
	if (e < end && *e == ':')
		e++;
	return e;
}

void console_line_classify(const char *p, const char *end, struct console_line *l)
{
	memset(l, 0, sizeof(*l));
	if (p >= end)
		return;
	l->title = p;
	l->title_end = end;
	char c = *p;
	if (c == 'K' && console_starts(p, end, "Kernel panic - not syncing")) {
		l->type = CONSOLE_LINE_PANIC;
		const char *r = p + strlen("Kernel panic - not syncing");
		while (r < end && (*r == ':' || *r == ' '))
			r++;
		l->title = r;
		return;
	}
	if (c == '-' && console_starts(p, end, "---[ end trace")) {
		l->type = CONSOLE_LINE_END_TRACE;
		return;
	}
	for (size_t i = 0; i < ARRAY_LENGTH(boot_markers); i++) {
		if (boot_markers[i][0] == c && console_starts(p, end, boot_markers[i])) {
			l->type = CONSOLE_LINE_BOOT;
			return;
		}
	}
	if ((c == 'W' || c == 'I' || c == 'B' || c == '[') && lockdep_title(p, end, l))
		return;
	if (c == 'W' && console_starts(p, end, "WARNING: ")) {
		if (kernel_warning(p, end)) {
			l->type = CONSOLE_LINE_TITLE;
			l->kind = "warning";
			l->flags = CONSOLE_LOCATED;
		}
		return; /* any other WARNING is someone else's */
	}
	if (c == 'I' && console_starts(p, end, "INFO: task ") && console_find(p, end, " blocked for more than ")) {
		l->type = CONSOLE_LINE_TITLE;
		l->kind = "hung-task";
		return;
	}
	if (c == 'k' && console_starts(p, end, "kernel BUG at ")) {
		l->type = CONSOLE_LINE_TITLE;
		l->kind = "bug";
		l->flags = CONSOLE_FAULT | CONSOLE_LOCATED;
		return;
	}
	if (die_header(p, end, l)) {
		l->type = CONSOLE_LINE_DIE;
		return;
	}
	l->title = p;
	l->title_end = end;
	/* phrases inside a line are looked for only in lines that hold their rarest word: a console
	 * of ordinary lines costs four searches a line, not one per phrase */
	static const char *const gates[] = { "detected", "BUG: soft", "oom-killer", "hyper-v" };
	bool gated[ARRAY_LENGTH(gates)];
	for (size_t i = 0; i < ARRAY_LENGTH(gates); i++)
		gated[i] = console_find(p, end, gates[i]) != NULL;
	for (size_t i = 0; i < ARRAY_LENGTH(titles); i++) {
		const struct title *t = &titles[i];
		if (t->how == CONTAINS) {
			bool open = false;
			for (size_t g = 0; g < ARRAY_LENGTH(gates); g++)
				open |= gated[g] && strstr(t->text, gates[g]);
			if (!open)
				continue;
		}
		if (t->how == PREFIX ? (t->text[0] == c && console_starts(p, end, t->text)) : console_find(p, end, t->text) != NULL) {
			l->type = CONSOLE_LINE_TITLE;
			l->kind = t->kind;
			l->flags = t->flags;
			if (streq(t->kind, "rcu-stall"))
				l->title_end = cut_after(p, end, t->text + 1);
			if (t->flags & CONSOLE_OOM_KILL) {
				/* "... (comm) total-vm:...": sizes change with every run */
				const char *cut = console_find(p, end, " total-vm");
				if (!cut)
					cut = console_find(p, end, " score ");
				if (cut) {
					l->title_end = cut;
					if (cut > p && cut[-1] == ',')
						l->title_end--;
				}
			}
			/* 2.6's "Unable to handle kernel NULL pointer dereference at 0000000000000008 RIP:" */
			if (console_starts(p, end, "Unable to handle kernel ")) {
				const char *rip = console_find(p, end, " RIP:");
				if (rip)
					l->title_end = rip;
			}
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_LENGTH(epilogue); i++) {
		if (epilogue[i][0] == c && console_starts(p, end, epilogue[i])) {
			l->type = CONSOLE_LINE_EPILOGUE;
			return;
		}
	}
}

static const struct {
	const char *phrase;
	const char *kind;
} panic_kinds[] = {
	{ "softlockup", "soft-lockup" },
	{ "hung_task", "hung-task" },
	{ "Hard LOCKUP", "hard-lockup" },
	{ "hardlockup", "hard-lockup" },
	{ "detected hard LOCKUP", "hard-lockup" },
	{ "RCU Stall", "rcu-stall" },
	{ "Out of memory", "oom" },
	{ "out of memory", "oom" },
	{ "System is deadlocked on memory", "oom" },
	{ "panic_on_oom", "oom" },
	{ "stack-protector", "stack-corruption" },
	{ "corrupted stack end", "stack-corruption" },
	{ "kernel stack overflow", "stack-overflow" },
	{ "Corrupt kernel stack", "stack-overflow" },
};

const char *console_panic_kind(const char *reason, const char *end)
{
	for (size_t i = 0; i < ARRAY_LENGTH(panic_kinds); i++)
		if (console_find(reason, end, panic_kinds[i].phrase))
			return panic_kinds[i].kind;
	return "panic";
}

bool console_panic_ends(const char *kind, const char *reason, const char *end)
{
	const char *named = console_panic_kind(reason, end);
	if (!streq(named, "panic"))
		return streq(named, kind) || (streq(named, "oom") && streq(kind, "oom-kill"));
	/* panic_on_warn: every report that goes through __warn or a sanitizer's end_report */
	static const char *const warned[] = { "warning", "lockdep", "kasan", "kmsan", "kcsan", "kfence", "ubsan", "refcount",
					      "list-corruption", "atomic-sleep", "spinlock", "bad-page", "bug" };
	if (console_find(reason, end, "panic_on_warn") || console_find(reason, end, "panic_on_taint"))
		for (size_t i = 0; i < ARRAY_LENGTH(warned); i++)
			if (streq(kind, warned[i]))
				return true;
	return false;
}
