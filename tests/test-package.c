/* test-package.c: bundles built at test time with libarchive, good and hostile. A hostile one is
 * refused with the bundle and the entry named, and nothing lands outside the staging directory. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "package.h"
#include "sha256.h"
#include "test-common.h"

enum kind { F, D, L, H, CHR, FIFO, ZEROS };

struct entry {
	enum kind kind;
	const char *path;
	const char *data;   /* file content, or link target */
	int64_t size;       /* ZEROS: bytes of zeros; F with size: declared size only */
};

static const char *const sensor_manifest =
	"name: s\nvendor: v\nversion: 1.0\nkind: sensor\nos: linux\ninstall: sh install.sh\nhealth: sh health.sh\n";

static void make_archive(const char *path, const struct entry *entries, size_t n)
{
	struct archive *a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	static char zeros[1 << 16];
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &entries[i];
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_perm(ae, 0644);
		switch (e->kind) {
		case F:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_size(ae, e->size ? e->size : (int64_t)strlen(e->data));
			break;
		case ZEROS: archive_entry_set_filetype(ae, AE_IFREG); archive_entry_set_size(ae, e->size); break;
		case D: archive_entry_set_filetype(ae, AE_IFDIR); archive_entry_set_perm(ae, 0755); break;
		case L: archive_entry_set_filetype(ae, AE_IFLNK); archive_entry_set_symlink(ae, e->data); break;
		case H: archive_entry_set_filetype(ae, AE_IFREG); archive_entry_set_hardlink(ae, e->data); break;
		case CHR: archive_entry_set_filetype(ae, AE_IFCHR); archive_entry_set_rdev(ae, 0x0101); break;
		case FIFO: archive_entry_set_filetype(ae, AE_IFIFO); break;
		}
		ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
		if (e->kind == F && !e->size)
			archive_write_data(a, e->data, strlen(e->data));
		if (e->kind == ZEROS)
			for (int64_t left = e->size; left > 0; left -= (int64_t)sizeof(zeros))
				archive_write_data(a, zeros, left < (int64_t)sizeof(zeros) ? (size_t)left : sizeof(zeros));
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
}

#define MANIFEST { F, "manifest.yaml", NULL, 0 }

static const struct {
	const char *name;
	struct entry entries[4];
	const char *expect;
} hostile[] = {
	{ "absolute", { MANIFEST, { F, "/tmp/compatlab-evil", "x", 0 } }, "entry '/tmp/compatlab-evil': absolute path" },
	{ "dotdot", { MANIFEST, { F, "../evil", "x", 0 } }, "entry '../evil': '..' in path" },
	{ "dotdot-deep", { MANIFEST, { F, "a/b/../../../evil", "x", 0 } }, "'..' in path" },
	{ "symlink-abs", { MANIFEST, { L, "etc", "/etc", 0 } }, "entry 'etc': symlink points out of the bundle" },
	{ "symlink-up", { MANIFEST, { D, "a", NULL, 0 }, { L, "a/up", "../../x", 0 } }, "symlink points out of the bundle" },
	{ "below-symlink", { MANIFEST, { D, "sub", NULL, 0 }, { L, "ln", "sub", 0 }, { F, "ln/x", "x", 0 } },
	  "entry 'ln/x': lies below the symlink 'ln'" },
	{ "hardlink", { MANIFEST, { H, "h", "manifest.yaml", 0 } }, "hard links are not allowed" },
	{ "chardev", { MANIFEST, { CHR, "dev", NULL, 0 } }, "device files, fifos and sockets are not allowed" },
	{ "fifo", { MANIFEST, { FIFO, "fifo", NULL, 0 } }, "device files, fifos and sockets are not allowed" },
	{ "declared-huge", { MANIFEST, { F, "big", "", 300ll << 20 } }, "file larger than 256 MiB" },
	{ "bomb", { MANIFEST, { ZEROS, "zeros", NULL, 40ll << 20 } }, "compression ratio above 200:1" },
	{ "backslash", { MANIFEST, { F, "a\\..\\..\\evil", "x", 0 } }, "backslash in path" },
	{ "control", { MANIFEST, { F, "a\x1b[31mred", "x", 0 } }, "control character in path" },
	{ "duplicate", { MANIFEST, { F, "x", "1", 0 }, { F, "x", "2", 0 } }, "entry 'x': appears twice" },
	{ "no-manifest", { { F, "install.sh", "true", 0 } }, "no manifest.yaml at the top of the bundle" },
};

static void fill_manifest(struct entry *entries, const char *manifest)
{
	for (int i = 0; i < 4; i++)
		if (entries[i].path && streq(entries[i].path, "manifest.yaml"))
			entries[i].data = manifest;
}

START_TEST(test_hostile_bundles)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *bundle = xasprintf("%s/%s.tar.gz", dir, hostile[_i].name);
	_cleanup_free_ char *staging = xasprintf("%s/staging", dir);
	struct entry entries[4];
	size_t n = 0;
	memcpy(entries, hostile[_i].entries, sizeof(entries));
	fill_manifest(entries, sensor_manifest);
	while (n < 4 && entries[n].path)
		n++;
	make_archive(bundle, entries, n);

	struct conf_error err = { 0 };
	struct package *p = package_open(bundle, staging, &err);
	ck_assert_msg(p == NULL, "%s accepted", hostile[_i].name);
	ck_assert_str_eq(err.file, bundle);
	ck_assert_msg(strstr(err.reason, hostile[_i].expect), "%s: got '%s'", hostile[_i].name, err.reason);
	conf_error_clear(&err);
	/* nothing escaped, and the staging area of a refused bundle is gone */
	ck_assert_int_ne(access("/tmp/compatlab-evil", F_OK), 0);
	_cleanup_free_ char *escaped = xasprintf("%s/evil", dir);
	ck_assert_int_ne(access(escaped, F_OK), 0);
	DIR *d = opendir(staging);
	int left = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		left += de->d_name[0] != '.';
	if (d)
		closedir(d);
	ck_assert_int_eq(left, 0);
	remove_tree(dir);
}
END_TEST

START_TEST(test_too_many_entries)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *bundle = xasprintf("%s/many.tar.gz", dir);
	size_t n = PACKAGE_MAX_ENTRIES + 2;
	struct entry *entries = xcalloc(n, sizeof(*entries));
	char **names = xcalloc(n, sizeof(char *));
	entries[0] = (struct entry){ F, "manifest.yaml", sensor_manifest, 0 };
	for (size_t i = 1; i < n; i++) {
		names[i] = xasprintf("f%zu", i);
		entries[i] = (struct entry){ F, names[i], "x", 0 };
	}
	make_archive(bundle, entries, n);
	struct conf_error err = { 0 };
	_cleanup_free_ char *staging = xasprintf("%s/staging", dir);
	ck_assert_ptr_null(package_open(bundle, staging, &err));
	ck_assert_msg(strstr(err.reason, "more than 10000 entries"), "%s", err.reason);
	conf_error_clear(&err);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(entries);
	remove_tree(dir);
}
END_TEST

static const struct {
	const char *manifest;
	const char *expect;
} bad_manifests[] = {
	{ "name: s\nvendor: v\nversion: 1\nkind: driver\nos: linux\ninstall: x\n", "manifest.yaml:4:7: kind must be 'sensor' or 'content', not 'driver'" },
	{ "name: s\nvendor: v\nversion: 1\nkind: content\nos: linux\ninstall: x\n", "a content bundle must name its 'sensor'" },
	{ "name: s\nvendor: v\nversion: 1\nkind: sensor\nos: linux\ninstall: \"a\\nb\"\n", "single-line commands" },
	{ "name: s\nvendor: v\nkind: sensor\nos: linux\ninstall: x\n", "missing required key 'version'" },
	{ "name: s\nvendr: v\n", "unknown key 'vendr' in the manifest (did you mean 'vendor'?)" },
	{ "[not, a, mapping]\n", "the manifest must be a mapping" },
};

START_TEST(test_bad_manifests)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *bundle = xasprintf("%s/b.tar.gz", dir);
	_cleanup_free_ char *staging = xasprintf("%s/staging", dir);
	struct entry entries[] = { { F, "manifest.yaml", bad_manifests[_i].manifest, 0 } };
	make_archive(bundle, entries, 1);
	struct conf_error err = { 0 };
	ck_assert_ptr_null(package_open(bundle, staging, &err));
	_cleanup_free_ char *text = conf_error_format(&err);
	ck_assert_msg(strstr(text, bad_manifests[_i].expect), "got '%s'", text);
	conf_error_clear(&err);
	remove_tree(dir);
}
END_TEST

START_TEST(test_good_bundle)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *bundle = xasprintf("%s/good.tar.gz", dir);
	_cleanup_free_ char *staging = xasprintf("%s/staging", dir);
	struct entry entries[] = {
		{ F, "./manifest.yaml", sensor_manifest, 0 },
		{ D, "./bin/", NULL, 0 },
		{ F, "./bin/sensor.ko", "\x7f" "ELF", 0 },
		{ L, "./bin/current", "sensor.ko", 0 },
		{ F, "./install.sh", "#!/bin/sh\ntrue\n", 0 },
	};
	make_archive(bundle, entries, ARRAY_LENGTH(entries));
	struct conf_error err = { 0 };
	struct package *p = package_open(bundle, staging, &err);
	ck_assert_msg(p, "%s", err.reason ? err.reason : "?");
	ck_assert_int_eq(p->kind, PACKAGE_SENSOR);
	ck_assert_str_eq(p->name, "s");
	ck_assert_str_eq(p->version, "1.0");
	ck_assert_str_eq(p->install, "sh install.sh");
	ck_assert_uint_eq(p->n_entries, 5);
	ck_assert_str_eq(p->entries[1].path, "bin");
	ck_assert(p->entries[1].dir);
	ck_assert_str_eq(p->entries[3].link, "sensor.ko");
	char hex[65];
	uint64_t size;
	ck_assert_int_eq(sha256_file(bundle, hex, &size), 0);
	ck_assert_str_eq(p->sha256, hex);
	ck_assert_uint_eq(p->size, size);
	_cleanup_free_ char *extracted = xasprintf("%s/bin/sensor.ko", p->staging);
	_cleanup_free_ char *data = NULL;
	ck_assert_int_eq(read_file(extracted, 100, &data, NULL), 0);
	ck_assert_str_eq(data, "\x7f" "ELF");
	package_free(p);
	remove_tree(dir);
}
END_TEST

START_TEST(test_not_an_archive)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *bundle = xasprintf("%s/junk.tar.gz", dir);
	_cleanup_free_ char *staging = xasprintf("%s/staging", dir);
	ck_assert_int_eq(write_file(bundle, "\x1f\x8b\x08garbage-garbage", 18, 0644), 0);
	struct conf_error err = { 0 };
	ck_assert_ptr_null(package_open(bundle, staging, &err));
	ck_assert_msg(strstr(err.reason, "archive"), "%s", err.reason);
	conf_error_clear(&err);
	remove_tree(dir);
}
END_TEST

START_TEST(test_content_fits)
{
	char *versions[] = { "1.0", "1.1", NULL };
	struct package sensor = { .name = "demo", .version = "1.1" };
	struct package content = { .sensor = "demo", .sensor_versions = versions };
	ck_assert(package_content_fits(&content, &sensor));
	sensor.version = "2.0";
	ck_assert(!package_content_fits(&content, &sensor));
	content.sensor_versions = NULL;
	ck_assert(package_content_fits(&content, &sensor));
	content.sensor = "other";
	ck_assert(!package_content_fits(&content, &sensor));
}
END_TEST

/* A catalog entry whose files exist (validate reads the entry, it boots nothing). */
static void write_image_entry(const char *catalog, const char *name, const char *os)
{
	_cleanup_free_ char *disk = xasprintf("%s/%s.qcow2", catalog, name);
	_cleanup_free_ char *key = xasprintf("%s/%s.key", catalog, name);
	_cleanup_free_ char *entry = xasprintf("%s/%s.yaml", catalog, name);
	_cleanup_free_ char *yaml = xasprintf("name: %s\nos: %s\ndisk: %s.qcow2\nagent:\n  transport: ssh\n  user: root\n"
					      "  key: %s.key\n  host_key: ssh-ed25519 AAAA\n  command: /agent\n",
					      name, os, name, name);
	ck_assert_int_eq(write_file(disk, "", 0, 0644), 0);
	ck_assert_int_eq(write_file(key, "k", 1, 0600), 0);
	ck_assert_int_eq(write_file(entry, yaml, strlen(yaml), 0644), 0);
}

static void write_bundle(const char *dir, const char *file, const char *manifest)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	struct entry entries[] = { { F, "manifest.yaml", manifest, 0 }, { F, "install.sh", "true\n", 0 } };
	make_archive(path, entries, ARRAY_LENGTH(entries));
}

/* Runs inputs_open on a matrix text with stderr captured; returns the problem count, *out the messages. */
static size_t check_inputs(const char *dir, const char *text, char **out)
{
	_cleanup_free_ char *path = xasprintf("%s/matrix.yaml", dir);
	_cleanup_free_ char *catalog = xasprintf("%s/catalog", dir);
	_cleanup_free_ char *staging = xasprintf("%s/staging", dir);
	_cleanup_free_ char *errors = xasprintf("%s/stderr", dir);
	ck_assert_int_eq(write_file(path, text, strlen(text), 0644), 0);
	struct conf_error err = { 0 };
	struct matrix *m = matrix_load(path, &err);
	ck_assert_msg(m, "%s", err.reason ? err.reason : "?");
	struct cell *cells;
	size_t n = matrix_expand(m, &cells);

	fflush(stderr);
	int saved = dup(2), fd = open(errors, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	struct run_inputs in;
	size_t problems = inputs_open(m, cells, n, catalog, NULL, staging, &in);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	inputs_close(m, &in);
	free(cells);
	matrix_free(m);
	ck_assert_int_eq(read_file(errors, 1 << 20, out, NULL), 0);
	return problems;
}

/* validate and run share inputs_open: every problem of a matrix's inputs is found before anything
 * starts, each at its place in the matrix file. */
START_TEST(test_matrix_inputs)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *catalog = xasprintf("%s/catalog", dir);
	ck_assert_int_eq(mkdir_p(catalog, 0755), 0);
	write_image_entry(catalog, "linux-test", "linux");
	write_image_entry(catalog, "win", "windows");
	write_bundle(dir, "s.tar.gz", sensor_manifest);
	write_bundle(dir, "c1.tar.gz", "name: c1\nvendor: v\nversion: 1\nkind: content\nos: linux\ninstall: true\n"
				       "health: true\nsensor: s\n");
	write_bundle(dir, "c2.tar.gz", "name: c2\nvendor: v\nversion: 1\nkind: content\nos: linux\ninstall: true\n"
				       "health: true\nsensor: other\n");

	_cleanup_free_ char *good = NULL;
	ck_assert_uint_eq(check_inputs(dir, "name: t\nimages: [linux-test]\nhardware: [{name: h}]\n"
					    "sensors: [{name: s, package: s.tar.gz}]\ncontents: [{name: c1, package: c1.tar.gz}]\n",
				       &good), 0);
	ck_assert_str_eq(good, "");

	_cleanup_free_ char *bad = NULL;
	size_t problems = check_inputs(dir,
				       "name: t\n"
				       "images:\n"
				       "  - linux-test\n"
				       "  - missing-image\n"
				       "  - win\n"
				       "hardware: [{name: h}]\n"
				       "sensors:\n"
				       "  - {name: s, package: s.tar.gz}\n"
				       "  - {name: gone, package: nowhere.tar.gz}\n"
				       "contents:\n"
				       "  - {name: c1, package: c1.tar.gz}\n"
				       "  - {name: c2, package: c2.tar.gz}\n"
				       "  - {name: wrongkind, package: s.tar.gz}\n",
				       &bad);
	static const char *const expect[] = {
		"matrix.yaml:4:5: image 'missing-image': ", "no image 'missing-image' in the catalog",
		"matrix.yaml:9:27: sensor 'gone': bundle nowhere.tar.gz not found",
		"matrix.yaml:13:32: content 'wrongkind': ", "is a sensor bundle, listed as a content",
		"matrix.yaml:12:25: content 'c2' (c2 1) requires sensor other, yet meets sensor 's' (s 1.0) in cell linux-test/h/s/c2",
		"matrix.yaml:8:24: sensor 's' is for linux, image 'win' runs windows",
		"matrix.yaml:11:25: content 'c1' is for linux, image 'win' runs windows",
		"matrix.yaml:12:25: content 'c2' is for linux, image 'win' runs windows",
	};
	for (size_t i = 0; i < ARRAY_LENGTH(expect); i++)
		ck_assert_msg(strstr(bad, expect[i]), "'%s' missing from:\n%s", expect[i], bad);
	ck_assert_uint_eq(problems, 7);
	remove_tree(dir);
}
END_TEST

static Suite *package_suite(void)
{
	Suite *s = suite_create("package");
	TCase *tc = tcase_create("package");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hostile_bundles, 0, ARRAY_LENGTH(hostile));
	tcase_add_test(tc, test_too_many_entries);
	tcase_add_loop_test(tc, test_bad_manifests, 0, ARRAY_LENGTH(bad_manifests));
	tcase_add_test(tc, test_good_bundle);
	tcase_add_test(tc, test_not_an_archive);
	tcase_add_test(tc, test_content_fits);
	tcase_add_test(tc, test_matrix_inputs);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(package_suite)
