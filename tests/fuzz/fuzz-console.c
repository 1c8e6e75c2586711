/* fuzz-console.c: the console classifier, excerpts and signatures on arbitrary bytes. */
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
	};
	*out = xcalloc(ARRAY_LENGTH(seeds), sizeof(**out));
	for (size_t i = 0; i < ARRAY_LENGTH(seeds); i++) {
		(*out)[i].data = (uint8_t *)xstrdup(seeds[i]);
		(*out)[i].len = strlen(seeds[i]);
	}
	return ARRAY_LENGTH(seeds);
}
