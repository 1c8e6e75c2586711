/* image.c: imports OS images into the catalog (qemu-img probes, checks and converts) and builds the
 * NoCloud seed that gives an unmodified cloud image the agent and its keys (xorriso writes the ISO). */
#include "image.h"
#include "json.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED_AGENT_DEFAULT "/usr/local/bin/compatlab-agent"
#define IMAGE_INFO_MAX (1u << 20)

bool image_format_supported(const char *format)
{
	static const char *const ok[] = { "qcow2", "raw", "vhdx", "vpc", NULL };
	for (const char *const *f = ok; *f; f++)
		if (streq(format, *f))
			return true;
	return false;
}

int image_probe(const char *file, const char *format, struct image_source_info *out, char **why)
{
	memset(out, 0, sizeof(*out));
	_cleanup_free_ char *text = NULL, *perr = NULL;
	char *argv[8];
	int n = 0;
	argv[n++] = "qemu-img";
	argv[n++] = "info";
	argv[n++] = "--output=json";
	if (format) {
		argv[n++] = "-f";
		argv[n++] = (char *)format;
	}
	argv[n++] = "--";
	argv[n++] = (char *)file;
	argv[n] = NULL;
	int r = run_command(argv, IMAGE_INFO_MAX, &text, why);
	if (r < 0)
		return r;
	struct json *j = json_parse(text, strlen(text), &perr);
	if (!j) {
		*why = xasprintf("qemu-img info gave no JSON: %s", perr ? perr : "?");
		return -EINVAL;
	}
	snprintf(out->format, sizeof(out->format), "%s", json_get_string(j, "format", ""));
	out->virtual_size = (uint64_t)json_get_number(j, "virtual-size", 0);
	out->actual_size = (uint64_t)json_get_number(j, "actual-size", 0);
	out->has_backing = json_get(j, "backing-filename") != NULL || json_get(j, "full-backing-filename") != NULL;
	out->encrypted = json_get_bool(j, "encrypted", false);
	json_free(j);
	return 0;
}

static int keygen(const char *path, char **why)
{
	unlink(path);
	_cleanup_free_ char *pub = xasprintf("%s.pub", path);
	unlink(pub);
	char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "compatlab", "-f", (char *)path, NULL };
	return run_command(argv, 0, NULL, why);
}

/* The public key file's "TYPE BASE64" (the comment dropped). */
static char *read_public_key(const char *pub_path, char **why)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file(pub_path, 16384, &text, NULL);
	if (r < 0) {
		*why = xasprintf("cannot read %s: %s", pub_path, strerror(-r));
		return NULL;
	}
	char type[64], b64[8192];
	if (sscanf(text, "%63s %8191s", type, b64) != 2) {
		*why = xasprintf("%s is not an OpenSSH public key", pub_path);
		return NULL;
	}
	return xasprintf("%s %s", type, b64);
}

/* YAML block scalar lines, each indented. */
static void put_indented(struct strbuf *sb, const char *text, const char *indent)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_puts(sb, indent);
		strbuf_add(sb, p, n);
		strbuf_putc(sb, '\n');
		p += n + (nl ? 1 : 0);
	}
}

int image_build_seed(const char *iso_path, const char *instance_id, const char *client_pub, const char *host_key_path,
		     const char *agent, const char *agent_command, char **why)
{
	_cleanup_free_ char *dir = xasprintf("%s.d", iso_path), *host_pub_path = xasprintf("%s.pub", host_key_path);
	_cleanup_free_ char *host_priv = NULL, *host_pub = NULL, *agent_dst = NULL, *tmp_iso = NULL;
	_cleanup_free_ char *user_data = NULL, *meta_data = NULL, *ud_path = NULL, *md_path = NULL, *agent_data = NULL;
	int r;

	remove_tree(dir);
	if ((r = mkdir_p(dir, 0700)) < 0) {
		*why = xasprintf("cannot create %s: %s", dir, strerror(-r));
		return r;
	}
	if ((r = read_file(host_key_path, 16384, &host_priv, NULL)) < 0) {
		*why = xasprintf("cannot read %s: %s", host_key_path, strerror(-r));
		goto out;
	}
	if (!(host_pub = read_public_key(host_pub_path, why))) {
		r = -EINVAL;
		goto out;
	}
	/* an agent command is a path here: the seed installs the agent there, early in every boot */
	if (agent_command[0] != '/' || strpbrk(agent_command, " '\"\\$`;&|<>\n")) {
		*why = xasprintf("the agent command '%s' must be a plain absolute path for a seed to install it", agent_command);
		r = -EINVAL;
		goto out;
	}

	struct strbuf ud;
	strbuf_init(&ud);
	strbuf_printf(&ud, "#cloud-config\n"
			   "# compatlab: root logs in with the lab's key; the host key is pinned; the agent comes from this CD.\n"
			   "disable_root: false\n"
			   "ssh_pwauth: false\n"
			   "users:\n"
			   "  - name: root\n"
			   "    lock_passwd: true\n"
			   "    ssh_authorized_keys:\n"
			   "      - %s\n"
			   "ssh_deletekeys: true\n"
			   "ssh_genkeytypes: [ed25519]\n"
			   "ssh_keys:\n"
			   "  ed25519_private: |\n",
		      client_pub);
	put_indented(&ud, host_priv, "    ");
	strbuf_printf(&ud, "  ed25519_public: %s\n"
			   "bootcmd:\n"
			   "  - [sh, -c, 'm=$(mktemp -d) && mount -o ro -L cidata \"$m\" && install -D -m 0755 "
			   "\"$m/compatlab-agent\" %s; umount \"$m\"; rmdir \"$m\"']\n",
		      host_pub, agent_command);
	user_data = strbuf_steal(&ud);
	meta_data = xasprintf("instance-id: %s\nlocal-hostname: compatlab-guest\n", instance_id);
	ud_path = path_join(dir, "user-data");
	md_path = path_join(dir, "meta-data");
	agent_dst = path_join(dir, "compatlab-agent");
	size_t agent_len = 0;
	if ((r = read_file(agent, 64u << 20, &agent_data, &agent_len)) < 0) {
		*why = xasprintf("cannot read the agent %s: %s", agent, strerror(-r));
		goto out;
	}
	if ((r = write_file(ud_path, user_data, strlen(user_data), 0600)) < 0 ||
	    (r = write_file(md_path, meta_data, strlen(meta_data), 0600)) < 0 ||
	    (r = write_file(agent_dst, agent_data, agent_len, 0755)) < 0) {
		*why = xasprintf("cannot write the seed's files in %s: %s", dir, strerror(-r));
		goto out;
	}
	tmp_iso = xasprintf("%s.tmp", iso_path);
	unlink(tmp_iso);
	char *argv[] = { "xorriso", "-as", "mkisofs", "-quiet", "-o", tmp_iso, "-V", "cidata", "-J", "-R", dir, NULL };
	if ((r = run_command(argv, 0, NULL, why)) < 0)
		goto out;
	/* QEMU opens it as its own user; the host key inside is a lab VM's, known to this lab only */
	chmod(tmp_iso, 0644);
	if (rename(tmp_iso, iso_path) < 0) {
		r = -errno;
		*why = xasprintf("cannot write %s: %s", iso_path, strerror(errno));
	}
out:
	if (tmp_iso)
		unlink(tmp_iso);
	remove_tree(dir);
	return r;
}

static int copy_into(const char *src, const char *dst, size_t max, char **why)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = read_file(src, max, &data, &len);
	if (r < 0) {
		*why = xasprintf("cannot read %s: %s", src, strerror(-r));
		return r;
	}
	if ((r = write_file(dst, data, len, 0644)) < 0)
		*why = xasprintf("cannot write %s: %s", dst, strerror(-r));
	return r;
}

/* Fills the new entry's agent access: a seed with fresh keys, or the keys the image already has. */
static int agent_access(const char *work, const struct image_import *opt, struct image *img, char **why)
{
	int r;
	img->agent_user = xstrdup(opt->user ? opt->user : "root");
	img->agent_key = path_join(work, "client_key");
	if (!opt->cloud_init) {
		_cleanup_free_ char *pub_src = xasprintf("%s.pub", opt->key), *pub_dst = xasprintf("%s.pub", img->agent_key);
		if ((r = copy_into(opt->key, img->agent_key, 16384, why)) < 0 ||
		    (r = copy_into(pub_src, pub_dst, 16384, why)) < 0)
			return r;
		chmod(img->agent_key, 0600);
		if (!strchr(opt->host_key, ' ')) {
			*why = xstrdup("--host-key takes 'TYPE BASE64', as in known_hosts");
			return -EINVAL;
		}
		img->agent_host_key = xstrdup(opt->host_key);
		img->agent_command = xstrdup(opt->agent_command ? opt->agent_command : "/usr/bin/compatlab-agent");
		return 0;
	}
	_cleanup_free_ char *host_key = path_join(work, "host_key"), *host_pub = xasprintf("%s.pub", host_key);
	_cleanup_free_ char *client_pub_path = xasprintf("%s.pub", img->agent_key), *client_pub = NULL;
	if ((r = keygen(img->agent_key, why)) < 0 || (r = keygen(host_key, why)) < 0)
		return r;
	if (!(client_pub = read_public_key(client_pub_path, why)) || !(img->agent_host_key = read_public_key(host_pub, why)))
		return -EINVAL;
	img->agent_command = xstrdup(opt->agent_command ? opt->agent_command : SEED_AGENT_DEFAULT);
	img->seed = path_join(work, "seed.iso");
	_cleanup_free_ char *instance = xasprintf("compatlab-%s", opt->name);
	r = image_build_seed(img->seed, instance, client_pub, host_key, opt->agent, img->agent_command, why);
	/* the seed carries the host key; the catalog keeps only its public half */
	unlink(host_key);
	return r;
}

/* Paths of the new entry point into work while it is built; rewritten to the final directory. */
static void move_path(char **path, const char *work, const char *final)
{
	if (!*path || !strstartswith(*path, work))
		return;
	char *moved = xasprintf("%s%s", final, *path + strlen(work));
	free(*path);
	*path = moved;
}

int image_import(const char *dir, const struct image_import *opt, char **why)
{
	struct image_source_info info;
	struct image *img = NULL;
	_cleanup_free_ char *entry = NULL, *final = NULL, *work = NULL, *old = NULL;
	const char *os = opt->os ? opt->os : "linux";
	char hex[65];
	uint64_t size = 0;
	int r;

	if (!name_is_safe(opt->name)) {
		*why = xasprintf("image name '%s' must be 1-64 letters, digits, '-', '_' or '.'", opt->name);
		return -EINVAL;
	}
	if (!streq(os, "linux") && !streq(os, "windows")) {
		*why = xasprintf("--os must be linux or windows, not '%s'", os);
		return -EINVAL;
	}
	if (opt->cloud_init ? (!opt->agent || opt->key) : (!opt->key || !opt->host_key)) {
		*why = xstrdup(opt->cloud_init ? "--cloud-init needs --agent (the static agent the seed carries), not --key"
					       : "the agent needs a way in: --cloud-init (a cloud image; the lab makes the keys), "
						 "or --key FILE and --host-key 'TYPE BASE64' (an image that has the agent; see README)");
		return -EINVAL;
	}
	if (opt->cloud_init && streq(os, "windows")) {
		*why = xstrdup("--cloud-init is for Linux cloud images; a Windows image brings its agent and keys (README)");
		return -EINVAL;
	}
	if ((opt->initrd || opt->cmdline) && !opt->kernel) {
		*why = xstrdup("--initrd and --cmdline belong to --kernel (direct kernel boot)");
		return -EINVAL;
	}
	entry = xasprintf("%s/%s.yaml", dir, opt->name);
	final = path_join(dir, opt->name);
	if (!opt->replace && access(entry, F_OK) == 0) {
		*why = xasprintf("the catalog has an image '%s' (%s): --replace replaces it", opt->name, entry);
		return -EEXIST;
	}
	if (opt->format && !image_format_supported(opt->format)) {
		*why = xasprintf("format '%s' is not one import takes (qcow2, raw, vhdx, vpc)", opt->format);
		return -EINVAL;
	}
	if ((r = image_probe(opt->file, opt->format, &info, why)) < 0)
		return r;
	if (!image_format_supported(info.format)) {
		*why = xasprintf("%s: format '%s' is not one import takes (qcow2, raw, vhdx, vpc)", opt->file, info.format);
		return -EINVAL;
	}
	if (info.has_backing) {
		*why = xasprintf("%s: a %s backed by another file; import a standalone image (qemu-img convert it first)",
				 opt->file, info.format);
		return -EINVAL;
	}
	if (info.encrypted) {
		*why = xasprintf("%s: an encrypted image; the lab boots unattended", opt->file);
		return -EINVAL;
	}
	if (info.virtual_size < (1u << 20)) {
		*why = xasprintf("%s: a disk of %llu bytes holds no OS", opt->file, (unsigned long long)info.virtual_size);
		return -EINVAL;
	}
	/* formats with metadata are checked for consistency before the lab trusts them */
	if (!streq(info.format, "raw") && !streq(info.format, "vpc")) {
		char *argv[] = { "qemu-img", "check", "-q", "-f", info.format, "--", (char *)opt->file, NULL };
		_cleanup_free_ char *cwhy = NULL;
		if (run_command(argv, 0, NULL, &cwhy) < 0) {
			*why = xasprintf("%s: qemu-img check found it damaged: %s", opt->file, cwhy ? cwhy : "?");
			return -EINVAL;
		}
	}
	if ((r = sha256_file(opt->file, hex, &size)) < 0) {
		*why = xasprintf("cannot read %s: %s", opt->file, strerror(-r));
		return r;
	}

	work = xasprintf("%s/.%s.import-%d", dir, opt->name, (int)getpid());
	remove_tree(work);
	if ((r = mkdir_p(work, 0755)) < 0) {
		*why = xasprintf("cannot create %s: %s", work, strerror(-r));
		return r;
	}
	img = xzalloc(sizeof(*img));
	img->name = xstrdup(opt->name);
	img->os = xstrdup(os);
	img->build = opt->build ? xstrdup(opt->build) : NULL;
	img->firmware = opt->firmware;
	img->disk_bus = opt->disk_bus ? xstrdup(opt->disk_bus) : NULL;
	img->sha256 = xstrdup(hex);
	img->source = xasprintf("%s (%s, %llu bytes)", opt->file, info.format, (unsigned long long)size);
	img->disk = path_join(work, "disk.qcow2");
	char *argv[] = { "qemu-img", "convert", "-q", "-f", info.format, "-O", "qcow2", "--", (char *)opt->file, img->disk,
			 NULL };
	if ((r = run_command(argv, 0, NULL, why)) < 0)
		goto fail;
	if (opt->kernel) {
		img->kernel = path_join(work, "vmlinuz");
		if ((r = copy_into(opt->kernel, img->kernel, 256u << 20, why)) < 0)
			goto fail;
		if (opt->initrd) {
			img->initrd = path_join(work, "initrd.img");
			if ((r = copy_into(opt->initrd, img->initrd, 1u << 30, why)) < 0)
				goto fail;
		}
		img->cmdline = xstrdup(opt->cmdline ? opt->cmdline : "console=ttyS0,115200 panic=-1 oops=panic");
	}
	if ((r = agent_access(work, opt, img, why)) < 0)
		goto fail;

	/* published: the directory, then the entry that names it */
	old = xasprintf("%s/.%s.old-%d", dir, opt->name, (int)getpid());
	if (rename(final, old) < 0 && errno != ENOENT) {
		r = -errno;
		*why = xasprintf("cannot move %s aside: %s", final, strerror(errno));
		goto fail;
	}
	if (rename(work, final) < 0) {
		r = -errno;
		*why = xasprintf("cannot rename %s to %s: %s", work, final, strerror(errno));
		rename(old, final);
		goto fail;
	}
	remove_tree(old);
	move_path(&img->disk, work, final);
	move_path(&img->kernel, work, final);
	move_path(&img->initrd, work, final);
	move_path(&img->seed, work, final);
	move_path(&img->agent_key, work, final);
	if ((r = catalog_write(dir, img, why)) < 0) {
		remove_tree(final);
		goto out;
	}
	goto out;
fail:
	remove_tree(work);
out:
	image_free(img);
	return r;
}
