/* matrix.h: the test matrix (images x hardware x sensors x contents) and its expansion into cells. */
#pragma once

#include "conf.h"

enum firmware {
	FIRMWARE_BIOS,
	FIRMWARE_UEFI,
};

struct hardware_profile {
	char *name;
	unsigned vcpus;
	uint64_t memory_mib;
	char *machine; /* "pc" or "q35" */
	enum firmware firmware;
	char *disk_bus; /* "virtio" or "sata" */
	bool panic_device; /* pvpanic: without it a panicking guest just reboots */
	bool secure_boot;  /* UEFI Secure Boot with the usual keys enrolled: unsigned drivers are refused */
};

/* A sensor or content version under test; package is a bundle path (resolved at run time). */
struct matrix_package {
	char *name;
	char *package;
	struct conf_pos pos; /* of the package path in the matrix file */
};

/* Glob patterns over the four axes; NULL matches everything. */
struct matrix_filter {
	char *image, *hardware, *sensor, *content;
};

/* What a kernel report after install that the clean boot did not make does to a cell. */
enum kernel_reports {
	KERNEL_REPORTS_FAIL,   /* the verdict KERNEL_WARNING (when nothing worse happened) */
	KERNEL_REPORTS_RECORD, /* recorded with the cell, the verdict unchanged */
};

struct plan {
	unsigned boots;           /* reboots after install */
	unsigned boot_loop_after; /* consecutive crashed boots that make a BOOT_LOOP */
	int64_t agent_deadline_ms;
	int64_t install_deadline_ms;
	int64_t settle_ms;        /* time a booted guest must stay up before the boot counts */
	unsigned concurrency;
	unsigned retries;         /* extra attempts after an INFRA_ERROR */
	bool push_live;           /* push the content into the running sensor before rebooting */
	unsigned workload_reps;   /* repetitions of the guest workload before and after install; 0: none */
	unsigned workload_ops;    /* operations of each kind per repetition */
	double perf_threshold;    /* slowdown (0.25 = 25 %) that is a PERF_REGRESSION when certain */
	enum kernel_reports kernel_reports;
};

struct matrix {
	char *file;
	char *dir; /* directory of file, for relative package paths */
	char *name;
	char **images;
	struct conf_pos *image_pos; /* each image name's place in the file */
	size_t n_images;
	struct hardware_profile *hardware;
	size_t n_hardware;
	struct matrix_package *sensors;
	size_t n_sensors;
	struct matrix_package *contents;
	size_t n_contents;
	struct matrix_filter *include;
	size_t n_include;
	struct matrix_filter *exclude;
	size_t n_exclude;
	struct plan plan;
	/* the versions a candidate's cost is measured against; NULL: the image with no sensor */
	struct matrix_package *baseline_sensor, *baseline_content;
};

/* One combination to test. Indexes point into the matrix's arrays. */
struct cell {
	size_t image, hardware, sensor, content;
};

/* Loads and validates a matrix. NULL with err set on failure. */
struct matrix *matrix_load(const char *path, struct conf_error *err);
struct matrix *matrix_load_buffer(const char *name, const char *data, size_t len, struct conf_error *err);
void matrix_free(struct matrix *m);

/* Expands to cells in a stable order (image, hardware, sensor, content) after filters.
 * Returns the count; *cells is owned by the caller. */
size_t matrix_expand(const struct matrix *m, struct cell **cells);
/* "image/hardware/sensor/content", the cell's stable key. */
char *matrix_cell_key(const struct matrix *m, const struct cell *c);
/* Keeps the cells of shard k (0-based) out of n, chosen by a hash of the key. */
size_t matrix_shard(const struct matrix *m, struct cell *cells, size_t n_cells, unsigned k, unsigned n);
