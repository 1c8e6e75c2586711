/* cmd.h: the command table of the compatlab program. */
#pragma once

#include "util.h"

/* Exit codes, documented in the README. */
enum {
	EXIT_PASS = 0,     /* every cell passed (or the command succeeded) */
	EXIT_FAILURES = 1, /* product failures found (CRASH, BOOT_LOOP, HANG, ...) */
	EXIT_USAGE = 2,    /* bad command line or input file */
	EXIT_INFRA = 3,    /* the lab itself failed: libvirt, SSH, disk, database */
};

/* Settings shared by every command, from global options and the environment. */
struct cmd_ctx {
	char *state_dir; /* --state-dir, COMPATLAB_STATE_DIR */
	char *db_path;   /* --db, COMPATLAB_DB; default STATE/compatlab.db */
	char *image_dir; /* --images, COMPATLAB_IMAGES; default STATE/images */
	char *uri;       /* --connect, COMPATLAB_URI; default qemu:///system */
};

struct cmd_entry {
	const char *name;
	const char *args;    /* usage after the name */
	const char *summary; /* one line for --help */
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

/* Reports a usage error for a command and returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_entry *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Reports an error to the user (one line, no prefix noise) and returns code. */
int cmd_error(int code, const char *fmt, ...) PRINTF_LIKE(2, 3);

extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_cells_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_cleanup_entry;
extern const struct cmd_entry cmd_gate_entry;
extern const struct cmd_entry cmd_triage_entry;
extern const struct cmd_entry cmd_image_entry;
extern const struct cmd_entry cmd_merge_entry;
