/* catalog.c: loads image catalog entries and resolves their files. */
#include "catalog.h"

#include <string.h>
#include <unistd.h>

#define BUILD_HINT "build it with: images/build-test-guest --agent build/guest-agent/compatlab-agent --out %s (or ./demo)"

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
					    "agent", NULL };
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
	free(img->agent_user); free(img->agent_key); free(img->agent_host_key); free(img->agent_command);
	free(img);
}
