/* artifacts.c: archives a cell attempt's evidence with libarchive (ustar, gzip), bounded per file
 * and in all; what did not fit is listed in a MISSING file inside the archive. */
#include "artifacts.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int add_entry(struct archive *a, const char *name, const void *data, size_t len, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, mtime, 0);
	int r = archive_write_header(a, e) == ARCHIVE_OK && archive_write_data(a, data, len) == (la_ssize_t)len ? 0 : -EIO;
	archive_entry_free(e);
	return r;
}

int artifacts_archive(const char *dir)
{
	_cleanup_free_ char *path = path_join(dir, ARTIFACTS_NAME);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct archive *a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_ustar(a);
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		archive_write_free(a);
		closedir(d);
		return -EIO;
	}
	struct strbuf missing;
	strbuf_init(&missing);
	size_t total = 0;
	int count = 0, r = 0;
	struct dirent *de;
	while ((de = readdir(d)) && r == 0) {
		if (de->d_name[0] == '.' || streq(de->d_name, ARTIFACTS_NAME) || strendswith(de->d_name, ".tmp") ||
		    strendswith(de->d_name, ".qcow2"))
			continue;
		_cleanup_free_ char *file = path_join(dir, de->d_name);
		struct stat st;
		if (lstat(file, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		_cleanup_free_ char *data = NULL;
		size_t len;
		if (read_file_tail(file, ARTIFACTS_FILE_MAX, &data, &len) < 0)
			continue;
		if (total + len > ARTIFACTS_TOTAL_MAX) {
			strbuf_printf(&missing, "%s: %zu bytes, over the archive's limit\n", de->d_name, len);
			continue;
		}
		if ((size_t)st.st_size > len)
			strbuf_printf(&missing, "%s: only its last %zu of %lld bytes\n", de->d_name, len, (long long)st.st_size);
		r = add_entry(a, de->d_name, data, len, st.st_mtime);
		total += len;
		count++;
	}
	closedir(d);
	if (r == 0 && missing.len)
		r = add_entry(a, "MISSING", missing.buf, missing.len, time(NULL));
	strbuf_release(&missing);
	if (archive_write_close(a) != ARCHIVE_OK)
		r = -EIO;
	archive_write_free(a);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r < 0 ? r : count;
}
