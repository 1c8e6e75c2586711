/* bugcheck.c: Windows stop codes and guest-panic reports. */
#include "bugcheck.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

/* The stop codes of Microsoft's bug check code reference that sensors and drivers meet most. */
static const struct {
	uint32_t code;
	const char *name;
} codes[] = {
	{ 0x00000001, "APC_INDEX_MISMATCH" },
	{ 0x0000000A, "IRQL_NOT_LESS_OR_EQUAL" },
	{ 0x00000018, "REFERENCE_BY_POINTER" },
	{ 0x00000019, "BAD_POOL_HEADER" },
	{ 0x0000001A, "MEMORY_MANAGEMENT" },
	{ 0x0000001E, "KMODE_EXCEPTION_NOT_HANDLED" },
	{ 0x00000020, "KERNEL_APC_PENDING_DURING_EXIT" },
	{ 0x00000024, "NTFS_FILE_SYSTEM" },
	{ 0x0000002E, "DATA_BUS_ERROR" },
	{ 0x0000003B, "SYSTEM_SERVICE_EXCEPTION" },
	{ 0x0000003D, "INTERRUPT_EXCEPTION_NOT_HANDLED" },
	{ 0x00000044, "MULTIPLE_IRP_COMPLETE_REQUESTS" },
	{ 0x0000004E, "PFN_LIST_CORRUPT" },
	{ 0x00000050, "PAGE_FAULT_IN_NONPAGED_AREA" },
	{ 0x00000077, "KERNEL_STACK_INPAGE_ERROR" },
	{ 0x0000007A, "KERNEL_DATA_INPAGE_ERROR" },
	{ 0x0000007B, "INACCESSIBLE_BOOT_DEVICE" },
	{ 0x0000007E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED" },
	{ 0x0000007F, "UNEXPECTED_KERNEL_MODE_TRAP" },
	{ 0x0000008E, "KERNEL_MODE_EXCEPTION_NOT_HANDLED" },
	{ 0x00000093, "INVALID_KERNEL_HANDLE" },
	{ 0x0000009F, "DRIVER_POWER_STATE_FAILURE" },
	{ 0x000000A0, "INTERNAL_POWER_ERROR" },
	{ 0x000000BE, "ATTEMPTED_WRITE_TO_READONLY_MEMORY" },
	{ 0x000000C1, "SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION" },
	{ 0x000000C2, "BAD_POOL_CALLER" },
	{ 0x000000C4, "DRIVER_VERIFIER_DETECTED_VIOLATION" },
	{ 0x000000C5, "DRIVER_CORRUPTED_EXPOOL" },
	{ 0x000000C7, "TIMER_OR_DPC_INVALID" },
	{ 0x000000CA, "PNP_DETECTED_FATAL_ERROR" },
	{ 0x000000CB, "DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS" },
	{ 0x000000CE, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS" },
	{ 0x000000D1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL" },
	{ 0x000000D3, "DRIVER_PORTION_MUST_BE_NONPAGED" },
	{ 0x000000D5, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL" },
	{ 0x000000D6, "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION" },
	{ 0x000000D8, "DRIVER_USED_EXCESSIVE_PTES" },
	{ 0x000000E2, "MANUALLY_INITIATED_CRASH" },
	{ 0x000000E3, "RESOURCE_NOT_OWNED" },
	{ 0x000000EA, "THREAD_STUCK_IN_DEVICE_DRIVER" },
	{ 0x000000EF, "CRITICAL_PROCESS_DIED" },
	{ 0x000000F4, "CRITICAL_OBJECT_TERMINATION" },
	{ 0x000000F7, "DRIVER_OVERRAN_STACK_BUFFER" },
	{ 0x000000FC, "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY" },
	{ 0x00000101, "CLOCK_WATCHDOG_TIMEOUT" },
	{ 0x00000109, "CRITICAL_STRUCTURE_CORRUPTION" },
	{ 0x00000116, "VIDEO_TDR_FAILURE" },
	{ 0x00000119, "VIDEO_SCHEDULER_INTERNAL_ERROR" },
	{ 0x00000124, "WHEA_UNCORRECTABLE_ERROR" },
	{ 0x0000012B, "FAULTY_HARDWARE_CORRUPTED_PAGE" },
	{ 0x00000133, "DPC_WATCHDOG_VIOLATION" },
	{ 0x00000139, "KERNEL_SECURITY_CHECK_FAILURE" },
	{ 0x0000013A, "KERNEL_MODE_HEAP_CORRUPTION" },
	{ 0x00000154, "UNEXPECTED_STORE_EXCEPTION" },
	{ 0x00000157, "KERNEL_THREAD_PRIORITY_FLOOR_VIOLATION" },
	{ 0x00000189, "BAD_OBJECT_HEADER" },
	{ 0x000001CA, "SYNTHETIC_WATCHDOG_TIMEOUT" },
	{ 0x000001D5, "DRIVER_PNP_WATCHDOG" },
	{ 0xC000021A, "STATUS_SYSTEM_PROCESS_TERMINATED" },
	{ 0xDEADDEAD, "MANUALLY_INITIATED_CRASH1" },
};

const char *bugcheck_name(uint32_t code)
{
	for (size_t i = 0; i < ARRAY_LENGTH(codes); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "UNKNOWN_BUGCHECK";
}

uint32_t bugcheck_code(const char *name)
{
	for (size_t i = 0; i < ARRAY_LENGTH(codes); i++)
		if (streq(codes[i].name, name))
			return codes[i].code;
	return 0;
}

/* A QMP number is a JSON number; arg values are unsigned 64-bit, so doubles lose the low bits
 * of large ones. Read them from the text instead. */
static bool qmp_u64(const char *json, size_t len, const char *key, uint64_t *out)
{
	char needle[24];
	snprintf(needle, sizeof(needle), "\"%s\"", key);
	size_t nlen = strlen(needle);
	for (const char *p = json; (size_t)(json + len - p) > nlen; p++) {
		if (memcmp(p, needle, nlen) != 0)
			continue;
		const char *q = p + nlen, *end = json + len;
		while (q < end && (*q == ' ' || *q == ':'))
			q++;
		uint64_t v = 0;
		int digits = 0;
		while (q < end && *q >= '0' && *q <= '9' && digits < 20) {
			uint64_t d = (uint64_t)(*q++ - '0');
			if (v > (UINT64_MAX - d) / 10)
				return false;
			v = v * 10 + d;
			digits++;
		}
		if (!digits)
			return false;
		*out = v;
		return true;
	}
	return false;
}

int guest_panic_parse_qmp(const char *json, size_t len, struct guest_panic *p)
{
	memset(p, 0, sizeof(*p));
	struct json *j = json_parse(json, len, NULL);
	if (!j || j->type != JSON_OBJECT) {
		json_free(j);
		return -EINVAL;
	}
	/* either the event's data, or the whole event with the data inside */
	const struct json *data = json_get(j, "data") ? json_get(j, "data") : j;
	const struct json *info = json_get(data, "info");
	int r = 0;
	if (info) {
		const char *type = json_get_string(info, "type", "");
		snprintf(p->type, sizeof(p->type), "%.15s", type);
		if (streq(type, "hyper-v")) {
			uint64_t arg[5];
			static const char *const keys[] = { "arg1", "arg2", "arg3", "arg4", "arg5" };
			for (size_t i = 0; i < 5; i++) {
				const struct json *v = json_get(info, keys[i]);
				if (!v || v->type != JSON_NUMBER || v->number < 0 || !qmp_u64(json, len, keys[i], &arg[i])) {
					r = -EINVAL;
					goto out;
				}
			}
			if (arg[0] > UINT32_MAX) {
				r = -EINVAL;
				goto out;
			}
			p->code = (uint32_t)arg[0];
			memcpy(p->args, arg + 1, sizeof(p->args));
			p->has_args = true;
		}
	} else if (!json_get(data, "action")) {
		r = -EINVAL;
	}
out:
	json_free(j);
	return r;
}

int guest_panic_parse_log(const char *line, size_t len, struct guest_panic *p)
{
	static const char prefix[] = "panic hyper-v: ";
	memset(p, 0, sizeof(*p));
	const char *end = line + len, *s = NULL;
	for (const char *q = line; (size_t)(end - q) >= sizeof(prefix) - 1; q++)
		if (memcmp(q, prefix, sizeof(prefix) - 1) == 0) {
			s = q + sizeof(prefix) - 1;
			break;
		}
	if (!s)
		return -EINVAL;
	uint64_t arg[5];
	for (int i = 0; i < 5; i++) {
		char key[16];
		snprintf(key, sizeof(key), "arg%d='0x", i + 1);
		size_t klen = strlen(key);
		while (s < end && (*s == ' ' || *s == ','))
			s++;
		if ((size_t)(end - s) < klen || memcmp(s, key, klen) != 0)
			return -EINVAL;
		s += klen;
		uint64_t v = 0;
		int digits = 0;
		for (; s < end && *s != '\''; s++, digits++) {
			char ch = *s;
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
			if (d < 0 || digits >= 16)
				return -EINVAL;
			v = v << 4 | (uint64_t)d;
		}
		if (s >= end || !digits)
			return -EINVAL;
		s++; /* closing quote */
		arg[i] = v;
	}
	if (arg[0] > UINT32_MAX)
		return -EINVAL;
	snprintf(p->type, sizeof(p->type), "hyper-v");
	p->code = (uint32_t)arg[0];
	memcpy(p->args, arg + 1, sizeof(p->args));
	p->has_args = true;
	return 0;
}
