/* main.c: compatlab's entry point: global options, then one command from the table. */
#include "cmd.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct cmd_entry *const commands[] = {
	&cmd_run_entry,
	&cmd_report_entry,
	&cmd_merge_entry,
	&cmd_gate_entry,
	&cmd_triage_entry,
	&cmd_validate_entry,
	&cmd_cells_entry,
	&cmd_image_entry,
	&cmd_cleanup_entry,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: compatlab [options] COMMAND [ARGS]\n"
		"\n"
		"Tests security sensors and their content against a matrix of OS images and\n"
		"hardware in real VMs, and reports boots, crashes, boot loops and hangs.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < ARRAY_LENGTH(commands); i++)
		fprintf(out, "  %s%s%s\n              %s\n", commands[i]->name, *commands[i]->args ? " " : "",
			commands[i]->args, commands[i]->summary);
	fprintf(out,
		"\n"
		"options:\n"
		"  -d, --db PATH         results database (default STATE/compatlab.db)\n"
		"  -s, --state-dir DIR   state: images, overlays, reports (default /var/lib/compatlab)\n"
		"  -i, --images DIR      image catalog (default STATE/images)\n"
		"  -c, --connect URI     libvirt URI (default qemu:///system)\n"
		"  -v, --verbose         more logging (twice for debug)\n"
		"  -q, --quiet           warnings and errors only\n"
		"  -h, --help            this help\n"
		"      --version         print the version\n"
		"\n"
		"exit codes: 0 pass, 1 product failures found, 2 usage or input error, 3 lab failure\n");
}

int cmd_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "compatlab %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: compatlab %s %s\n", cmd->name, cmd->args);
	return EXIT_USAGE;
}

int cmd_error(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "compatlab: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? xstrdup(v) : (fallback ? xstrdup(fallback) : NULL);
}

static char *default_state_dir(void)
{
	if (geteuid() == 0)
		return xstrdup("/var/lib/compatlab");
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/compatlab", xdg);
	const char *home = getenv("HOME");
	return xasprintf("%s/.local/share/compatlab", home ? home : "/tmp");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "images", required_argument, NULL, 'i' },
		{ "connect", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct cmd_ctx ctx = { 0 };
	int verbosity = 0, c;
	enum log_level level = LOG_LEVEL_INFO;

	ctx.state_dir = env_or("COMPATLAB_STATE_DIR", NULL);
	ctx.db_path = env_or("COMPATLAB_DB", NULL);
	ctx.image_dir = env_or("COMPATLAB_IMAGES", NULL);
	ctx.uri = env_or("COMPATLAB_URI", "qemu:///system");

	/* "+" stops at the command name: the rest belongs to the command */
	while ((c = getopt_long(argc, argv, "+d:s:i:c:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(ctx.db_path); ctx.db_path = xstrdup(optarg); break;
		case 's': free(ctx.state_dir); ctx.state_dir = xstrdup(optarg); break;
		case 'i': free(ctx.image_dir); ctx.image_dir = xstrdup(optarg); break;
		case 'c': free(ctx.uri); ctx.uri = xstrdup(optarg); break;
		case 'v': verbosity++; break;
		case 'q': level = LOG_LEVEL_WARN; break;
		case 'h': usage(stdout); return EXIT_PASS;
		case 'V': printf("compatlab %s\n", COMPATLAB_VERSION); return EXIT_PASS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (verbosity)
		level = verbosity > 1 ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;
	log_set_level(level);
	if (!ctx.state_dir)
		ctx.state_dir = default_state_dir();
	if (!ctx.db_path)
		ctx.db_path = path_join(ctx.state_dir, "compatlab.db");
	if (!ctx.image_dir)
		ctx.image_dir = path_join(ctx.state_dir, "images");

	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < ARRAY_LENGTH(commands); i++) {
		if (streq(commands[i]->name, name)) {
			optind++;
			int rc = commands[i]->exec(&ctx, argc - optind + 1, argv + optind - 1);
			free(ctx.state_dir); free(ctx.db_path); free(ctx.image_dir); free(ctx.uri);
			return rc;
		}
	}
	fprintf(stderr, "compatlab: unknown command '%s' (see compatlab --help)\n", name);
	return EXIT_USAGE;
}
