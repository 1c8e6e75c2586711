/* package.c: opens sensor/content bundles with libarchive, refusing absolute paths, "..",
 * links out of the tree, device files and size bombs; extracts the payload; reads the manifest. */
#include "package.h"
#include "log.h"
#include "sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *package_kind_name(enum package_kind k)
{
	return k == PACKAGE_SENSOR ? "sensor" : "content";
}

const char *package_path_problem(const char *path)
{
	size_t len = strlen(path);
	if (len == 0)
		return "empty path";
	if (len > 1024)
		return "path longer than 1024 bytes";
	if (path[0] == '/')
		return "absolute path";
	if (strchr(path, '\\'))
		return "backslash in path";
	if (len >= 2 && path[1] == ':')
		return "drive-letter path";
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return "control character in path";
	/* every component: not "..", not empty except a trailing slash */
	const char *c = path;
	while (*c) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "'..' in path";
		if (n == 0 && end && end[1])
			return "empty path component";
		if (!end)
			break;
		c = end + 1;
	}
	return NULL;
}

/* Normalises "./a/b/" to "a/b". Returns NULL for the archive root itself. */
static char *normalise(const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && path[0] == '.'))
		return NULL;
	return xstrndup(path, n);
}

/* A symlink at path pointing to target stays inside the tree when resolving it lexically
 * never climbs above the root. */
static bool link_stays_inside(const char *path, const char *target)
{
	if (target[0] == '/' || !*target)
		return false;
	int depth = 0;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			depth++;
	const char *c = target;
	while (*c) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n > 0 && !(n == 1 && c[0] == '.')) {
			depth++;
		}
		if (!end)
			break;
		c = end + 1;
	}
	return true;
}

static int fail(struct conf_error *err, const char *bundle, const char *entry, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
static int fail(struct conf_error *err, const char *bundle, const char *entry, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (entry) {
		_cleanup_free_ char *safe = sanitize_text(entry, strlen(entry), 200);
		return conf_error_set(err, bundle, 0, 0, "entry '%s': %s", safe, msg);
	}
	return conf_error_set(err, bundle, 0, 0, "%s", msg);
}

static int extract_data(struct archive *a, int fd, uint64_t *written, uint64_t limit)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int rc;
	while ((rc = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		if ((uint64_t)off + len > limit)
			return -EFBIG;
		if (pwrite(fd, buf, len, off) != (ssize_t)len)
			return -errno;
		if ((uint64_t)off + len > *written)
			*written = (uint64_t)off + len;
	}
	return rc == ARCHIVE_EOF ? 0 : -EIO;
}

static int extract(struct package *p, struct conf_error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	uint64_t total = 0;
	int r = 0, rc;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	if (archive_read_open_filename(a, p->path, 65536) != ARCHIVE_OK) {
		r = fail(err, p->path, NULL, "cannot open archive: %s", archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		const char *raw = archive_entry_pathname(e);
		const char *problem;
		mode_t type = archive_entry_filetype(e);

		if (!raw) {
			r = fail(err, p->path, NULL, "entry without a path");
			goto out;
		}
		if ((problem = package_path_problem(raw))) {
			r = fail(err, p->path, raw, "%s", problem);
			goto out;
		}
		_cleanup_free_ char *path = normalise(raw);
		if (!path)
			continue;
		if (p->n_entries >= PACKAGE_MAX_ENTRIES) {
			r = fail(err, p->path, raw, "more than %d entries", PACKAGE_MAX_ENTRIES);
			goto out;
		}
		if (archive_entry_hardlink(e)) {
			r = fail(err, p->path, raw, "hard links are not allowed");
			goto out;
		}
		for (size_t i = 0; i < p->n_entries; i++) {
			if (streq(p->entries[i].path, path) && !(p->entries[i].dir && type == AE_IFDIR)) {
				r = fail(err, p->path, raw, "appears twice in the archive");
				goto out;
			}
			/* nothing may be placed below a symlink: it could lead out of the tree */
			if (p->entries[i].link && strstartswith(path, p->entries[i].path) &&
			    path[strlen(p->entries[i].path)] == '/') {
				r = fail(err, p->path, raw, "lies below the symlink '%s'", p->entries[i].path);
				goto out;
			}
		}
		_cleanup_free_ char *dest = path_join(p->staging, path);
		struct package_entry ent = { 0 };
		if (type == AE_IFDIR) {
			if (mkdir_p(dest, 0755) < 0) {
				r = fail(err, p->path, raw, "cannot create directory: %s", strerror(errno));
				goto out;
			}
			ent.dir = true;
		} else if (type == AE_IFLNK) {
			const char *target = archive_entry_symlink(e);
			if (!target || !link_stays_inside(path, target) || package_path_problem(target)) {
				r = fail(err, p->path, raw, "symlink points out of the bundle");
				goto out;
			}
			ent.link = xstrdup(target);
		} else if (type == AE_IFREG) {
			int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
			if (declared < 0 || (uint64_t)declared > PACKAGE_MAX_FILE) {
				r = fail(err, p->path, raw, "file larger than %llu MiB", PACKAGE_MAX_FILE >> 20);
				goto out;
			}
			_cleanup_free_ char *parent = xstrdup(dest);
			*strrchr(parent, '/') = '\0';
			mkdir_p(parent, 0755);
			_cleanup_close_ int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
			if (fd < 0) {
				r = fail(err, p->path, raw, "cannot extract: %s", strerror(errno));
				goto out;
			}
			uint64_t limit = PACKAGE_MAX_FILE;
			if (PACKAGE_MAX_TOTAL - total < limit)
				limit = PACKAGE_MAX_TOTAL - total;
			r = extract_data(a, fd, &ent.size, limit);
			if (r == -EFBIG) {
				r = fail(err, p->path, raw, "payload exceeds the size limit (file %llu MiB, bundle %llu MiB)",
					 PACKAGE_MAX_FILE >> 20, PACKAGE_MAX_TOTAL >> 20);
				goto out;
			}
			if (r < 0) {
				r = fail(err, p->path, raw, "cannot read: %s", archive_error_string(a) ? archive_error_string(a) : strerror(-r));
				goto out;
			}
			total += ent.size;
			if (total > (16ull << 20) && total / (p->size ? p->size : 1) > PACKAGE_MAX_RATIO) {
				r = fail(err, p->path, raw, "compression ratio above %d:1 (a size bomb?)", PACKAGE_MAX_RATIO);
				goto out;
			}
			ent.exec = (archive_entry_perm(e) & 0111) != 0;
			if (ent.exec)
				fchmod(fd, 0755);
		} else {
			r = fail(err, p->path, raw, "device files, fifos and sockets are not allowed");
			goto out;
		}
		ent.path = steal(&path);
		p->entries = xreallocarray(p->entries, p->n_entries + 1, sizeof(*p->entries));
		p->entries[p->n_entries++] = ent;
	}
	if (rc != ARCHIVE_EOF)
		r = fail(err, p->path, NULL, "damaged archive: %s", archive_error_string(a));
out:
	archive_read_free(a);
	return r;
}

static int read_manifest(struct package *p, struct conf_error *err)
{
	static const char *const keys[] = { "name", "vendor", "version", "kind", "os", "install", "uninstall",
					    "health", "push", "sensor", "sensor_versions", NULL };
	_cleanup_free_ char *mpath = path_join(p->staging, PACKAGE_MANIFEST);
	_cleanup_free_ char *label = xasprintf("%s:%s", p->path, PACKAGE_MANIFEST);
	_cleanup_free_ char *kind = NULL;
	_cleanup_free_ char *data = NULL;
	struct conf_doc *doc = NULL;
	size_t len;
	int r;

	bool found = false;
	for (size_t i = 0; i < p->n_entries; i++)
		if (streq(p->entries[i].path, PACKAGE_MANIFEST) && !p->entries[i].dir && !p->entries[i].link)
			found = true;
	if (!found)
		return fail(err, p->path, NULL, "no %s at the top of the bundle", PACKAGE_MANIFEST);
	if ((r = read_file(mpath, 1 << 20, &data, &len)) < 0)
		return fail(err, p->path, PACKAGE_MANIFEST, "%s", strerror(-r));
	if ((r = conf_load_buffer(label, data, len, &doc, err)) < 0)
		return r;
	yaml_node_t *root = conf_root(doc);
	if ((r = conf_check_map(doc, root, "the manifest", keys, err)) < 0 ||
	    (r = conf_string(doc, root, "name", true, &p->name, err)) < 0 ||
	    (r = conf_string(doc, root, "vendor", true, &p->vendor, err)) < 0 ||
	    (r = conf_string(doc, root, "version", true, &p->version, err)) < 0 ||
	    (r = conf_string(doc, root, "kind", true, &kind, err)) < 0 ||
	    (r = conf_string(doc, root, "os", true, &p->os, err)) < 0 ||
	    (r = conf_string(doc, root, "install", true, &p->install, err)) < 0 ||
	    (r = conf_string(doc, root, "uninstall", false, &p->uninstall, err)) < 0 ||
	    (r = conf_string(doc, root, "health", false, &p->health, err)) < 0 ||
	    (r = conf_string(doc, root, "push", false, &p->push, err)) < 0 ||
	    (r = conf_string(doc, root, "sensor", false, &p->sensor, err)) < 0)
		goto out;
	if (streq(kind, "sensor")) {
		p->kind = PACKAGE_SENSOR;
	} else if (streq(kind, "content")) {
		p->kind = PACKAGE_CONTENT;
	} else {
		r = conf_fail(doc, conf_get(doc, root, "kind"), err, "kind must be 'sensor' or 'content', not '%s'", kind);
		goto out;
	}
	if (p->kind == PACKAGE_CONTENT && !p->sensor) {
		r = conf_fail(doc, root, err, "a content bundle must name its 'sensor'");
		goto out;
	}
	yaml_node_t *vers = conf_get(doc, root, "sensor_versions");
	size_t n = conf_seq_len(vers);
	if (vers && vers->type != YAML_SEQUENCE_NODE) {
		r = conf_fail(doc, vers, err, "sensor_versions must be a list of versions");
		goto out;
	}
	p->sensor_versions = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *v = conf_scalar(conf_seq_item(doc, vers, i));
		if (!v) {
			r = conf_fail(doc, conf_seq_item(doc, vers, i), err, "each sensor version must be a single value");
			goto out;
		}
		p->sensor_versions[i] = xstrdup(v);
	}
	/* the commands run in the guest: keep them to one printable line */
	const char *cmds[] = { p->install, p->uninstall, p->health, p->push };
	for (size_t i = 0; i < ARRAY_LENGTH(cmds); i++) {
		for (const char *c = cmds[i]; c && *c; c++) {
			if ((unsigned char)*c < 0x20) {
				r = conf_fail(doc, root, err, "install, uninstall, health and push must be single-line commands");
				goto out;
			}
		}
	}
out:
	conf_free(doc);
	return r;
}

struct package *package_open(const char *path, const char *staging_root, struct conf_error *err)
{
	struct package *p = xzalloc(sizeof(*p));
	int r;

	p->path = xstrdup(path);
	if ((r = sha256_file(path, p->sha256, &p->size)) < 0) {
		fail(err, path, NULL, "%s", strerror(-r));
		goto fail;
	}
	p->staging = xasprintf("%s/%.16s", staging_root, p->sha256);
	remove_tree(p->staging);
	if ((r = mkdir_p(p->staging, 0755)) < 0) {
		fail(err, path, NULL, "cannot create %s: %s", p->staging, strerror(-r));
		goto fail;
	}
	if (extract(p, err) < 0 || read_manifest(p, err) < 0)
		goto fail;
	return p;
fail:
	if (p->staging)
		remove_tree(p->staging);
	package_free(p);
	return NULL;
}

void package_free(struct package *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_entries; i++) {
		free(p->entries[i].path);
		free(p->entries[i].link);
	}
	for (char **v = p->sensor_versions; v && *v; v++)
		free(*v);
	free(p->sensor_versions);
	free(p->entries);
	free(p->path); free(p->staging);
	free(p->name); free(p->vendor); free(p->version); free(p->os);
	free(p->install); free(p->uninstall); free(p->health); free(p->push); free(p->sensor);
	free(p);
}

bool package_content_fits(const struct package *content, const struct package *sensor)
{
	if (!streq(content->sensor, sensor->name))
		return false;
	if (!content->sensor_versions || !content->sensor_versions[0])
		return true;
	for (char **v = content->sensor_versions; *v; v++)
		if (streq(*v, sensor->version))
			return true;
	return false;
}
