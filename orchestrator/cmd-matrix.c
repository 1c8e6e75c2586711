/* cmd-matrix.c: "validate" checks a matrix and what it needs; "cells" lists the cells it expands to. */
#include "cmd.h"
#include "inputs.h"
#include "matrix.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct matrix *load_or_report(const char *path)
{
	struct conf_error err = { 0 };
	struct matrix *m = matrix_load(path, &err);
	if (!m) {
		_cleanup_free_ char *msg = conf_error_format(&err);
		fprintf(stderr, "%s\n", msg);
		conf_error_clear(&err);
	}
	return m;
}

/* Checks the matrix, then what run would need: its images in the catalog, its bundles opened and
 * checked (extracted to a temporary directory, removed after), and its cells' pairings. */
static int cmd_validate(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "packages", required_argument, NULL, 'p' }, { 0 } };
	const char *packages_dir = NULL;
	int c;
	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			return cmd_usage_error(&cmd_validate_entry, "unknown option");
		packages_dir = optarg;
	}
	if (optind != argc - 1)
		return cmd_usage_error(&cmd_validate_entry, "expected one matrix file");
	const char *path = argv[optind];
	struct matrix *m = load_or_report(path);
	if (!m)
		return EXIT_USAGE;
	struct cell *cells;
	size_t n = matrix_expand(m, &cells);
	if (!n) {
		free(cells);
		matrix_free(m);
		return cmd_error(EXIT_USAGE, "%s: the filters leave no cell to test", path);
	}

	_cleanup_free_ char *default_packages = path_join(ctx->state_dir, "packages");
	char staging[] = "/tmp/compatlab-validate-XXXXXX";
	if (!mkdtemp(staging)) {
		free(cells);
		matrix_free(m);
		return cmd_error(EXIT_INFRA, "cannot create a temporary directory: %s", strerror(errno));
	}
	struct run_inputs in;
	size_t problems = inputs_open(m, cells, n, ctx->image_dir, packages_dir ? packages_dir : default_packages, staging, &in);
	inputs_close(m, &in);
	remove_tree(staging);
	int rc = EXIT_PASS;
	if (problems) {
		rc = cmd_error(EXIT_USAGE, "%s: not valid: %zu problem%s", path, problems, problems == 1 ? "" : "s");
	} else {
		printf("%s: valid: matrix '%s', %zu cells (%zu images x %zu hardware x %zu sensors x %zu contents", path,
		       m->name, n, m->n_images, m->n_hardware, m->n_sensors, m->n_contents);
		if (m->n_include || m->n_exclude)
			printf(", %zu include and %zu exclude filters", m->n_include, m->n_exclude);
		printf("); images found in %s, bundles opened\n", ctx->image_dir);
	}
	free(cells);
	matrix_free(m);
	return rc;
}

static int cmd_cells(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "shard", required_argument, NULL, 'S' }, { 0 } };
	unsigned k = 0, n = 1;
	int c;
	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'S' || sscanf(optarg, "%u/%u", &k, &n) != 2 || n == 0 || k == 0 || k > n)
			return cmd_usage_error(&cmd_cells_entry, "--shard takes K/N with 1 <= K <= N");
		k--;
	}
	if (optind != argc - 1)
		return cmd_usage_error(&cmd_cells_entry, "expected one matrix file");
	struct matrix *m = load_or_report(argv[optind]);
	if (!m)
		return EXIT_USAGE;
	struct cell *cells;
	size_t count = matrix_expand(m, &cells);
	count = matrix_shard(m, cells, count, k, n);
	for (size_t i = 0; i < count; i++) {
		_cleanup_free_ char *key = matrix_cell_key(m, &cells[i]);
		printf("%s\n", key);
	}
	free(cells);
	matrix_free(m);
	return EXIT_PASS;
}

const struct cmd_entry cmd_validate_entry = { "validate", "[--packages DIR] MATRIX",
					      "check a matrix, its images and its bundles without starting anything",
					      cmd_validate };
const struct cmd_entry cmd_cells_entry = { "cells", "[--shard K/N] MATRIX", "list the cells a matrix expands to",
					   cmd_cells };
