/* fuzz-console.c: the console classifier (whole and in pieces), excerpts and signatures on
 * arbitrary bytes. */
#include <string.h>

#include "console.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct console_crash c;
	console_classify(text, size, &c);
	if (c.crashed) {
		char *sig = crash_signature(c.title, c.function, c.module);
		char *ex = console_excerpt(text, size, c.offset, 20, 60, 16384);
		free(sig);
		free(ex);
	}
	struct console_report reports[8];
	size_t n = console_reports(text, size, reports, ARRAY_LENGTH(reports));
	for (size_t i = 0; i < n && i < ARRAY_LENGTH(reports); i++)
		if (strlen(reports[i].title) >= sizeof(reports[i].title) || reports[i].offset > size)
			abort();
	/* fed in pieces of 7 bytes: the same principal report */
	struct console_scan *scan = console_scan_new(0);
	for (size_t at = 0; at < size; at += 7)
		console_scan_feed(scan, text + at, size - at < 7 ? size - at : 7);
	console_scan_end(scan, NULL, NULL);
	const struct console_report *p = console_scan_principal(scan);
	if ((p != NULL) != (c.title[0] != '\0') || (p && (p->offset != c.offset || strcmp(p->kind, c.kind) != 0)))
		abort();
	console_scan_free(scan);
	free(console_tail(text, size, 60, 16384));
	free(console_last_line(text, size));
	return 0;
}

size_t fuzz_seeds(struct fuzz_seed **out)
{
	static const char *const seeds[] = {
		"[    2.9] BUG: unable to handle page fault for address: ffffd1cf800be000\n[    2.9] RIP: 0010:f+0x1/0x2 [m]\n"
		"[    3.0] Kernel panic - not syncing: Fatal exception\n",
		"*** STOP: 0x00000050 (0xFFFF9C8E0000008C,0x0,0xFFFFF8052F4E1234,0x2)\r\n***  x.sys - Address 1 base at 2\r\n",
		"Your PC ran into a problem\nStop code: PAGE_FAULT_IN_NONPAGED_AREA\nWhat failed: csagent.sys\n",
		"[ 1.0] BUG: KASAN: slab-out-of-bounds in rule_match+0x1a4/0x2b0 [acme]\n",
		"x: panic hyper-v: arg1='0x50', arg2='0x1', arg3='0x0', arg4='0x0', arg5='0x2'\n",
		"<4>[    5.1][  T231] ------------[ cut here ]------------\n<4>[    5.1][  T231] refcount_t: underflow; use-after-free.\n"
		"<4>[    5.1][  T231] WARNING: CPU: 1 PID: 231 at lib/refcount.c:28 refcount_warn_saturate+0xba/0x110\n"
		"<4>[    5.1][  T231] Call Trace:\n<4>[    5.1][  T231]  <TASK>\n<4>[    5.1][  T231]  a_put+0x3c/0x60 [a]\n",
		"Unable to handle kernel NULL pointer dereference at virtual address 00000010\r\nInternal error: Oops: 17 [#1] ARM\r\n"
		"PC is at f+0x24/0x90 [m]\r\n[<bf000024>] (f [m]) from [<c0123456>] (g+0x40/0x120)\r\n",
		"Jan 12 10:00:01 h kernel: INFO: task x:640 blocked for more than 120 seconds.\nJan 12 10:00:01 h kernel:  schedule+0x1/0x2\n",
		"Krnl PSW : 0704e00180000000 000003ff8012345a (f+0x22/0x90 [m])\nOops: 0004 ilc:3 [#1] SMP\nKernel panic - not syncing: Fatal exception\n",
	};
	*out = xcalloc(ARRAY_LENGTH(seeds), sizeof(**out));
	for (size_t i = 0; i < ARRAY_LENGTH(seeds); i++) {
		(*out)[i].data = (uint8_t *)xstrdup(seeds[i]);
		(*out)[i].len = strlen(seeds[i]);
	}
	return ARRAY_LENGTH(seeds);
}
