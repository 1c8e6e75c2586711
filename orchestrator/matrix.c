/* matrix.c: loads a matrix file (libyaml), validates it with positioned errors, expands cells. */
#include "matrix.h"

#include <fnmatch.h>
#include <libgen.h>
#include <string.h>

static const struct plan plan_defaults = {
	.boots = 2,
	.boot_loop_after = 2,
	.agent_deadline_ms = 60000,
	.install_deadline_ms = 120000,
	.settle_ms = 3000,
	.concurrency = 2,
	.retries = 1,
	.workload_ops = 50,
	.perf_threshold = 0.25,
};

static int check_name(struct conf_doc *doc, yaml_node_t *map, const char *key, const char *name,
		      struct conf_error *err)
{
	if (name_is_safe(name))
		return 0;
	return conf_fail(doc, conf_get(doc, map, key), err,
			 "'%s' must be 1-64 characters of letters, digits, '-', '_' or '.', not '%s'", key, name);
}

static int parse_images(struct matrix *m, struct conf_doc *doc, yaml_node_t *seq, struct conf_error *err)
{
	int r = conf_require_seq(doc, seq, "images", err);
	if (r < 0)
		return r;
	m->n_images = conf_seq_len(seq);
	m->images = xcalloc(m->n_images, sizeof(char *));
	m->image_pos = xcalloc(m->n_images, sizeof(*m->image_pos));
	for (size_t i = 0; i < m->n_images; i++) {
		yaml_node_t *item = conf_seq_item(doc, seq, i);
		m->image_pos[i] = conf_pos_of(item);
		const char *v = conf_scalar(item);
		if (!v || !*v)
			return conf_fail(doc, item, err, "each image must be an image name from the catalog");
		m->images[i] = xstrdup(v);
		for (size_t j = 0; j < i; j++)
			if (streq(m->images[j], v))
				return conf_fail(doc, item, err, "image '%s' is listed twice", v);
	}
	return 0;
}

static int parse_hardware(struct matrix *m, struct conf_doc *doc, yaml_node_t *seq, struct conf_error *err)
{
	static const char *const keys[] = { "name", "vcpus", "memory", "machine", "firmware", "disk_bus", "panic_device",
					    "secure_boot", NULL };
	int r = conf_require_seq(doc, seq, "hardware", err);
	if (r < 0)
		return r;
	m->n_hardware = conf_seq_len(seq);
	m->hardware = xcalloc(m->n_hardware, sizeof(*m->hardware));
	for (size_t i = 0; i < m->n_hardware; i++) {
		struct hardware_profile *h = &m->hardware[i];
		yaml_node_t *item = conf_seq_item(doc, seq, i);
		uint64_t vcpus = 1;
		_cleanup_free_ char *firmware = NULL;

		h->memory_mib = 256;
		h->machine = xstrdup("pc");
		h->disk_bus = xstrdup("virtio");
		h->panic_device = true;
		if ((r = conf_check_map(doc, item, "a hardware profile", keys, err)) < 0 ||
		    (r = conf_string(doc, item, "name", true, &h->name, err)) < 0 ||
		    (r = check_name(doc, item, "name", h->name, err)) < 0 ||
		    (r = conf_uint(doc, item, "vcpus", 1, 64, &vcpus, err)) < 0 ||
		    (r = conf_size_mib(doc, item, "memory", 128, 65536, &h->memory_mib, err)) < 0 ||
		    (r = conf_string(doc, item, "machine", false, &h->machine, err)) < 0 ||
		    (r = conf_string(doc, item, "firmware", false, &firmware, err)) < 0 ||
		    (r = conf_string(doc, item, "disk_bus", false, &h->disk_bus, err)) < 0 ||
		    (r = conf_bool(doc, item, "panic_device", &h->panic_device, err)) < 0 ||
		    (r = conf_bool(doc, item, "secure_boot", &h->secure_boot, err)) < 0)
			return r;
		h->vcpus = (unsigned)vcpus;
		if (!streq(h->machine, "pc") && !streq(h->machine, "q35"))
			return conf_fail(doc, conf_get(doc, item, "machine"), err,
					 "machine must be 'pc' or 'q35', not '%s'", h->machine);
		if (!streq(h->disk_bus, "virtio") && !streq(h->disk_bus, "sata"))
			return conf_fail(doc, conf_get(doc, item, "disk_bus"), err,
					 "disk_bus must be 'virtio' or 'sata', not '%s'", h->disk_bus);
		if (!firmware || streq(firmware, "bios"))
			h->firmware = FIRMWARE_BIOS;
		else if (streq(firmware, "uefi"))
			h->firmware = FIRMWARE_UEFI;
		else
			return conf_fail(doc, conf_get(doc, item, "firmware"), err,
					 "firmware must be 'bios' or 'uefi', not '%s'", firmware);
		/* Secure Boot: UEFI with Microsoft's keys enrolled; it needs SMM, which needs q35 */
		if (h->secure_boot && (h->firmware != FIRMWARE_UEFI || !streq(h->machine, "q35")))
			return conf_fail(doc, conf_get(doc, item, "secure_boot"), err,
					 "secure_boot needs firmware: uefi and machine: q35");
		for (size_t j = 0; j < i; j++)
			if (streq(m->hardware[j].name, h->name))
				return conf_fail(doc, item, err, "hardware profile '%s' is defined twice", h->name);
	}
	return 0;
}

static int parse_package(struct conf_doc *doc, yaml_node_t *item, const char *what, struct matrix_package *pkg,
			 struct conf_error *err)
{
	static const char *const keys[] = { "name", "package", NULL };
	int r;
	if ((r = conf_check_map(doc, item, what, keys, err)) < 0 ||
	    (r = conf_string(doc, item, "name", true, &pkg->name, err)) < 0 ||
	    (r = check_name(doc, item, "name", pkg->name, err)) < 0 ||
	    (r = conf_string(doc, item, "package", true, &pkg->package, err)) < 0)
		return r;
	pkg->pos = conf_pos_of(conf_get(doc, item, "package"));
	return 0;
}

static int parse_packages(struct conf_doc *doc, yaml_node_t *seq, const char *what,
			  struct matrix_package **out, size_t *n_out, struct conf_error *err)
{
	int r = conf_require_seq(doc, seq, what, err);
	if (r < 0)
		return r;
	size_t n = conf_seq_len(seq);
	struct matrix_package *pkgs = xcalloc(n, sizeof(*pkgs));
	*out = pkgs;
	*n_out = n;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = conf_seq_item(doc, seq, i);
		if ((r = parse_package(doc, item, what, &pkgs[i], err)) < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (streq(pkgs[j].name, pkgs[i].name))
				return conf_fail(doc, item, err, "'%s' is listed twice in %s", pkgs[i].name, what);
	}
	return 0;
}

/* baseline: {sensor: {name, package}, content: {name, package}}: the pinned versions the
 * candidates' cost is measured against, installed in the same VM before them. */
static int parse_baseline(struct matrix *m, struct conf_doc *doc, yaml_node_t *map, struct conf_error *err)
{
	static const char *const keys[] = { "sensor", "content", NULL };
	int r;
	if (!map)
		return 0;
	if ((r = conf_check_map(doc, map, "baseline", keys, err)) < 0)
		return r;
	yaml_node_t *sensor = conf_get(doc, map, "sensor"), *content = conf_get(doc, map, "content");
	if (!sensor)
		return conf_fail(doc, map, err, "a baseline names its sensor: baseline: {sensor: {name: N, package: P}, "
				 "content: {name: N, package: P}} (leave baseline out to measure against no sensor)");
	m->baseline_sensor = xzalloc(sizeof(*m->baseline_sensor));
	if ((r = parse_package(doc, sensor, "baseline sensor", m->baseline_sensor, err)) < 0)
		return r;
	if (content) {
		m->baseline_content = xzalloc(sizeof(*m->baseline_content));
		if ((r = parse_package(doc, content, "baseline content", m->baseline_content, err)) < 0)
			return r;
	}
	if (!m->plan.workload_reps)
		return conf_fail(doc, map, err, "a baseline is what the workload is compared against: set plan.workload_reps "
				 "(at least 3) or leave baseline out");
	return 0;
}

static int parse_filters(struct conf_doc *doc, yaml_node_t *seq, const char *what,
			 struct matrix_filter **out, size_t *n_out, struct conf_error *err)
{
	static const char *const keys[] = { "image", "hardware", "sensor", "content", NULL };
	if (!seq)
		return 0;
	int r = conf_require_seq(doc, seq, what, err);
	if (r < 0)
		return r;
	size_t n = conf_seq_len(seq);
	struct matrix_filter *f = xcalloc(n, sizeof(*f));
	*out = f;
	*n_out = n;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = conf_seq_item(doc, seq, i);
		if ((r = conf_check_map(doc, item, what, keys, err)) < 0 ||
		    (r = conf_string(doc, item, "image", false, &f[i].image, err)) < 0 ||
		    (r = conf_string(doc, item, "hardware", false, &f[i].hardware, err)) < 0 ||
		    (r = conf_string(doc, item, "sensor", false, &f[i].sensor, err)) < 0 ||
		    (r = conf_string(doc, item, "content", false, &f[i].content, err)) < 0)
			return r;
		if (!f[i].image && !f[i].hardware && !f[i].sensor && !f[i].content)
			return conf_fail(doc, item, err, "a filter in %s must name at least one of image, hardware, sensor, content", what);
	}
	return 0;
}

static int parse_plan(struct plan *p, struct conf_doc *doc, yaml_node_t *map, struct conf_error *err)
{
	static const char *const keys[] = { "boots", "boot_loop_after", "agent_deadline", "install_deadline",
					    "settle", "concurrency", "retries", "push_live", "workload_reps", "workload_ops",
					    "perf_threshold", "kernel_reports", NULL };
	uint64_t boots = p->boots, loop = p->boot_loop_after, conc = p->concurrency, retries = p->retries;
	uint64_t reps = p->workload_reps, ops = p->workload_ops;
	_cleanup_free_ char *kernel_reports = NULL;
	int r;
	if (!map)
		return 0;
	if ((r = conf_check_map(doc, map, "plan", keys, err)) < 0 ||
	    (r = conf_uint(doc, map, "boots", 1, 100, &boots, err)) < 0 ||
	    (r = conf_uint(doc, map, "boot_loop_after", 2, 100, &loop, err)) < 0 ||
	    (r = conf_duration_ms(doc, map, "agent_deadline", 5000, 3600000, &p->agent_deadline_ms, err)) < 0 ||
	    (r = conf_duration_ms(doc, map, "install_deadline", 1000, 3600000, &p->install_deadline_ms, err)) < 0 ||
	    (r = conf_duration_ms(doc, map, "settle", 0, 600000, &p->settle_ms, err)) < 0 ||
	    (r = conf_uint(doc, map, "concurrency", 1, 256, &conc, err)) < 0 ||
	    (r = conf_uint(doc, map, "retries", 0, 10, &retries, err)) < 0 ||
	    (r = conf_bool(doc, map, "push_live", &p->push_live, err)) < 0 ||
	    (r = conf_uint(doc, map, "workload_reps", 0, 100, &reps, err)) < 0 ||
	    (r = conf_uint(doc, map, "workload_ops", 1, 100000, &ops, err)) < 0 ||
	    (r = conf_percent(doc, map, "perf_threshold", 0.001, 10, &p->perf_threshold, err)) < 0 ||
	    (r = conf_string(doc, map, "kernel_reports", false, &kernel_reports, err)) < 0)
		return r;
	if (kernel_reports && streq(kernel_reports, "record"))
		p->kernel_reports = KERNEL_REPORTS_RECORD;
	else if (kernel_reports && !streq(kernel_reports, "fail"))
		return conf_fail(doc, conf_get(doc, map, "kernel_reports"), err,
				 "kernel_reports must be 'fail' (a new kernel report is KERNEL_WARNING) or 'record' "
				 "(only recorded), not '%s'", kernel_reports);
	if (reps == 1 || reps == 2)
		return conf_fail(doc, conf_get(doc, map, "workload_reps"), err,
				 "workload_reps must be 0 (no workload) or at least 3, for statistics");
	p->workload_reps = (unsigned)reps;
	p->workload_ops = (unsigned)ops;
	if (loop > boots)
		return conf_fail(doc, conf_get(doc, map, "boot_loop_after"), err,
				 "boot_loop_after (%u) cannot exceed boots (%u): a boot loop could never be seen",
				 (unsigned)loop, (unsigned)boots);
	p->boots = (unsigned)boots;
	p->boot_loop_after = (unsigned)loop;
	p->concurrency = (unsigned)conc;
	p->retries = (unsigned)retries;
	return 0;
}

static bool filter_names_known(const char *pattern, char *const *names, size_t n, size_t stride)
{
	if (!pattern)
		return true;
	for (size_t i = 0; i < n; i++) {
		const char *name = *(char *const *)((const char *)names + i * stride);
		if (fnmatch(pattern, name, 0) == 0)
			return true;
	}
	return false;
}

/* A filter that can never match is almost always a typo: say so. */
static int check_filters(struct matrix *m, struct conf_doc *doc, const char *what, struct conf_error *err)
{
	yaml_node_t *seq = conf_get(doc, conf_root(doc), what);
	struct matrix_filter *f = streq(what, "include") ? m->include : m->exclude;
	size_t n = streq(what, "include") ? m->n_include : m->n_exclude;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = conf_seq_item(doc, seq, i);
		struct { const char *key, *pattern; const void *names; size_t n, stride; } axes[] = {
			{ "image", f[i].image, m->images, m->n_images, sizeof(char *) },
			{ "hardware", f[i].hardware, m->hardware, m->n_hardware, sizeof(*m->hardware) },
			{ "sensor", f[i].sensor, m->sensors, m->n_sensors, sizeof(*m->sensors) },
			{ "content", f[i].content, m->contents, m->n_contents, sizeof(*m->contents) },
		};
		for (size_t a = 0; a < ARRAY_LENGTH(axes); a++) {
			if (!filter_names_known(axes[a].pattern, (char *const *)axes[a].names, axes[a].n, axes[a].stride))
				return conf_fail(doc, conf_get(doc, item, axes[a].key), err,
						 "%s pattern '%s' in %s matches no %s of this matrix",
						 axes[a].key, axes[a].pattern, what, axes[a].key);
		}
	}
	return 0;
}

static struct matrix *matrix_from_doc(struct conf_doc *doc, const char *path, struct conf_error *err)
{
	static const char *const keys[] = { "name", "images", "hardware", "sensors", "contents", "include",
					    "exclude", "plan", "baseline", NULL };
	struct matrix *m = xzalloc(sizeof(*m));
	yaml_node_t *root = conf_root(doc);
	_cleanup_free_ char *dircopy = xstrdup(path);
	int r;

	m->file = xstrdup(path);
	m->dir = xstrdup(dirname(dircopy));
	m->plan = plan_defaults;
	if ((r = conf_check_map(doc, root, "the matrix", keys, err)) < 0 ||
	    (r = conf_string(doc, root, "name", true, &m->name, err)) < 0 ||
	    (r = check_name(doc, root, "name", m->name, err)) < 0 ||
	    (r = parse_images(m, doc, conf_get(doc, root, "images"), err)) < 0 ||
	    (r = parse_hardware(m, doc, conf_get(doc, root, "hardware"), err)) < 0 ||
	    (r = parse_packages(doc, conf_get(doc, root, "sensors"), "sensors", &m->sensors, &m->n_sensors, err)) < 0 ||
	    (r = parse_packages(doc, conf_get(doc, root, "contents"), "contents", &m->contents, &m->n_contents, err)) < 0 ||
	    (r = parse_filters(doc, conf_get(doc, root, "include"), "include", &m->include, &m->n_include, err)) < 0 ||
	    (r = parse_filters(doc, conf_get(doc, root, "exclude"), "exclude", &m->exclude, &m->n_exclude, err)) < 0 ||
	    (r = check_filters(m, doc, "include", err)) < 0 ||
	    (r = check_filters(m, doc, "exclude", err)) < 0 ||
	    (r = parse_plan(&m->plan, doc, conf_get(doc, root, "plan"), err)) < 0 ||
	    (r = parse_baseline(m, doc, conf_get(doc, root, "baseline"), err)) < 0) {
		matrix_free(m);
		return NULL;
	}
	return m;
}

struct matrix *matrix_load(const char *path, struct conf_error *err)
{
	struct conf_doc *doc;
	if (conf_load(path, &doc, err) < 0)
		return NULL;
	struct matrix *m = matrix_from_doc(doc, path, err);
	conf_free(doc);
	return m;
}

struct matrix *matrix_load_buffer(const char *name, const char *data, size_t len, struct conf_error *err)
{
	struct conf_doc *doc;
	if (conf_load_buffer(name, data, len, &doc, err) < 0)
		return NULL;
	struct matrix *m = matrix_from_doc(doc, name, err);
	conf_free(doc);
	return m;
}

static void filters_free(struct matrix_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].image);
		free(f[i].hardware);
		free(f[i].sensor);
		free(f[i].content);
	}
	free(f);
}

static void packages_free(struct matrix_package *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].package);
	}
	free(p);
}

void matrix_free(struct matrix *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_images; i++)
		free(m->images[i]);
	free(m->images);
	free(m->image_pos);
	for (size_t i = 0; i < m->n_hardware; i++) {
		free(m->hardware[i].name);
		free(m->hardware[i].machine);
		free(m->hardware[i].disk_bus);
	}
	free(m->hardware);
	packages_free(m->sensors, m->n_sensors);
	packages_free(m->contents, m->n_contents);
	packages_free(m->baseline_sensor, m->baseline_sensor ? 1 : 0);
	packages_free(m->baseline_content, m->baseline_content ? 1 : 0);
	filters_free(m->include, m->n_include);
	filters_free(m->exclude, m->n_exclude);
	free(m->file);
	free(m->dir);
	free(m->name);
	free(m);
}

static bool glob_ok(const char *pattern, const char *name)
{
	return !pattern || fnmatch(pattern, name, 0) == 0;
}

static bool filter_matches(const struct matrix *m, const struct matrix_filter *f, const struct cell *c)
{
	return glob_ok(f->image, m->images[c->image]) && glob_ok(f->hardware, m->hardware[c->hardware].name) &&
	       glob_ok(f->sensor, m->sensors[c->sensor].name) && glob_ok(f->content, m->contents[c->content].name);
}

static bool cell_selected(const struct matrix *m, const struct cell *c)
{
	bool included = m->n_include == 0;
	for (size_t i = 0; i < m->n_include && !included; i++)
		included = filter_matches(m, &m->include[i], c);
	if (!included)
		return false;
	for (size_t i = 0; i < m->n_exclude; i++)
		if (filter_matches(m, &m->exclude[i], c))
			return false;
	return true;
}

size_t matrix_expand(const struct matrix *m, struct cell **cells)
{
	size_t cap = m->n_images * m->n_hardware * m->n_sensors * m->n_contents;
	struct cell *out = xcalloc(cap, sizeof(*out));
	size_t n = 0;
	for (size_t i = 0; i < m->n_images; i++)
		for (size_t h = 0; h < m->n_hardware; h++)
			for (size_t s = 0; s < m->n_sensors; s++)
				for (size_t c = 0; c < m->n_contents; c++) {
					struct cell cell = { i, h, s, c };
					if (cell_selected(m, &cell))
						out[n++] = cell;
				}
	*cells = out;
	return n;
}

char *matrix_cell_key(const struct matrix *m, const struct cell *c)
{
	return xasprintf("%s/%s/%s/%s", m->images[c->image], m->hardware[c->hardware].name,
			 m->sensors[c->sensor].name, m->contents[c->content].name);
}

/* FNV-1a: stable across hosts and releases, which a shard assignment must be. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

size_t matrix_shard(const struct matrix *m, struct cell *cells, size_t n_cells, unsigned k, unsigned n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n_cells; i++) {
		_cleanup_free_ char *key = matrix_cell_key(m, &cells[i]);
		if (fnv1a(key) % n == k)
			cells[kept++] = cells[i];
	}
	return kept;
}
