/* dump.c: Windows crash dump headers. Offsets are those of the documented DUMP_HEADER64 /
 * DUMP_HEADER32 and MINIDUMP_* structures; every read is checked against the buffer. */
#include "dump.h"
#include "bugcheck.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KERNEL_HEADER64 0x2000
#define KERNEL_HEADER32 0x1000
#define MINIDUMP_MAX_STREAMS 1024
#define MINIDUMP_MAX_MODULES 4096
#define DUMP_READ_MAX (64u << 20) /* a minidump's streams are read from at most this prefix */

struct buf {
	const uint8_t *p;
	size_t len;
};

static bool rd32(struct buf b, size_t off, uint32_t *v)
{
	if (off > b.len || b.len - off < 4)
		return false;
	*v = (uint32_t)b.p[off] | (uint32_t)b.p[off + 1] << 8 | (uint32_t)b.p[off + 2] << 16 | (uint32_t)b.p[off + 3] << 24;
	return true;
}

static bool rd64(struct buf b, size_t off, uint64_t *v)
{
	uint32_t lo, hi;
	if (!rd32(b, off, &lo) || !rd32(b, off + 4, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

static bool rd16(struct buf b, size_t off, uint16_t *v)
{
	if (off > b.len || b.len - off < 2)
		return false;
	*v = (uint16_t)(b.p[off] | b.p[off + 1] << 8);
	return true;
}

/* FILETIME (100 ns since 1601) to Unix milliseconds; 0 when implausible. */
static int64_t filetime_ms(uint64_t ft)
{
	const uint64_t epoch = 116444736000000000ull;
	if (ft <= epoch || ft > epoch + 100000000000000000ull)
		return 0;
	return (int64_t)((ft - epoch) / 10000);
}

static int fail(char **why, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int fail(char **why, const char *fmt, ...)
{
	if (why) {
		va_list ap;
		va_start(ap, fmt);
		*why = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_kernel64(struct buf b, struct dump_info *d, char **why)
{
	if (b.len < 0x60)
		return fail(why, "kernel dump header truncated at %zu bytes (needs 0x60)", b.len);
	d->kind = DUMP_KERNEL64;
	rd32(b, 0x08, &d->major_version);
	rd32(b, 0x0C, &d->build);
	rd32(b, 0x30, &d->machine);
	rd32(b, 0x34, &d->processors);
	rd32(b, 0x38, &d->bugcheck);
	for (int i = 0; i < 4; i++)
		rd64(b, 0x40 + 8 * (size_t)i, &d->bugcheck_args[i]);
	/* the rest of the header is optional in a truncated file: fields stay 0 */
	rd32(b, 0xF98, &d->dump_type);
	uint64_t ft = 0;
	if (rd64(b, 0xFA8, &ft))
		d->system_time_ms = filetime_ms(ft);
	return 0;
}

static int parse_kernel32(struct buf b, struct dump_info *d, char **why)
{
	if (b.len < 0x3C)
		return fail(why, "32-bit kernel dump header truncated at %zu bytes (needs 0x3C)", b.len);
	d->kind = DUMP_KERNEL32;
	rd32(b, 0x08, &d->major_version);
	rd32(b, 0x0C, &d->build);
	rd32(b, 0x20, &d->machine);
	rd32(b, 0x24, &d->processors);
	rd32(b, 0x28, &d->bugcheck);
	for (int i = 0; i < 4; i++) {
		uint32_t v = 0;
		rd32(b, 0x2C + 4 * (size_t)i, &v);
		d->bugcheck_args[i] = v;
	}
	return 0;
}

/* A MINIDUMP_STRING (u32 byte length, UTF-16LE) as ASCII-safe UTF-8 (other characters: '?'). */
static void minidump_string(struct buf b, uint32_t rva, char *out, size_t n)
{
	uint32_t bytes;
	out[0] = '\0';
	if (!rd32(b, rva, &bytes) || bytes > 2 * 1024 || bytes % 2 || rva + 4ull + bytes > b.len)
		return;
	size_t k = 0;
	for (uint32_t i = 0; i < bytes / 2 && k + 1 < n; i++) {
		uint16_t ch = 0;
		if (!rd16(b, rva + 4 + 2 * (size_t)i, &ch))
			break;
		out[k++] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
	}
	out[k] = '\0';
	/* keep the file name: "\\SystemRoot\\System32\\drivers\\x.sys" -> "x.sys" */
	char *slash = strrchr(out, '\\');
	if (slash && slash[1])
		memmove(out, slash + 1, strlen(slash + 1) + 1);
}

static int parse_minidump(struct buf b, struct dump_info *d, char **why)
{
	uint32_t n, dir;
	if (!rd32(b, 8, &n) || !rd32(b, 12, &dir))
		return fail(why, "minidump header truncated at %zu bytes (needs 32)", b.len);
	d->kind = DUMP_USER_MINIDUMP;
	d->streams = n;
	if (n > MINIDUMP_MAX_STREAMS)
		return fail(why, "minidump claims %u streams (more than %d)", n, MINIDUMP_MAX_STREAMS);
	if ((uint64_t)dir + 12ull * n > b.len)
		return fail(why, "minidump stream directory at 0x%x (%u entries) lies past the end (%zu bytes)", dir, n, b.len);
	uint32_t modules_rva = 0, modules_size = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t type, size, rva;
		rd32(b, dir + 12 * (size_t)i, &type);
		rd32(b, dir + 12 * (size_t)i + 4, &size);
		rd32(b, dir + 12 * (size_t)i + 8, &rva);
		if ((uint64_t)rva + size > b.len)
			continue; /* a stream past the end: truncated file, skip it */
		if (type == 6 && size >= 168) { /* ExceptionStream */
			d->has_exception = true;
			rd32(b, rva, &d->thread_id);
			rd32(b, rva + 8, &d->exception_code);
			rd64(b, rva + 8 + 16, &d->exception_address);
		} else if (type == 7 && size >= 24) { /* SystemInfoStream */
			rd32(b, rva + 8, &d->os_major);
			rd32(b, rva + 12, &d->os_minor);
			rd32(b, rva + 16, &d->os_build);
		} else if (type == 4 && size >= 4) { /* ModuleListStream */
			modules_rva = rva;
			modules_size = size;
		}
	}
	if (d->has_exception && modules_rva) {
		uint32_t count;
		rd32(b, modules_rva, &count);
		if (count > MINIDUMP_MAX_MODULES || 4ull + 108ull * count > modules_size)
			count = 0;
		for (uint32_t i = 0; i < count; i++) {
			size_t m = modules_rva + 4 + 108 * (size_t)i;
			uint64_t base;
			uint32_t size, name_rva;
			if (!rd64(b, m, &base) || !rd32(b, m + 8, &size) || !rd32(b, m + 20, &name_rva))
				break;
			if (d->exception_address >= base && d->exception_address - base < size) {
				d->module_base = base;
				minidump_string(b, name_rva, d->module, sizeof(d->module));
				break;
			}
		}
	}
	return 0;
}

int dump_parse(const void *data, size_t len, struct dump_info *d, char **why)
{
	struct buf b = { data, len };
	memset(d, 0, sizeof(*d));
	if (why)
		*why = NULL;
	if (len < 8)
		return fail(why, "too short for a dump (%zu bytes)", len);
	if (!memcmp(b.p, "PAGEDU64", 8))
		return parse_kernel64(b, d, why);
	if (!memcmp(b.p, "PAGEDUMP", 8))
		return parse_kernel32(b, d, why);
	if (!memcmp(b.p, "MDMP", 4))
		return parse_minidump(b, d, why);
	return fail(why, "not a Windows crash dump (no PAGEDU64, PAGEDUMP or MDMP signature)");
}

int dump_parse_file(const char *path, struct dump_info *d, char **why)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		fail(why, "%s: %s", path, strerror(err));
		return -err;
	}
	/* kernel dumps: the header is all that is read; minidumps: streams near the start */
	uint8_t *data = xmalloc(DUMP_READ_MAX);
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, data + len, DUMP_READ_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == DUMP_READ_MAX || (len >= 8 && !memcmp(data, "PAGE", 4) && len >= KERNEL_HEADER64))
			break;
	}
	int r = dump_parse(data, len, d, why);
	free(data);
	return r;
}

const char *dump_kind_name(enum dump_kind k)
{
	switch (k) {
	case DUMP_KERNEL64: return "kernel64";
	case DUMP_KERNEL32: return "kernel32";
	case DUMP_USER_MINIDUMP: return "minidump";
	}
	return "unknown";
}

const char *dump_type_name(uint32_t t)
{
	switch (t) {
	case 1: return "full";
	case 2: return "kernel";
	case 4: return "small";
	case 5: return "bitmap";
	default: return "unknown";
	}
}

void dump_to_json(const struct dump_info *d, struct strbuf *sb)
{
	char t[32];
	strbuf_printf(sb, "{\"format\":\"%s\"", dump_kind_name(d->kind));
	if (d->kind != DUMP_USER_MINIDUMP) {
		strbuf_printf(sb, ",\"bugcheck\":\"0x%08X\",\"bugcheck_name\":\"%s\",\"parameters\":[", d->bugcheck,
			      bugcheck_name(d->bugcheck));
		for (int i = 0; i < 4; i++)
			strbuf_printf(sb, "%s\"0x%016llX\"", i ? "," : "", (unsigned long long)d->bugcheck_args[i]);
		strbuf_printf(sb, "],\"os_build\":%u,\"major_version\":%u,\"machine\":\"0x%X\",\"processors\":%u", d->build,
			      d->major_version, d->machine, d->processors);
		if (d->kind == DUMP_KERNEL64)
			strbuf_printf(sb, ",\"dump_type\":\"%s\"", dump_type_name(d->dump_type));
		if (d->system_time_ms)
			strbuf_printf(sb, ",\"time\":\"%s\"", format_time_ms(d->system_time_ms, t, sizeof(t)));
	} else {
		strbuf_printf(sb, ",\"streams\":%u,\"os_build\":%u,\"os_version\":\"%u.%u\"", d->streams, d->os_build, d->os_major,
			      d->os_minor);
		if (d->has_exception) {
			strbuf_printf(sb, ",\"exception_code\":\"0x%08X\",\"exception_address\":\"0x%016llX\",\"thread\":%u",
				      d->exception_code, (unsigned long long)d->exception_address, d->thread_id);
			strbuf_puts(sb, ",\"module\":");
			if (d->module[0])
				strbuf_put_json_string(sb, d->module);
			else
				strbuf_puts(sb, "null");
		}
	}
	strbuf_puts(sb, "}\n");
}
