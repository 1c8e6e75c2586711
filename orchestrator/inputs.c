/* inputs.c: resolves a matrix's images and bundles and checks that its cells fit together. */
#include "inputs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One problem, at a place in the matrix file. */
static void PRINTF_LIKE(3, 4) problem(const struct matrix *m, struct conf_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *text = xvasprintf(fmt, ap);
	va_end(ap);
	if (pos.line)
		fprintf(stderr, "%s:%d:%d: %s\n", m->file, pos.line, pos.column, text);
	else
		fprintf(stderr, "%s: %s\n", m->file, text);
}

/* A bundle path relative to the matrix, else to packages_dir. */
static char *resolve_package(const struct matrix *m, const char *packages_dir, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char *p = path_join(m->dir, path);
	if (access(p, R_OK) == 0 || !packages_dir)
		return p;
	char *q = path_join(packages_dir, path);
	if (access(q, R_OK) == 0) {
		free(p);
		return q;
	}
	free(q);
	return p;
}

static struct package *open_package(const struct matrix *m, const struct matrix_package *mp, enum package_kind kind,
				    const char *packages_dir, const char *staging, size_t *problems)
{
	const char *role = kind == PACKAGE_SENSOR ? "sensor" : "content";
	_cleanup_free_ char *path = resolve_package(m, packages_dir, mp->package);
	if (access(path, R_OK) < 0) {
		problem(m, mp->pos, "%s '%s': bundle %s not found (looked beside the matrix and in %s)%s", role, mp->name,
			mp->package, packages_dir ? packages_dir : "-",
			strstartswith(mp->package, "demo-") ? "; the demo bundles are built by ./demo or images/build-test-guest"
							     : "");
		++*problems;
		return NULL;
	}
	struct conf_error err = { 0 };
	struct package *p = package_open(path, staging, &err);
	if (!p) {
		_cleanup_free_ char *msg = conf_error_format(&err);
		problem(m, mp->pos, "%s '%s': %s", role, mp->name, msg);
		conf_error_clear(&err);
		++*problems;
		return NULL;
	}
	if (p->kind != kind) {
		problem(m, mp->pos, "%s '%s': %s is a %s bundle, listed as a %s", role, mp->name, path,
			package_kind_name(p->kind), role);
		++*problems;
		package_free(p);
		return NULL;
	}
	return p;
}

/* Reports a sensor or content that is not for the OS of an image it meets in some cell (once per pair). */
static void check_os(const struct matrix *m, const struct matrix_package *mp, const struct package *p,
		     const struct image *img, const char *image_name, size_t *problems)
{
	if (!mp || !p || !img || streq(p->os, img->os))
		return;
	problem(m, mp->pos, "%s '%s' is for %s, image '%s' runs %s: exclude the pair with an exclude filter",
		package_kind_name(p->kind), mp->name, p->os, image_name, img->os);
	++*problems;
}

/* An image that boots from its disk needs the firmware it was installed for; one that names its
 * disk bus boots from no other. */
static void check_hardware(const struct matrix *m, const struct cell *c, const struct image *img, size_t *problems)
{
	const struct hardware_profile *hw = &m->hardware[c->hardware];
	if (!img)
		return;
	if (!img->kernel && hw->firmware != img->firmware) {
		problem(m, m->image_pos[c->image], "image '%s' boots from its disk with %s firmware, hardware '%s' has %s: "
			"exclude the pair with an exclude filter", img->name, img->firmware == FIRMWARE_UEFI ? "UEFI" : "BIOS",
			hw->name, hw->firmware == FIRMWARE_UEFI ? "UEFI" : "BIOS");
		++*problems;
	}
	if (img->disk_bus && !streq(img->disk_bus, hw->disk_bus)) {
		problem(m, m->image_pos[c->image], "image '%s' boots only from a %s disk, hardware '%s' has %s: "
			"exclude the pair with an exclude filter", img->name, img->disk_bus, hw->name, hw->disk_bus);
		++*problems;
	}
}

static void check_cells(const struct matrix *m, const struct cell *cells, size_t n_cells, const struct run_inputs *in,
			size_t *problems)
{
	size_t ns = m->n_sensors, nc = m->n_contents, ni = m->n_images, nh = m->n_hardware;
	/* each distinct mismatch once, however many cells share it */
	_cleanup_free_ bool *seen_pair = xcalloc(ns * nc + 1, sizeof(bool));
	_cleanup_free_ bool *seen_sensor_os = xcalloc(ns * ni + 1, sizeof(bool));
	_cleanup_free_ bool *seen_content_os = xcalloc(nc * ni + 1, sizeof(bool));
	_cleanup_free_ bool *seen_hardware = xcalloc(ni * nh + 1, sizeof(bool));

	for (size_t i = 0; i < n_cells; i++) {
		const struct cell *c = &cells[i];
		const struct package *s = in->sensors[c->sensor], *ct = in->contents[c->content];
		const struct image *img = in->images[c->image];
		if (s && ct && !seen_pair[c->sensor * nc + c->content]) {
			seen_pair[c->sensor * nc + c->content] = true;
			if (!package_content_fits(ct, s)) {
				_cleanup_free_ char *key = matrix_cell_key(m, c);
				problem(m, m->contents[c->content].pos,
					"content '%s' (%s %s) requires sensor %s, yet meets sensor '%s' (%s %s) in cell %s: "
					"exclude the pair with an exclude filter",
					m->contents[c->content].name, ct->name, ct->version, ct->sensor, m->sensors[c->sensor].name,
					s->name, s->version, key);
				++*problems;
			}
		}
		if (!seen_hardware[c->image * nh + c->hardware]) {
			seen_hardware[c->image * nh + c->hardware] = true;
			check_hardware(m, c, img, problems);
		}
		if (!seen_sensor_os[c->sensor * ni + c->image]) {
			seen_sensor_os[c->sensor * ni + c->image] = true;
			check_os(m, &m->sensors[c->sensor], s, img, m->images[c->image], problems);
		}
		if (!seen_content_os[c->content * ni + c->image]) {
			seen_content_os[c->content * ni + c->image] = true;
			check_os(m, &m->contents[c->content], ct, img, m->images[c->image], problems);
		}
	}
}

size_t inputs_open(const struct matrix *m, const struct cell *cells, size_t n_cells, const char *image_dir,
		   const char *packages_dir, const char *staging, struct run_inputs *in)
{
	size_t problems = 0;
	memset(in, 0, sizeof(*in));
	in->images = xcalloc(m->n_images, sizeof(*in->images));
	in->sensors = xcalloc(m->n_sensors, sizeof(*in->sensors));
	in->contents = xcalloc(m->n_contents, sizeof(*in->contents));

	for (size_t i = 0; i < m->n_images; i++) {
		struct conf_error err = { 0 };
		in->images[i] = catalog_load(image_dir, m->images[i], &err);
		if (!in->images[i]) {
			_cleanup_free_ char *msg = conf_error_format(&err);
			problem(m, m->image_pos[i], "image '%s': %s", m->images[i], msg);
			conf_error_clear(&err);
			problems++;
		}
	}
	for (size_t i = 0; i < m->n_sensors; i++)
		in->sensors[i] = open_package(m, &m->sensors[i], PACKAGE_SENSOR, packages_dir, staging, &problems);
	for (size_t i = 0; i < m->n_contents; i++)
		in->contents[i] = open_package(m, &m->contents[i], PACKAGE_CONTENT, packages_dir, staging, &problems);
	if (m->baseline_sensor)
		in->baseline_sensor = open_package(m, m->baseline_sensor, PACKAGE_SENSOR, packages_dir, staging, &problems);
	if (m->baseline_content)
		in->baseline_content = open_package(m, m->baseline_content, PACKAGE_CONTENT, packages_dir, staging, &problems);
	if (in->baseline_sensor && in->baseline_content &&
	    !package_content_fits(in->baseline_content, in->baseline_sensor)) {
		problem(m, m->baseline_content->pos, "baseline content %s %s is not for baseline sensor %s %s",
			in->baseline_content->name, in->baseline_content->version, in->baseline_sensor->name,
			in->baseline_sensor->version);
		problems++;
	}
	for (size_t i = 0; i < m->n_images; i++) {
		check_os(m, m->baseline_sensor, in->baseline_sensor, in->images[i], m->images[i], &problems);
		check_os(m, m->baseline_content, in->baseline_content, in->images[i], m->images[i], &problems);
	}
	check_cells(m, cells, n_cells, in, &problems);
	return problems;
}

void inputs_close(const struct matrix *m, struct run_inputs *in)
{
	for (size_t i = 0; in->images && i < m->n_images; i++)
		image_free(in->images[i]);
	for (size_t i = 0; in->sensors && i < m->n_sensors; i++)
		package_free(in->sensors[i]);
	for (size_t i = 0; in->contents && i < m->n_contents; i++)
		package_free(in->contents[i]);
	package_free(in->baseline_sensor);
	package_free(in->baseline_content);
	free(in->images);
	free(in->sensors);
	free(in->contents);
	memset(in, 0, sizeof(*in));
}
