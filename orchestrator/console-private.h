/* console-private.h: what the console classifier's files share: the kinds of lines
 * (console-kinds.c) and stack frames (console-stack.c) that console.c assembles into reports. */
#pragma once

#include "console.h"

/* What a line of kernel output is, after its timestamp and log prefixes. */
enum console_line_type {
	CONSOLE_LINE_OTHER,
	CONSOLE_LINE_TITLE,     /* starts a report */
	CONSOLE_LINE_DIE,       /* an oops header ("Oops: 0000 [#1]", "invalid opcode: 0000 [#1]", ...):
				 * part of the report above it, or a report of its own */
	CONSOLE_LINE_PANIC,     /* "Kernel panic - not syncing: REASON" */
	CONSOLE_LINE_BOOT,      /* a reboot or a new boot: what came before is over */
	CONSOLE_LINE_END_TRACE, /* "---[ end trace ...]---" */
	CONSOLE_LINE_EPILOGUE,  /* said after a report, no sign that the kernel went on */
};

enum console_title_flag {
	CONSOLE_FAULT = 1 << 0,    /* the kernel dies of it (an oops follows) */
	CONSOLE_PREMSG = 1 << 1,   /* a message a WARNING or a kernel BUG follows, or precedes in old kernels */
	CONSOLE_LOCATED = 1 << 2,  /* a WARNING or kernel BUG line: a premessage names it better */
	CONSOLE_WINDOWS = 1 << 3,  /* a Windows bugcheck: always fatal */
	CONSOLE_OOM_START = 1 << 4, /* "X invoked oom-killer": the title comes later */
	CONSOLE_OOM_KILL = 1 << 5, /* "Out of memory: Killed process" */
	CONSOLE_OOM_PANIC = 1 << 6, /* "Out of memory and no killable processes" */
};

struct console_line {
	enum console_line_type type;
	const char *kind;
	unsigned flags;
	const char *title, *title_end; /* the title, or the panic reason */
};

/* Classifies one line (p..end, prefixes already stripped). */
void console_line_classify(const char *p, const char *end, struct console_line *l);
/* The kind a panic reason names when no report precedes it ("softlockup: hung tasks" ...). */
const char *console_panic_kind(const char *reason, const char *end);
/* Does a panic with this reason end a report of this kind (panic_on_warn, softlockup_panic ...)? */
bool console_panic_ends(const char *kind, const char *reason, const char *end);

enum console_frame_flag {
	CONSOLE_FRAME_UNRELIABLE = 1 << 0, /* "? f+0x1/0x2", "(unreliable)", s390's "([<...>] f)" */
	CONSOLE_FRAME_IRQ = 1 << 1,        /* between <IRQ> and </IRQ> (or <EOI>) */
	CONSOLE_FRAME_NMI = 1 << 2,        /* between <NMI> and </NMI> */
};

enum console_frame_rank {
	CONSOLE_RANK_TITLE,     /* named by the title: "KASAN: ... in f", "WARNING: ... at x.c:1 f" */
	CONSOLE_RANK_LOCATION,  /* the faulting address before the call trace: RIP, pc, NIP, PSW ... */
	CONSOLE_RANK_TRACE,     /* the call trace, in order */
	CONSOLE_RANK_SECONDARY, /* link register, lock chains, allocation stacks, other CPUs */
};

struct console_frame {
	char function[96];
	char module[56];
	uint8_t rank;
	uint8_t flags;
};

/* A call trace line ("[<ffffffff81234567>] ? f+0x1/0x2 [m]", ARM's "(f) from (g)", ppc's
 * "[c...] [c...] f+0x1/0x2 (unreliable)", s390's "([<...>] f+0x1/0x2)", symbolized "f file.c:12").
 * True when it is one. */
bool console_frame_parse(const char *p, const char *end, struct console_frame *f);
/* A location line (RIP:, IP:, EIP:, PC is at, pc :, NIP [..], Krnl PSW, epc : ...): 1 for the
 * faulting address, 2 for the return address (LR), 0 for none. */
int console_location_parse(const char *p, const char *end, struct console_frame *f);
/* The function a title names ("BUG: KASAN: use-after-free in f+0x1/0x2 [m]", "WARNING: CPU: 0
 * PID: 1 at x.c:12 f+0x1/0x2", "stack-protector: Kernel stack is corrupted in: f+0x1/0x2"). */
bool console_title_frame(const char *p, const char *end, struct console_frame *f);
/* Is this frame reporting machinery or a generic helper for a report of this kind? */
bool console_frame_skipped(const char *kind, const struct console_frame *f);
/* Should a report of this kind fall back to the messenger when no frame is left? */
bool console_kind_has_messenger(const char *kind);
/* Stack traces of these kinds are taken from an interrupt: frames inside <IRQ> are the detector's. */
bool console_kind_irq_detector(const char *kind);

/* Shared small helpers. */
bool console_starts(const char *p, const char *end, const char *prefix);
const char *console_find(const char *p, const char *end, const char *needle);
