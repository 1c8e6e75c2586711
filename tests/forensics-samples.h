/* forensics-samples.h: well-formed Windows crash dumps and panic payloads built in memory, for
 * the forensics tests and as seeds of the fuzz targets. */
#pragma once

#include <stdint.h>
#include <string.h>

#include "util.h"

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* A 64-bit kernel dump header: bugcheck 0x50 with four parameters, build 22631, kernel dump. */
static inline uint8_t *sample_kernel_dump(size_t *len)
{
	uint8_t *d = xzalloc(0x2000);
	memcpy(d, "PAGEDU64", 8);
	put32(d + 0x08, 0xF);
	put32(d + 0x0C, 22631);
	put32(d + 0x30, 0x8664);
	put32(d + 0x34, 2);
	put32(d + 0x38, 0x50);
	put64(d + 0x40, 0xFFFF9C8E0000008Cull);
	put64(d + 0x48, 0);
	put64(d + 0x50, 0xFFFFF8052F4E1234ull);
	put64(d + 0x58, 2);
	put32(d + 0xF98, 2);
	put64(d + 0xFA8, 133450000000000000ull); /* 2023-11-22 */
	*len = 0x2000;
	return d;
}

/* A user-mode minidump: exception 0xC0000005 at an address inside the second module. */
static inline uint8_t *sample_minidump(size_t *len)
{
	size_t size = 4096;
	uint8_t *d = xzalloc(size);
	memcpy(d, "MDMP", 4);
	put32(d + 4, 0xA793);
	put32(d + 8, 3);      /* streams */
	put32(d + 12, 32);    /* directory */
	/* directory: exception (6) at 0x100, system info (7) at 0x200, module list (4) at 0x300 */
	put32(d + 32, 6); put32(d + 36, 168); put32(d + 40, 0x100);
	put32(d + 44, 7); put32(d + 48, 56);  put32(d + 52, 0x200);
	put32(d + 56, 4); put32(d + 60, 4 + 2 * 108); put32(d + 64, 0x300);
	put32(d + 0x100, 4242);                     /* thread */
	put32(d + 0x108, 0xC0000005);               /* code */
	put64(d + 0x108 + 16, 0x7FF6A0021234ull);   /* address */
	put32(d + 0x200 + 8, 10);
	put32(d + 0x200 + 12, 0);
	put32(d + 0x200 + 16, 19045);
	put32(d + 0x300, 2);
	put64(d + 0x304, 0x7FF6B0000000ull); put32(d + 0x304 + 8, 0x10000); put32(d + 0x304 + 20, 0x600);
	put64(d + 0x370, 0x7FF6A0000000ull); put32(d + 0x370 + 8, 0x40000); put32(d + 0x370 + 20, 0x700);
	static const char a[] = "C:\\Windows\\System32\\kernel32.dll", b[] = "C:\\Program Files\\Acme\\acmesvc.exe";
	put32(d + 0x600, (uint32_t)(2 * strlen(a)));
	for (size_t i = 0; i < strlen(a); i++)
		d[0x604 + 2 * i] = (uint8_t)a[i];
	put32(d + 0x700, (uint32_t)(2 * strlen(b)));
	for (size_t i = 0; i < strlen(b); i++)
		d[0x704 + 2 * i] = (uint8_t)b[i];
	*len = size;
	return d;
}

static const char sample_guest_panicked[] =
	"{\"action\":\"pause\",\"info\":{\"type\":\"hyper-v\",\"arg1\":80,\"arg2\":18446634732432130188,"
	"\"arg3\":0,\"arg4\":18446735299885011508,\"arg5\":2}}";

static const char sample_panic_log[] =
	"2026-11-22 03:00:41.600+0000: panic hyper-v: arg1='0x50', arg2='0xffff9c8e0000008c', arg3='0x0', "
	"arg4='0xfffff8052f4e1234', arg5='0x2'";
