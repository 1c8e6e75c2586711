/* catalog.c: loads image catalog entries and resolves their files. */
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUILD_HINT "import it with 'compatlab image import NAME FILE', or build one: images/build-test-guest " \
		   "--agent build/guest-agent/compatlab-agent --out %s (or ./demo), images/build-debian-image"

static int resolve(struct conf_doc *doc, yaml_node_t *map, const char *key, const char *dir, bool required,
		   char **out, struct conf_error *err)
{
	_cleanup_free_ char *rel = NULL;
	int r = conf_string(doc, map, key, required, &rel, err);
	if (r < 0 || !rel)
		return r;
	if (strstr(rel, "..") && rel[0] != '/')
		return conf_fail(doc, conf_get(doc, map, key), err, "'%s' must stay inside the catalog directory", key);
	*out = path_join(dir, rel);
	if (access(*out, R_OK) < 0)
		return conf_fail(doc, conf_get(doc, map, key), err, "%s '%s' is missing; " BUILD_HINT, key, *out, dir);
	return 0;
}

struct image *catalog_load(const char *dir, const char *name, struct conf_error *err)
{
	static const char *const keys[] = { "name", "os", "build", "kernel", "initrd", "disk", "cmdline", "firmware",
					    "disk_bus", "seed", "sha256", "source", "agent", NULL };
	static const char *const agent_keys[] = { "transport", "user", "key", "host_key", "command", NULL };
	_cleanup_free_ char *path = xasprintf("%s/%s.yaml", dir, name);
	_cleanup_free_ char *firmware = NULL, *transport = NULL, *key = NULL;
	struct conf_doc *doc = NULL;
	struct image *img = xzalloc(sizeof(*img));
	int r;

	if (access(path, R_OK) < 0) {
		conf_error_set(err, path, 0, 0, "no image '%s' in the catalog; " BUILD_HINT, name, dir);
		goto fail;
	}
	if (conf_load(path, &doc, err) < 0)
		goto fail;
	yaml_node_t *root = conf_root(doc);
	yaml_node_t *agent = conf_get(doc, root, "agent");
	if ((r = conf_check_map(doc, root, "an image entry", keys, err)) < 0 ||
	    (r = conf_string(doc, root, "name", true, &img->name, err)) < 0 ||
	    (r = conf_string(doc, root, "os", true, &img->os, err)) < 0 ||
	    (r = conf_string(doc, root, "build", false, &img->build, err)) < 0 ||
	    (r = resolve(doc, root, "kernel", dir, false, &img->kernel, err)) < 0 ||
	    (r = resolve(doc, root, "initrd", dir, false, &img->initrd, err)) < 0 ||
	    (r = resolve(doc, root, "disk", dir, true, &img->disk, err)) < 0 ||
	    (r = conf_string(doc, root, "cmdline", false, &img->cmdline, err)) < 0 ||
	    (r = conf_string(doc, root, "firmware", false, &firmware, err)) < 0 ||
	    (r = conf_string(doc, root, "disk_bus", false, &img->disk_bus, err)) < 0 ||
	    (r = resolve(doc, root, "seed", dir, false, &img->seed, err)) < 0 ||
	    (r = conf_string(doc, root, "sha256", false, &img->sha256, err)) < 0 ||
	    (r = conf_string(doc, root, "source", false, &img->source, err)) < 0 ||
	    (r = conf_check_map(doc, agent, "agent", agent_keys, err)) < 0 ||
	    (r = conf_string(doc, agent, "transport", true, &transport, err)) < 0 ||
	    (r = conf_string(doc, agent, "user", true, &img->agent_user, err)) < 0 ||
	    (r = resolve(doc, agent, "key", dir, true, &img->agent_key, err)) < 0 ||
	    (r = conf_string(doc, agent, "host_key", true, &img->agent_host_key, err)) < 0 ||
	    (r = conf_string(doc, agent, "command", true, &img->agent_command, err)) < 0)
		goto fail;
	if (!streq(img->name, name)) {
		conf_fail(doc, conf_get(doc, root, "name"), err, "the entry's name '%s' differs from its file name '%s'",
			  img->name, name);
		goto fail;
	}
	if (!streq(transport, "ssh")) {
		conf_fail(doc, conf_get(doc, agent, "transport"), err, "transport must be 'ssh', not '%s'", transport);
		goto fail;
	}
	if (!strchr(img->agent_host_key, ' ')) {
		conf_fail(doc, conf_get(doc, agent, "host_key"), err, "host_key must be 'TYPE BASE64', as in known_hosts");
		goto fail;
	}
	if (firmware && !streq(firmware, "bios") && !streq(firmware, "uefi")) {
		conf_fail(doc, conf_get(doc, root, "firmware"), err, "firmware must be 'bios' or 'uefi', not '%s'", firmware);
		goto fail;
	}
	if (img->disk_bus && !streq(img->disk_bus, "virtio") && !streq(img->disk_bus, "sata")) {
		conf_fail(doc, conf_get(doc, root, "disk_bus"), err, "disk_bus must be 'virtio' or 'sata', not '%s'",
			  img->disk_bus);
		goto fail;
	}
	if (!streq(img->os, "linux") && !streq(img->os, "windows")) {
		conf_fail(doc, conf_get(doc, root, "os"), err, "os must be 'linux' or 'windows', not '%s'", img->os);
		goto fail;
	}
	img->firmware = streq(firmware, "uefi") ? FIRMWARE_UEFI : FIRMWARE_BIOS;
	conf_free(doc);
	return img;
fail:
	conf_free(doc);
	image_free(img);
	return NULL;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	free(img->name); free(img->os); free(img->build);
	free(img->kernel); free(img->initrd); free(img->cmdline); free(img->disk);
	free(img->disk_bus); free(img->seed); free(img->sha256); free(img->source);
	free(img->agent_user); free(img->agent_key); free(img->agent_host_key); free(img->agent_command);
	free(img);
}

/* The YAML of an entry goes through libyaml's emitter: every value quoted as the emitter sees fit. */
struct emit {
	yaml_emitter_t em;
	struct strbuf out;
	bool failed;
};

static int emit_write(void *data, unsigned char *buf, size_t n)
{
	strbuf_add(&((struct emit *)data)->out, buf, n);
	return 1;
}

static void emit_event(struct emit *e, yaml_event_t *ev)
{
	if (!e->failed && !yaml_emitter_emit(&e->em, ev))
		e->failed = true;
}

static void emit_scalar(struct emit *e, const char *text)
{
	yaml_event_t ev;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1, YAML_ANY_SCALAR_STYLE);
	emit_event(e, &ev);
}

static void emit_pair(struct emit *e, const char *key, const char *value)
{
	if (!value)
		return;
	emit_scalar(e, key);
	emit_scalar(e, value);
}

/* A path below dir as written in the entry: relative to dir. */
static const char *relative(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	if (path && strncmp(path, dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

int catalog_write(const char *dir, const struct image *img, char **why)
{
	struct emit e = { 0 };
	yaml_event_t ev;
	strbuf_init(&e.out);
	yaml_emitter_initialize(&e.em);
	yaml_emitter_set_output(&e.em, emit_write, &e);
	yaml_emitter_set_unicode(&e.em, 1);
	yaml_emitter_set_width(&e.em, -1); /* long command lines on one line */
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit_event(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit_event(&e, &ev);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	emit_event(&e, &ev);
	emit_pair(&e, "name", img->name);
	emit_pair(&e, "os", img->os);
	emit_pair(&e, "build", img->build);
	emit_pair(&e, "kernel", relative(dir, img->kernel));
	emit_pair(&e, "initrd", relative(dir, img->initrd));
	emit_pair(&e, "cmdline", img->cmdline);
	emit_pair(&e, "disk", relative(dir, img->disk));
	emit_pair(&e, "firmware", img->firmware == FIRMWARE_UEFI ? "uefi" : "bios");
	emit_pair(&e, "disk_bus", img->disk_bus);
	emit_pair(&e, "seed", relative(dir, img->seed));
	emit_pair(&e, "source", img->source);
	emit_pair(&e, "sha256", img->sha256);
	emit_scalar(&e, "agent");
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	emit_event(&e, &ev);
	emit_pair(&e, "transport", "ssh");
	emit_pair(&e, "user", img->agent_user);
	emit_pair(&e, "key", relative(dir, img->agent_key));
	emit_pair(&e, "host_key", img->agent_host_key);
	emit_pair(&e, "command", img->agent_command);
	yaml_mapping_end_event_initialize(&ev);
	emit_event(&e, &ev);
	yaml_mapping_end_event_initialize(&ev);
	emit_event(&e, &ev);
	yaml_document_end_event_initialize(&ev, 1);
	emit_event(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit_event(&e, &ev);
	yaml_emitter_flush(&e.em);
	yaml_emitter_delete(&e.em);
	int r = -EINVAL;
	if (e.failed) {
		*why = xstrdup("the YAML emitter refused the entry");
	} else {
		_cleanup_free_ char *path = xasprintf("%s/%s.yaml", dir, img->name);
		strbuf_puts(&e.out, "");
		if ((r = write_file(path, e.out.buf, e.out.len, 0644)) < 0)
			*why = xasprintf("cannot write %s: %s", path, strerror(-r));
	}
	strbuf_release(&e.out);
	return r;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **catalog_list(const char *dir, size_t *n)
{
	char **names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || de->d_name[0] == '.' || !strendswith(de->d_name, ".yaml"))
			continue;
		names = xreallocarray(names, *n + 1, sizeof(*names));
		names[(*n)++] = xstrndup(de->d_name, len - 5);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), compare_names);
	return names;
}
