/* test-image.c: "image import" on disks made at test time with qemu-img (qcow2, raw, VHDX, VHD),
 * hostile and damaged ones refused with nothing left behind, the catalog entry written and read
 * back, and the NoCloud seed read back out of its ISO with xorriso. Boots nothing (the vm suite
 * boots imported images). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "image.h"
#include "json.h"
#include "sha256.h"
#include "test-common.h"

struct fixture {
	char *dir, *catalog, *key, *host_key;
};

static struct fixture setup(void)
{
	struct fixture f = { .dir = test_tmpdir() };
	f.catalog = xasprintf("%s/catalog", f.dir);
	f.key = xasprintf("%s/client_key", f.dir);
	char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f.key, NULL };
	_cleanup_free_ char *why = NULL;
	ck_assert_msg(run_command(argv, 0, NULL, &why) == 0, "%s", why);
	_cleanup_free_ char *pub = xasprintf("%s.pub", f.key), *text = NULL;
	ck_assert_int_eq(read_file(pub, 4096, &text, NULL), 0);
	text[strcspn(text, "\n")] = '\0';
	*strrchr(text, ' ') = '\0'; /* the comment */
	f.host_key = xstrdup(text);
	ck_assert_int_eq(mkdir_p(f.catalog, 0755), 0);
	return f;
}

static void teardown(struct fixture *f)
{
	remove_tree(f->dir);
	free(f->dir); free(f->catalog); free(f->key); free(f->host_key);
}

/* A disk of format fmt made by qemu-img, 8 MiB, with a few bytes written at 1 MiB (so the
 * conversion has content to carry). */
static char *make_disk(const struct fixture *f, const char *fmt)
{
	char *path = xasprintf("%s/source.%s", f->dir, fmt);
	_cleanup_free_ char *raw = xasprintf("%s/content.raw", f->dir), *why = NULL;
	ck_assert_int_eq(write_file(raw, "", 0, 0644), 0);
	ck_assert_int_eq(truncate(raw, 8 << 20), 0);
	FILE *fp = fopen(raw, "r+");
	fseek(fp, 1 << 20, SEEK_SET);
	fputs("compatlab-disk-content", fp);
	fclose(fp);
	char *argv[] = { "qemu-img", "convert", "-q", "-f", "raw", "-O", (char *)fmt, raw, path, NULL };
	ck_assert_msg(run_command(argv, 0, NULL, &why) == 0, "%s", why);
	unlink(raw);
	return path;
}

static struct image_import prepared(const struct fixture *f, const char *name, const char *file)
{
	return (struct image_import){ .name = name, .file = file, .key = f->key, .host_key = f->host_key,
				      .build = "built: \"here\" # not a comment", .disk_bus = "sata" };
}

/* Every format import takes becomes a qcow2 with the same content, its source's SHA-256 recorded. */
static const char *const formats[] = { "qcow2", "raw", "vhdx", "vpc" };

START_TEST(test_import_formats)
{
	struct fixture f = setup();
	_cleanup_free_ char *src = make_disk(&f, formats[_i]), *why = NULL, *name = xasprintf("img-%s", formats[_i]);
	struct image_import o = prepared(&f, name, src);
	ck_assert_msg(image_import(f.catalog, &o, &why) == 0, "%s: %s", formats[_i], why);

	struct conf_error err = { 0 };
	struct image *img = catalog_load(f.catalog, name, &err);
	ck_assert_msg(img, "%s", err.reason ? err.reason : "?");
	char hex[65];
	ck_assert_int_eq(sha256_file(src, hex, NULL), 0);
	ck_assert_str_eq(img->sha256, hex);
	ck_assert_msg(strstr(img->source, formats[_i]), "%s", img->source);
	ck_assert_str_eq(img->build, "built: \"here\" # not a comment");
	ck_assert_str_eq(img->disk_bus, "sata");
	ck_assert_str_eq(img->agent_host_key, f.host_key);
	ck_assert_ptr_null(img->kernel);
	ck_assert_ptr_null(img->seed);

	struct image_source_info info;
	ck_assert_int_eq(image_probe(img->disk, NULL, &info, &why), 0);
	ck_assert_str_eq(info.format, "qcow2");
	/* VHD rounds the size up to its CHS geometry */
	ck_assert_msg(info.virtual_size >= 8 << 20 && info.virtual_size < (8 << 20) + (64 << 10), "%llu",
		      (unsigned long long)info.virtual_size);
	/* the content came across */
	_cleanup_free_ char *back = xasprintf("%s/back.raw", f.dir);
	char *argv[] = { "qemu-img", "convert", "-q", "-O", "raw", img->disk, back, NULL };
	ck_assert_int_eq(run_command(argv, 0, NULL, &why), 0);
	FILE *fp = fopen(back, "r");
	char buf[32] = "";
	fseek(fp, 1 << 20, SEEK_SET);
	ck_assert_int_eq(fread(buf, 1, 22, fp), 22);
	fclose(fp);
	ck_assert_str_eq(buf, "compatlab-disk-content");
	image_free(img);

	/* a second import of the name is refused unless replacing */
	ck_assert_int_eq(image_import(f.catalog, &o, &why), -EEXIST);
	free(why);
	why = NULL;
	o.replace = true;
	ck_assert_msg(image_import(f.catalog, &o, &why) == 0, "%s", why);
	size_t n;
	char **names = catalog_list(f.catalog, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(names[0], name);
	free(names[0]);
	free(names);
	teardown(&f);
}
END_TEST

/* Nothing but the catalog's entries and their folders: no work or old folders left. */
static void assert_catalog_clean(const struct fixture *f, size_t entries)
{
	_cleanup_free_ char *cmd = xasprintf("ls -A %s | grep -c .", f->catalog), *out = NULL, *why = NULL;
	char *argv[] = { "sh", "-c", cmd, NULL };
	run_command(argv, 64, &out, &why);
	ck_assert_uint_eq(out ? strtoul(out, NULL, 10) : 0, entries * 2);
}

START_TEST(test_import_refuses)
{
	struct fixture f = setup();
	_cleanup_free_ char *base = make_disk(&f, "qcow2"), *why = NULL;

	/* a qcow2 backed by another file (a host file read through the image) */
	_cleanup_free_ char *overlay = xasprintf("%s/overlay.qcow2", f.dir);
	char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, overlay, NULL };
	ck_assert_int_eq(run_command(mk, 0, NULL, &why), 0);
	struct image_import o = prepared(&f, "backed", overlay);
	ck_assert_int_eq(image_import(f.catalog, &o, &why), -EINVAL);
	ck_assert_msg(strstr(why, "backed by another file") && strstr(why, overlay), "%s", why);
	free(why);
	why = NULL;

	/* a damaged qcow2: its L1 table pointer aimed past the end */
	_cleanup_free_ char *broken = xasprintf("%s/broken.qcow2", f.dir);
	_cleanup_free_ char *copy = xasprintf("cp %s %s && printf '\\377\\377\\377\\377' | dd of=%s bs=1 seek=40 conv=notrunc "
					      "2>/dev/null", base, broken, broken);
	char *sh[] = { "sh", "-c", copy, NULL };
	ck_assert_int_eq(run_command(sh, 0, NULL, &why), 0);
	o = prepared(&f, "broken", broken);
	ck_assert_int_lt(image_import(f.catalog, &o, &why), 0);
	ck_assert_msg(strstr(why, broken), "%s", why);
	free(why);
	why = NULL;

	/* too small to hold an OS; a format import does not take; a bad name; no way in for the agent */
	_cleanup_free_ char *tiny = xasprintf("%s/tiny.raw", f.dir);
	ck_assert_int_eq(write_file(tiny, "x", 1, 0644), 0);
	o = prepared(&f, "tiny", tiny);
	ck_assert_int_eq(image_import(f.catalog, &o, &why), -EINVAL);
	ck_assert_msg(strstr(why, "holds no OS"), "%s", why);
	free(why);
	why = NULL;
	o = prepared(&f, "vdi", base);
	o.format = "vdi";
	ck_assert_int_eq(image_import(f.catalog, &o, &why), -EINVAL);
	ck_assert_msg(strstr(why, "not one import takes"), "%s", why);
	free(why);
	why = NULL;
	o = prepared(&f, "../escape", base);
	ck_assert_int_eq(image_import(f.catalog, &o, &why), -EINVAL);
	free(why);
	why = NULL;
	o = prepared(&f, "nokey", base);
	o.key = NULL;
	ck_assert_int_eq(image_import(f.catalog, &o, &why), -EINVAL);
	ck_assert_msg(strstr(why, "--cloud-init"), "%s", why);
	free(why);
	why = NULL;

	assert_catalog_clean(&f, 0);
	teardown(&f);
}
END_TEST

/* Reads one file out of an ISO with xorriso's osirrox. */
static char *iso_file(const char *iso, const char *name, const char *dir)
{
	_cleanup_free_ char *dst = xasprintf("%s/extracted-%s", dir, name), *src = xasprintf("/%s", name), *why = NULL;
	char *argv[] = { "xorriso", "-osirrox", "on", "-indev", (char *)iso, "-extract", src, dst, NULL };
	ck_assert_msg(run_command(argv, 0, NULL, &why) == 0, "%s", why);
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file(dst, 64u << 20, &text, &len), 0);
	return text;
}

START_TEST(test_import_cloud_init_seed)
{
	struct fixture f = setup();
	_cleanup_free_ char *src = make_disk(&f, "qcow2"), *why = NULL;
	_cleanup_free_ char *agent = xasprintf("%s/agent", f.dir);
	ck_assert_int_eq(write_file(agent, "\177ELF-agent", 10, 0755), 0);
	struct image_import o = { .name = "cloud", .file = src, .cloud_init = true, .agent = agent };
	ck_assert_msg(image_import(f.catalog, &o, &why) == 0, "%s", why);

	struct conf_error err = { 0 };
	struct image *img = catalog_load(f.catalog, "cloud", &err);
	ck_assert_msg(img, "%s", err.reason ? err.reason : "?");
	ck_assert_ptr_nonnull(img->seed);
	ck_assert_str_eq(img->agent_command, "/usr/local/bin/compatlab-agent");
	ck_assert_str_eq(img->agent_user, "root");

	_cleanup_free_ char *user_data = iso_file(img->seed, "user-data", f.dir);
	_cleanup_free_ char *meta_data = iso_file(img->seed, "meta-data", f.dir);
	_cleanup_free_ char *carried = iso_file(img->seed, "compatlab-agent", f.dir);
	ck_assert_str_eq(carried, "\177ELF-agent");
	ck_assert(strstartswith(user_data, "#cloud-config\n"));
	ck_assert_msg(strstr(meta_data, "instance-id: compatlab-cloud"), "%s", meta_data);
	/* the client key the catalog names is the one root accepts; the pinned host key is the guest's */
	_cleanup_free_ char *pub_path = xasprintf("%s.pub", img->agent_key), *pub = NULL;
	ck_assert_int_eq(read_file(pub_path, 4096, &pub, NULL), 0);
	pub[strcspn(pub, "\n")] = '\0';
	*strrchr(pub, ' ') = '\0';
	ck_assert_msg(strstr(user_data, pub), "%s not in\n%s", pub, user_data);
	_cleanup_free_ char *host_line = xasprintf("ed25519_public: %s\n", img->agent_host_key);
	ck_assert_msg(strstr(user_data, host_line), "%s", user_data);
	ck_assert(strstr(user_data, "BEGIN OPENSSH PRIVATE KEY"));
	ck_assert(strstr(user_data, "/usr/local/bin/compatlab-agent"));
	/* the guest's private host key lives only in the seed */
	_cleanup_free_ char *leftover = xasprintf("%s/cloud/host_key", f.catalog);
	ck_assert_int_ne(access(leftover, F_OK), 0);
	image_free(img);

	/* an agent command a shell would misread is refused */
	o.name = "cloud2";
	o.agent_command = "/usr/bin/x; rm -rf /";
	ck_assert_int_eq(image_import(f.catalog, &o, &why), -EINVAL);
	ck_assert_msg(strstr(why, "plain absolute path"), "%s", why);
	assert_catalog_clean(&f, 1);
	teardown(&f);
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("import");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_import_formats, 0, ARRAY_LENGTH(formats));
	tcase_add_test(tc, test_import_refuses);
	tcase_add_test(tc, test_import_cloud_init_seed);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(image_suite)
