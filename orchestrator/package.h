/* package.h: sensor and content bundles (archive + manifest), opened and checked on the host. */
#pragma once

#include "conf.h"

enum package_kind {
	PACKAGE_SENSOR,
	PACKAGE_CONTENT,
};

/* Limits that make a size bomb or a hostile archive fail early. */
#define PACKAGE_MAX_ENTRIES 10000
#define PACKAGE_MAX_FILE (256ull << 20)
#define PACKAGE_MAX_TOTAL (1ull << 30)
#define PACKAGE_MAX_RATIO 200 /* uncompressed bytes per archive byte, beyond the first 16 MiB */
#define PACKAGE_MANIFEST "manifest.yaml"

struct package_entry {
	char *path;   /* relative, normalised, inside the bundle */
	char *link;   /* symlink target (relative, inside the tree), or NULL */
	bool dir;
	bool exec;
	uint64_t size;
};

struct package {
	char *path;      /* the bundle file */
	char sha256[65];
	uint64_t size;
	char *staging;   /* where the payload was extracted on the host */
	enum package_kind kind;
	char *name, *vendor, *version, *os;
	char *install, *uninstall, *health, *push; /* push: apply installed content to the running sensor */
	char *sensor;    /* content only: the sensor it is for */
	char **sensor_versions; /* content only: sensor versions it supports (NULL-terminated; empty = any) */
	struct package_entry *entries;
	size_t n_entries;
};

/* Opens a bundle, refuses unsafe entries, extracts the payload below staging_root and reads the manifest.
 * NULL with err naming the bundle and the entry on failure. */
struct package *package_open(const char *path, const char *staging_root, struct conf_error *err);
void package_free(struct package *p);
const char *package_kind_name(enum package_kind k);
/* True when content p supports sensor s (name and version). */
bool package_content_fits(const struct package *content, const struct package *sensor);
/* Checks one archive path: NULL when safe, else why not. Exposed for tests. */
const char *package_path_problem(const char *path);
