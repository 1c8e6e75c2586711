/* png.h: turns the PPM screen dumps QEMU gives into PNG files a browser shows. */
#pragma once

#include "util.h"

#define PNG_MAX_SIDE 8192

/* Converts a binary PPM (P6, maxval 255) to PNG, appended to out. 0, or -EINVAL for input that
 * is not a well-formed PPM within PNG_MAX_SIDE pixels a side. */
int png_from_ppm(const void *ppm, size_t len, struct strbuf *out);
