/* catalog.h: the image catalog, one YAML file per OS image in the catalog directory. */
#pragma once

#include "conf.h"
#include "matrix.h"

struct image {
	char *name, *os, *build;
	char *kernel, *initrd, *cmdline; /* direct kernel boot (absolute paths); kernel NULL for a disk boot */
	char *disk;                      /* base qcow2 each cell overlays */
	enum firmware firmware;
	char *disk_bus;                  /* the only bus the image boots from ("virtio", "sata"); NULL: either */
	char *seed;                      /* NoCloud cloud-init seed ISO given to every VM (absolute); or NULL */
	char *sha256, *source;           /* of the file it was imported from (import only) */
	char *agent_user, *agent_key, *agent_host_key, *agent_command;
};

/* Loads DIR/NAME.yaml and checks that its files exist. NULL with err set; a missing image's
 * error names the command that builds it. */
struct image *catalog_load(const char *dir, const char *name, struct conf_error *err);
void image_free(struct image *img);

/* Writes DIR/NAME.yaml (atomically) for img, paths made relative to dir. 0 or negative errno. */
int catalog_write(const char *dir, const struct image *img, char **why);
/* Names of the catalog's entries (DIR/NAME.yaml), sorted; *n their count. */
char **catalog_list(const char *dir, size_t *n);
