/* inputs.h: what a matrix needs before anything starts: its images from the catalog, its bundles
 * opened and checked, and every cell's sensor, content and image fitting together. "validate" and
 * "run" share it, so a matrix that validates is one that run accepts. */
#pragma once

#include "catalog.h"
#include "matrix.h"
#include "package.h"

struct run_inputs {
	struct image **images;               /* one per m->images */
	struct package **sensors, **contents; /* one per m->sensors, m->contents */
	struct package *baseline_sensor, *baseline_content;
};

/* Resolves the images in image_dir and opens every bundle (beside the matrix, else in packages_dir),
 * extracting payloads below staging. Then checks each of the cells: the content is for the sensor,
 * sensor and content are for the image's OS. Every problem is printed to stderr as
 * "file:line:column: ..." at the matrix entry it concerns; the return value is their number. */
size_t inputs_open(const struct matrix *m, const struct cell *cells, size_t n_cells, const char *image_dir,
		   const char *packages_dir, const char *staging, struct run_inputs *in);
void inputs_close(const struct matrix *m, struct run_inputs *in);
