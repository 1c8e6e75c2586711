/* artifacts.h: a cell's evidence (console logs, screenshots, collected files) archived per attempt. */
#pragma once

#include "util.h"

#define ARTIFACTS_FILE_MAX (32u << 20)  /* a larger file is cut to its last 32 MiB */
#define ARTIFACTS_TOTAL_MAX (64u << 20) /* files beyond this are left out, and the archive says so */
#define ARTIFACTS_NAME "artifacts.tar.gz"

/* Writes DIR/artifacts.tar.gz with the regular files of DIR (not the overlay, not itself).
 * Returns the number of files archived, or a negative errno. */
int artifacts_archive(const char *dir);
