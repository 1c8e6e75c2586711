/* dump.h: Windows crash dumps collected from guests: kernel dumps (MEMORY.DMP and the small
 * Minidump\\Mini*.dmp share the header) and user-mode minidumps. Bounded, safe on truncated or
 * hostile files. */
#pragma once

#include <stdint.h>

#include "util.h"

enum dump_kind {
	DUMP_KERNEL64,
	DUMP_KERNEL32,
	DUMP_USER_MINIDUMP,
};

struct dump_info {
	enum dump_kind kind;
	/* kernel dumps */
	uint32_t major_version, build; /* 0xF = free build; build number (minor version) */
	uint32_t machine;              /* 0x8664 AMD64, 0x14C i386, 0xAA64 ARM64 */
	uint32_t processors;
	uint32_t bugcheck;
	uint64_t bugcheck_args[4];
	uint32_t dump_type;            /* 1 full, 2 kernel, 4 small, 5 bitmap (64-bit only) */
	int64_t system_time_ms;        /* Unix ms; 0 when absent */
	/* user-mode minidumps */
	uint32_t streams;
	bool has_exception;
	uint32_t exception_code, thread_id;
	uint64_t exception_address;
	uint32_t os_major, os_minor, os_build;
	char module[128];              /* the module whose range holds the exception address */
	uint64_t module_base;
};

/* Parses a dump held in memory. 0, or -EINVAL with *why set (owned) for what is not a dump. */
int dump_parse(const void *data, size_t len, struct dump_info *d, char **why);
/* Reads at most the header part of a dump file that parsing needs. */
int dump_parse_file(const char *path, struct dump_info *d, char **why);
const char *dump_kind_name(enum dump_kind k);
const char *dump_type_name(uint32_t t);
/* One JSON object describing the dump (for "compatlab triage dump"). */
void dump_to_json(const struct dump_info *d, struct strbuf *sb);
