/* png.c: PPM (P6) to PNG: RGB, 8 bits, no interlace, rows with filter 0, zlib-compressed. */
#include "png.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

/* Reads one PPM header number, skipping white space and comments. */
static int ppm_number(const unsigned char **p, const unsigned char *end, unsigned long *out)
{
	for (;;) {
		while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
			(*p)++;
		if (*p < end && **p == '#') {
			while (*p < end && **p != '\n')
				(*p)++;
			continue;
		}
		break;
	}
	unsigned long v = 0;
	const unsigned char *start = *p;
	while (*p < end && **p >= '0' && **p <= '9' && *p - start < 6)
		v = v * 10 + (unsigned long)(*(*p)++ - '0');
	if (*p == start)
		return -EINVAL;
	*out = v;
	return 0;
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v };
	strbuf_add(sb, b, 4);
}

static void put_chunk(struct strbuf *sb, const char type[4], const void *data, size_t len)
{
	put_u32(sb, (uint32_t)len);
	size_t start = sb->len;
	strbuf_add(sb, type, 4);
	if (len)
		strbuf_add(sb, data, len);
	put_u32(sb, (uint32_t)crc32(0, (const Bytef *)sb->buf + start, (uInt)(len + 4)));
}

int png_from_ppm(const void *ppm, size_t len, struct strbuf *out)
{
	const unsigned char *p = ppm, *end = p + len;
	unsigned long w, h, maxval;
	if (len < 2 || p[0] != 'P' || p[1] != '6')
		return -EINVAL;
	p += 2;
	if (ppm_number(&p, end, &w) < 0 || ppm_number(&p, end, &h) < 0 || ppm_number(&p, end, &maxval) < 0)
		return -EINVAL;
	if (p >= end || !w || !h || w > PNG_MAX_SIDE || h > PNG_MAX_SIDE || maxval != 255)
		return -EINVAL;
	p++; /* the single white space after maxval */
	size_t row = (size_t)w * 3;
	if ((size_t)(end - p) < row * h)
		return -EINVAL;

	/* each row gets filter type 0 in front */
	size_t raw_len = (row + 1) * h;
	unsigned char *raw = xmalloc(raw_len);
	for (size_t y = 0; y < h; y++) {
		raw[y * (row + 1)] = 0;
		memcpy(raw + y * (row + 1) + 1, p + y * row, row);
	}
	uLongf z_len = compressBound((uLong)raw_len);
	unsigned char *z = xmalloc(z_len);
	int rc = compress2(z, &z_len, raw, (uLong)raw_len, 6);
	free(raw);
	if (rc != Z_OK) {
		free(z);
		return -EIO;
	}
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char ihdr[13] = {
		(unsigned char)(w >> 24), (unsigned char)(w >> 16), (unsigned char)(w >> 8), (unsigned char)w,
		(unsigned char)(h >> 24), (unsigned char)(h >> 16), (unsigned char)(h >> 8), (unsigned char)h,
		8, 2, 0, 0, 0, /* 8 bits, RGB, deflate, filter 0, no interlace */
	};
	strbuf_add(out, sig, sizeof(sig));
	put_chunk(out, "IHDR", ihdr, sizeof(ihdr));
	put_chunk(out, "IDAT", z, z_len);
	put_chunk(out, "IEND", NULL, 0);
	free(z);
	return 0;
}
