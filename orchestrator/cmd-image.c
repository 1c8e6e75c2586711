/* cmd-image.c: "image import" brings an OS image into the catalog, "image list" shows the catalog,
 * "image check" boots an image once and reports its boot time and OS as its agent tells them. */
#include "cell.h"
#include "cmd.h"
#include "image.h"
#include "json.h"
#include "lab.h"
#include "run.h"
#include "transport.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_DEADLINE_MS (300 * 1000)
#define CHECK_CONNECT_MS 3000

/* The agent beside this program: the build tree's, else an installed one. */
static char *default_agent(void)
{
	_cleanup_free_ char *dir = exe_dir();
	static const char *const rel[] = { "../guest-agent/compatlab-agent", "compatlab-agent",
					   "../libexec/compatlab/compatlab-agent", NULL };
	for (const char *const *r = rel; dir && *r; r++) {
		char *p = path_join(dir, *r);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static int image_import_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum { O_OS = 1, O_FORMAT, O_BUILD, O_FIRMWARE, O_DISK_BUS, O_KERNEL, O_INITRD, O_CMDLINE, O_CLOUD, O_AGENT,
	       O_USER, O_KEY, O_HOST_KEY, O_COMMAND, O_REPLACE };
	static const struct option opts[] = {
		{ "os", required_argument, NULL, O_OS }, { "format", required_argument, NULL, O_FORMAT },
		{ "build", required_argument, NULL, O_BUILD }, { "firmware", required_argument, NULL, O_FIRMWARE },
		{ "disk-bus", required_argument, NULL, O_DISK_BUS }, { "kernel", required_argument, NULL, O_KERNEL },
		{ "initrd", required_argument, NULL, O_INITRD }, { "cmdline", required_argument, NULL, O_CMDLINE },
		{ "cloud-init", no_argument, NULL, O_CLOUD }, { "agent", required_argument, NULL, O_AGENT },
		{ "user", required_argument, NULL, O_USER }, { "key", required_argument, NULL, O_KEY },
		{ "host-key", required_argument, NULL, O_HOST_KEY }, { "agent-command", required_argument, NULL, O_COMMAND },
		{ "replace", no_argument, NULL, O_REPLACE }, { 0 },
	};
	struct image_import o = { 0 };
	_cleanup_free_ char *agent = NULL, *why = NULL;
	int c;
	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_OS: o.os = optarg; break;
		case O_FORMAT: o.format = optarg; break;
		case O_BUILD: o.build = optarg; break;
		case O_FIRMWARE:
			if (!streq(optarg, "bios") && !streq(optarg, "uefi"))
				return cmd_usage_error(&cmd_image_entry, "--firmware takes bios or uefi");
			o.firmware = streq(optarg, "uefi") ? FIRMWARE_UEFI : FIRMWARE_BIOS;
			break;
		case O_DISK_BUS:
			if (!streq(optarg, "virtio") && !streq(optarg, "sata"))
				return cmd_usage_error(&cmd_image_entry, "--disk-bus takes virtio or sata");
			o.disk_bus = optarg;
			break;
		case O_KERNEL: o.kernel = optarg; break;
		case O_INITRD: o.initrd = optarg; break;
		case O_CMDLINE: o.cmdline = optarg; break;
		case O_CLOUD: o.cloud_init = true; break;
		case O_AGENT: o.agent = optarg; break;
		case O_USER: o.user = optarg; break;
		case O_KEY: o.key = optarg; break;
		case O_HOST_KEY: o.host_key = optarg; break;
		case O_COMMAND: o.agent_command = optarg; break;
		case O_REPLACE: o.replace = true; break;
		default: return cmd_usage_error(&cmd_image_entry, "unknown option");
		}
	}
	if (optind != argc - 2)
		return cmd_usage_error(&cmd_image_entry, "import takes NAME FILE");
	o.name = argv[optind];
	o.file = argv[optind + 1];
	if (o.cloud_init && !o.agent)
		o.agent = agent = default_agent();
	int r = mkdir_p(ctx->image_dir, 0755);
	if (r < 0)
		return cmd_error(EXIT_INFRA, "cannot create the catalog %s: %s", ctx->image_dir, strerror(-r));
	int64_t start = now_mono_ms();
	if ((r = image_import(ctx->image_dir, &o, &why)) < 0)
		return cmd_error(r == -EINVAL || r == -EEXIST || r == -ENOENT ? EXIT_USAGE : EXIT_INFRA, "image import: %s", why);
	struct conf_error err = { 0 };
	struct image *img = catalog_load(ctx->image_dir, o.name, &err);
	if (!img) {
		_cleanup_free_ char *msg = conf_error_format(&err);
		conf_error_clear(&err);
		return cmd_error(EXIT_INFRA, "image import: the new entry does not load: %s", msg);
	}
	printf("image '%s' imported in %.1f s: %s\n  sha256 %s\n  disk %s%s%s\n  entry %s/%s.yaml\n", img->name,
	       (double)(now_mono_ms() - start) / 1000, img->source, img->sha256, img->disk,
	       img->seed ? "\n  cloud-init seed " : "", img->seed ? img->seed : "", ctx->image_dir, img->name);
	image_free(img);
	return EXIT_PASS;
}

static void human_size(uint64_t bytes, char *buf, size_t n)
{
	if (bytes >= (1ull << 30))
		snprintf(buf, n, "%.1f GiB", (double)bytes / (1ull << 30));
	else
		snprintf(buf, n, "%.0f MiB", (double)bytes / (1ull << 20));
}

static int image_list_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (argc != 1)
		return cmd_usage_error(&cmd_image_entry, "list takes no arguments");
	size_t n;
	char **names = catalog_list(ctx->image_dir, &n);
	int rc = EXIT_PASS;
	if (!n)
		printf("no images in %s (images/build-test-guest, images/build-debian-image or 'compatlab image import')\n",
		       ctx->image_dir);
	else
		printf("%-20s %-8s %-22s %-14s %-10s %s\n", "NAME", "OS", "BOOT", "AGENT", "DISK", "BUILD");
	for (size_t i = 0; i < n; i++) {
		struct conf_error err = { 0 };
		struct image *img = catalog_load(ctx->image_dir, names[i], &err);
		if (!img) {
			_cleanup_free_ char *msg = conf_error_format(&err);
			fprintf(stderr, "%s\n", msg);
			conf_error_clear(&err);
			rc = EXIT_USAGE;
		} else {
			struct stat st;
			char size[32] = "?", boot[64];
			if (stat(img->disk, &st) == 0)
				human_size((uint64_t)st.st_blocks * 512, size, sizeof(size));
			snprintf(boot, sizeof(boot), "%s %s%s%s", img->kernel ? "kernel" : "disk",
				 img->firmware == FIRMWARE_UEFI ? "uefi" : "bios", img->disk_bus ? " " : "",
				 img->disk_bus ? img->disk_bus : "");
			printf("%-20s %-8s %-22s %-14s %-10s %s\n", img->name, img->os, boot,
			       img->seed ? "cloud-init" : "in image", size, img->build ? img->build : "-");
			image_free(img);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* The console's last lines, cleaned, for a boot that went wrong. */
static void print_console_tail(const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (read_file_tail(path, 2048, &text, &len) < 0)
		return;
	_cleanup_free_ char *clean = sanitize_text(text, len, 2048);
	fprintf(stderr, "console (%s), last lines:\n%s\n", path, clean);
}

/* Boots the image once on a plain profile, waits for its agent, prints what it says. */
static int image_check_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "deadline", required_argument, NULL, 'd' }, { 0 } };
	int64_t deadline_ms = CHECK_DEADLINE_MS;
	int c;
	optind = 0; /* 0: glibc starts afresh, options may follow operands */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd' || atoi(optarg) <= 0)
			return cmd_usage_error(&cmd_image_entry, "--deadline takes seconds");
		deadline_ms = (int64_t)atoi(optarg) * 1000;
	}
	if (optind != argc - 1)
		return cmd_usage_error(&cmd_image_entry, "check takes NAME");
	const char *name = argv[optind];
	struct conf_error err = { 0 };
	struct image *img = catalog_load(ctx->image_dir, name, &err);
	if (!img) {
		_cleanup_free_ char *msg = conf_error_format(&err);
		conf_error_clear(&err);
		return cmd_error(EXIT_USAGE, "%s", msg);
	}
	struct hardware_profile hw = {
		.name = "check", .vcpus = 1, .memory_mib = 512, .machine = img->firmware == FIRMWARE_UEFI ? "q35" : "pc",
		.firmware = img->firmware, .disk_bus = img->disk_bus ? img->disk_bus : "virtio", .panic_device = true,
	};
	_cleanup_free_ char *why = NULL, *dir = xasprintf("%s/image-check/%s-%d", ctx->state_dir, name, (int)getpid());
	_cleanup_free_ char *overlay = path_join(dir, "disk.qcow2"), *console = path_join(dir, "console.log");
	_cleanup_free_ char *domain = xasprintf(CELL_DOMAIN_PREFIX "check-%d", (int)getpid());
	_cleanup_free_ char *owner = run_owner_record();
	struct lab *lab = NULL;
	struct lab_domain *dom = NULL;
	struct transport_session *session = NULL;
	struct json *info = NULL;
	_cleanup_free_ char *command = xasprintf("%s info", img->agent_command), *last = NULL;
	int rc = EXIT_INFRA, r;

	if ((r = mkdir_p(dir, 0755)) < 0) {
		rc = cmd_error(EXIT_INFRA, "cannot create %s: %s", dir, strerror(-r));
		goto out;
	}
	chmod(dir, 0755);
	char *qargv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", img->disk, overlay, NULL };
	if ((r = run_command(qargv, 0, NULL, &why)) < 0) {
		rc = cmd_error(EXIT_INFRA, "qemu-img create of the overlay failed: %s", why);
		goto out;
	}
	if (!(lab = lab_libvirt_open(ctx->uri, "auto", img->kernel, ctx->state_dir, &why))) {
		rc = cmd_error(EXIT_INFRA, "%s", why);
		goto out;
	}
	int port = lab_free_port("127.0.0.1");
	if (port < 0) {
		rc = cmd_error(EXIT_INFRA, "no free loopback port: %s", strerror(-port));
		goto out;
	}
	struct lab_domain_spec spec = {
		.name = domain, .hw = &hw, .kernel = img->kernel, .initrd = img->initrd, .cmdline = img->cmdline,
		.disk = overlay, .seed = img->seed, .console_path = console, .ssh_addr = "127.0.0.1", .ssh_port = port,
		.owner = owner,
	};
	int64_t start = now_mono_ms(), deadline = start + deadline_ms;
	if ((r = lab->ops->domain_start(lab, &spec, &dom, &why)) < 0) {
		rc = cmd_error(EXIT_INFRA, "the domain did not start: %s", why);
		goto out;
	}
	struct transport_target target = {
		.host = "127.0.0.1", .port = port, .user = img->agent_user, .key_path = img->agent_key,
		.host_key = img->agent_host_key,
	};
	while (now_mono_ms() < deadline) {
		struct lab_event ev;
		while (lab->ops->domain_wait_event(dom, now_mono_ms() + 200, &ev) == 0) {
			if (ev.kind == LAB_EVENT_CRASHED || ev.kind == LAB_EVENT_STOPPED) {
				print_console_tail(console);
				rc = cmd_error(EXIT_FAILURES, "image '%s' %s %.1f s after start, before its agent answered", name,
					       ev.kind == LAB_EVENT_CRASHED ? "crashed" : "stopped",
					       (double)(now_mono_ms() - start) / 1000);
				goto out;
			}
		}
		int64_t attempt = now_mono_ms() + CHECK_CONNECT_MS;
		char *cwhy = NULL;
		r = transport_ssh_ops.connect(&target, attempt < deadline ? attempt : deadline, &session, &cwhy);
		if (r == -EBADMSG) {
			rc = cmd_error(EXIT_FAILURES, "image '%s': %s", name, cwhy);
			free(cwhy);
			goto out;
		}
		if (r < 0) {
			free(last);
			last = cwhy;
			continue;
		}
		struct transport_result res = { 0 };
		r = transport_ssh_ops.exec(session, command, deadline, &res);
		transport_ssh_ops.close(session);
		session = NULL;
		if (r == 0 && res.exit_status == 0)
			info = json_parse(res.out, res.out_len, NULL);
		free(last);
		last = r < 0 ? xasprintf("'%s' failed: %s", command, strerror(-r))
			     : xasprintf("'%s' exited %d: %s", command, res.exit_status,
					 res.err_len ? res.err : "no output");
		transport_result_clear(&res);
		if (info)
			break;
		sleep_ms(500);
	}
	if (!info) {
		print_console_tail(console);
		rc = cmd_error(EXIT_FAILURES, "image '%s': no agent within %lld s (%s)", name, (long long)deadline_ms / 1000,
			       last ? last : "no connection");
		goto out;
	}
	const char *os_name = json_get_string(info, "os_name", "");
	printf("image '%s': agent answered %.1f s after start (%s)\n  os: %s (%s %s)\n  kernel: %s\n  build: %s\n",
	       name, (double)(now_mono_ms() - start) / 1000, lab->kvm ? "KVM" : "TCG",
	       *os_name ? os_name : json_get_string(info, "os", "?"), json_get_string(info, "os_id", "-"),
	       json_get_string(info, "os_version", "-"), json_get_string(info, "kernel", "?"),
	       img->build ? img->build : "-");
	rc = EXIT_PASS;
out:
	json_free(info);
	if (dom)
		lab->ops->domain_destroy(dom);
	if (lab)
		lab->ops->close(lab);
	unlink(overlay);
	if (rc == EXIT_PASS)
		remove_tree(dir);
	image_free(img);
	return rc;
}

static int cmd_image(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_image_entry, "expected import, list or check");
	if (streq(argv[1], "import"))
		return image_import_cmd(ctx, argc - 1, argv + 1);
	if (streq(argv[1], "list"))
		return image_list_cmd(ctx, argc - 1, argv + 1);
	if (streq(argv[1], "check"))
		return image_check_cmd(ctx, argc - 1, argv + 1);
	return cmd_usage_error(&cmd_image_entry, "unknown image command '%s'", argv[1]);
}

const struct cmd_entry cmd_image_entry = {
	"image",
	"import NAME FILE [--os linux|windows] [--format F] [--build TEXT] [--firmware bios|uefi] [--disk-bus virtio|sata]\n"
	"        [--kernel K [--initrd I] [--cmdline C]] (--cloud-init [--agent PATH] | --key FILE --host-key 'TYPE B64')\n"
	"        [--user U] [--agent-command PATH] [--replace]\n"
	"      | list | check [--deadline SECONDS] NAME",
	"bring an OS image into the catalog, list the catalog, boot an image once to check it", cmd_image,
};
