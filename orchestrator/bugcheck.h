/* bugcheck.h: Windows stop codes, and the guest-panic reports of the hypervisor (QEMU's
 * GUEST_PANICKED event with the Hyper-V crash registers; libvirt's "panic hyper-v" log line). */
#pragma once

#include <stdint.h>

#include "util.h"

/* The documented name of a stop code, or "UNKNOWN_BUGCHECK". */
const char *bugcheck_name(uint32_t code);
/* The stop code of a documented name, 0 when unknown. */
uint32_t bugcheck_code(const char *name);

struct guest_panic {
	char type[16];    /* "hyper-v", "s390", "" when the hypervisor gave no details */
	bool has_args;
	uint32_t code;    /* hyper-v: arg1, the stop code */
	uint64_t args[4]; /* hyper-v: arg2..arg5, its parameters */
};

/* Parses the data of a QMP GUEST_PANICKED event:
 *   {"action":"pause","info":{"type":"hyper-v","arg1":80,"arg2":...,"arg5":...}}
 * (libvirt-qemu hands this over as the event's details). 0, or -EINVAL. */
int guest_panic_parse_qmp(const char *json, size_t len, struct guest_panic *p);
/* Parses libvirt's domain log line "panic hyper-v: arg1='0x50', arg2='0x...', ...". 0, or -EINVAL. */
int guest_panic_parse_log(const char *line, size_t len, struct guest_panic *p);
