/*
 * compatlab-agent: runs inside the guest, invoked by the orchestrator over SSH. Each command
 * prints one JSON object on stdout and exits 0 (done), 1 (the operation failed) or 2 (usage).
 *
 *   info                 OS (and its os-release name, id, version), kernel, boot id, uptime, loaded modules
 *   install DIR          runs the install command of the package uploaded to DIR
 *   uninstall DIR        runs its uninstall command
 *   push DIR             runs its push command (content applied to the running sensor)
 *   health               runs the health command of every installed package
 *   resources [MS]       memory in use, busy share of CPU over MS (0: none), loaded modules and sizes
 *   workload [REPS OPS]  the operations a sensor hooks, timed: process creation (fork + exec of
 *                        /bin/true) and file create/write/read/delete, OPS of each, REPS times;
 *                        each slice of them (at least 30 ms) followed by as long a calibration
 *                        that no sensor hooks, so that the host's speed then can be divided out
 *   reboot               syncs and reboots at once
 *
 * A package directory holds its payload and ".compatlab-package", written by the orchestrator:
 * "key=value" lines for name, version, kind, install, uninstall, health and push.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AGENT_VERSION "0.1.0"
#define OUTPUT_MAX (64 * 1024)
#define PACKAGE_FILE ".compatlab-package"
#define INSTALLED_FILE ".compatlab-installed"
#define PACKAGES_DIR "/var/lib/compatlab-agent/packages"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints s as a JSON string: quotes, backslashes and control characters escaped. */
static void json_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7F)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_key(const char *key, const char *value, bool comma)
{
	printf("%s\"%s\":", comma ? "," : "", key);
	if (value)
		json_str(value, strlen(value));
	else
		fputs("null", stdout);
}

/* Reads a small file into buf (NUL-terminated, trailing newline removed). */
static bool read_small(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t len = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return true;
}

struct package {
	char name[128], version[128], kind[32];
	char install[1024], uninstall[1024], health[1024], push[1024];
};

static bool package_read(const char *dir, struct package *p)
{
	char path[4096], line[1200];
	snprintf(path, sizeof(path), "%s/%s", dir, PACKAGE_FILE);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	memset(p, 0, sizeof(*p));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *v = eq + 1;
		struct { const char *key; char *dst; size_t n; } fields[] = {
			{ "name", p->name, sizeof(p->name) },
			{ "version", p->version, sizeof(p->version) },
			{ "kind", p->kind, sizeof(p->kind) },
			{ "install", p->install, sizeof(p->install) },
			{ "uninstall", p->uninstall, sizeof(p->uninstall) },
			{ "health", p->health, sizeof(p->health) },
			{ "push", p->push, sizeof(p->push) },
		};
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(line, fields[i].key) == 0)
				snprintf(fields[i].dst, fields[i].n, "%s", v);
	}
	fclose(f);
	return p->name[0] != '\0';
}

struct result {
	int exit_code; /* -1 when killed or not started */
	bool timed_out;
	int64_t duration_ms;
	char output[OUTPUT_MAX];
	size_t len;
	size_t dropped;
};

/* Runs "sh -c command" in dir with a deadline, collecting stdout and stderr (bounded). */
static void run_command(const char *dir, const char *command, int timeout_s, struct result *r)
{
	int pipefd[2];
	int64_t start = now_ms();

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	if (pipe(pipefd) < 0) {
		r->len = (size_t)snprintf(r->output, sizeof(r->output), "pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		r->len = (size_t)snprintf(r->output, sizeof(r->output), "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (pid == 0) {
		setsid();
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		if (chdir(dir) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	int64_t deadline = start + (int64_t)timeout_s * 1000;
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			r->timed_out = true;
			kill(-pid, SIGKILL);
			break;
		}
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		int n = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		char buf[4096];
		ssize_t got = read(pipefd[0], buf, sizeof(buf));
		if (got <= 0)
			break;
		size_t room = sizeof(r->output) - r->len;
		size_t take = (size_t)got < room ? (size_t)got : room;
		memcpy(r->output + r->len, buf, take);
		r->len += take;
		r->dropped += (size_t)got - take;
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!r->timed_out && WIFEXITED(status))
		r->exit_code = WEXITSTATUS(status);
	r->duration_ms = now_ms() - start;
}

static void print_result_fields(const struct result *r)
{
	printf(",\"exit\":%d,\"timed_out\":%s,\"duration_ms\":%lld,\"output\":", r->exit_code,
	       r->timed_out ? "true" : "false", (long long)r->duration_ms);
	json_str(r->output, r->len);
	printf(",\"output_truncated\":%zu", r->dropped);
}

struct os_release {
	char name[256], id[64], version[64];
};

/* Copies an os-release(5) value into out (bounded): unquoted, or in '...', or in "..." with
 * backslash escapes; ends at the closing quote, or at the line's end when unquoted. */
static void os_release_value(const char *v, char *out, size_t n)
{
	char quote = *v == '"' || *v == '\'' ? *v++ : '\0';
	size_t len = 0;
	for (; *v && len + 1 < n; v++) {
		if (quote && *v == quote)
			break;
		if (quote != '\'' && *v == '\\' && v[1])
			v++;
		out[len++] = *v;
	}
	while (!quote && len > 0 && (out[len - 1] == ' ' || out[len - 1] == '\t'))
		len--;
	out[len] = '\0';
}

/* PRETTY_NAME, ID and VERSION_ID of /etc/os-release (else /usr/lib/os-release); empty when absent. */
static void os_release_read(struct os_release *o)
{
	memset(o, 0, sizeof(*o));
	FILE *f = fopen("/etc/os-release", "r");
	if (!f)
		f = fopen("/usr/lib/os-release", "r");
	if (!f)
		return;
	char line[512];
	for (int lines = 0; lines < 256 && fgets(line, sizeof(line), f); lines++) {
		if (!strchr(line, '\n') && !feof(f)) { /* an overlong line: its first part only */
			int c;
			while ((c = getc(f)) != EOF && c != '\n')
				;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "PRETTY_NAME=", 12) == 0)
			os_release_value(line + 12, o->name, sizeof(o->name));
		else if (strncmp(line, "ID=", 3) == 0)
			os_release_value(line + 3, o->id, sizeof(o->id));
		else if (strncmp(line, "VERSION_ID=", 11) == 0)
			os_release_value(line + 11, o->version, sizeof(o->version));
	}
	fclose(f);
}

static int cmd_info(void)
{
	struct utsname u;
	struct os_release osr;
	char boot_id[64] = "", uptime[64] = "", tainted[32] = "0", hostname[256] = "";
	uname(&u);
	os_release_read(&osr);
	read_small("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	read_small("/proc/uptime", uptime, sizeof(uptime));
	read_small("/proc/sys/kernel/tainted", tainted, sizeof(tainted));
	gethostname(hostname, sizeof(hostname) - 1);

	printf("{");
	json_key("agent", "compatlab-agent", false);
	json_key("version", AGENT_VERSION, true);
	json_key("os", "linux", true);
	json_key("os_name", osr.name, true);
	json_key("os_id", osr.id, true);
	json_key("os_version", osr.version, true);
	json_key("kernel", u.release, true);
	json_key("machine", u.machine, true);
	json_key("hostname", hostname, true);
	json_key("boot_id", boot_id, true);
	printf(",\"uptime_ms\":%lld", (long long)(strtod(uptime, NULL) * 1000));
	printf(",\"tainted\":%lld", strtoll(tainted, NULL, 10));
	printf(",\"modules\":[");
	FILE *f = fopen("/proc/modules", "r");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof(line), f) && n < 256) {
		line[strcspn(line, " ")] = '\0';
		printf("%s", n++ ? "," : "");
		json_str(line, strlen(line));
	}
	if (f)
		fclose(f);
	printf("]}\n");
	return 0;
}

enum package_action { ACTION_INSTALL, ACTION_UNINSTALL, ACTION_PUSH };

/* An install of a package replaces the installed package of the same kind and name (an upgrade
 * or a downgrade): the old one is no longer installed, so health no longer runs its check. */
static void supersede(const char *dir, const struct package *p)
{
	DIR *d = opendir(PACKAGES_DIR);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char other[4096], marker[4200];
		struct package q;
		if (de->d_name[0] == '.')
			continue;
		snprintf(other, sizeof(other), "%s/%s", PACKAGES_DIR, de->d_name);
		snprintf(marker, sizeof(marker), "%s/%s", other, INSTALLED_FILE);
		if (strcmp(other, dir) == 0 || access(marker, F_OK) < 0 || !package_read(other, &q))
			continue;
		if (strcmp(q.kind, p->kind) == 0 && strcmp(q.name, p->name) == 0)
			unlink(marker);
	}
	if (d)
		closedir(d);
}

static int cmd_run_package(const char *dir, enum package_action action, int timeout_s)
{
	struct package p;
	struct result *r = calloc(1, sizeof(*r));
	char marker[4096];

	if (!r)
		return 1;
	if (!package_read(dir, &p)) {
		printf("{\"ok\":false,");
		json_key("error", "no package description in the directory", false);
		printf("}\n");
		free(r);
		return 1;
	}
	const char *command = action == ACTION_INSTALL ? p.install : action == ACTION_UNINSTALL ? p.uninstall : p.push;
	if (action == ACTION_PUSH && !command[0]) {
		printf("{\"ok\":false,");
		json_key("error", "the package has no push command", false);
		printf("}\n");
		free(r);
		return 1;
	}
	snprintf(marker, sizeof(marker), "%s/%s", dir, INSTALLED_FILE);
	if (command[0])
		run_command(dir, command, timeout_s, r);
	else
		r->exit_code = 0;
	bool ok = r->exit_code == 0;
	if (ok && action == ACTION_INSTALL) {
		supersede(dir, &p);
		FILE *f = fopen(marker, "w");
		if (f)
			fclose(f);
	} else if (ok && action == ACTION_UNINSTALL) {
		unlink(marker);
	}
	sync();
	printf("{\"ok\":%s", ok ? "true" : "false");
	json_key("name", p.name, true);
	json_key("version", p.version, true);
	json_key("kind", p.kind, true);
	print_result_fields(r);
	printf("}\n");
	free(r);
	return ok ? 0 : 1;
}

static int cmd_health(int timeout_s)
{
	DIR *d = opendir(PACKAGES_DIR);
	struct dirent *de;
	struct result *r = calloc(1, sizeof(*r));
	bool healthy = true;
	int n = 0;

	if (!r)
		return 1;
	printf("{\"packages\":[");
	while (d && (de = readdir(d))) {
		char dir[4096], marker[4200];
		struct package p;
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", PACKAGES_DIR, de->d_name);
		snprintf(marker, sizeof(marker), "%s/%s", dir, INSTALLED_FILE);
		if (stat(marker, &st) < 0 || !package_read(dir, &p))
			continue;
		printf("%s{", n++ ? "," : "");
		json_key("name", p.name, false);
		json_key("version", p.version, true);
		json_key("kind", p.kind, true);
		if (p.health[0]) {
			run_command(dir, p.health, timeout_s, r);
			printf(",\"healthy\":%s", r->exit_code == 0 ? "true" : "false");
			print_result_fields(r);
			healthy = healthy && r->exit_code == 0;
		} else {
			printf(",\"healthy\":true");
		}
		printf("}");
	}
	if (d)
		closedir(d);
	printf("],\"healthy\":%s}\n", healthy ? "true" : "false");
	free(r);
	return healthy ? 0 : 1;
}

#define WORKLOAD_DIR "/tmp/compatlab-workload"

static double since_s(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Process creation: fork and exec /bin/true, wait; ops times. Seconds taken, or -1. */
static double workload_proc(int ops)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < ops; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return -1;
	}
	return since_s(&t0);
}

/* File operations: create and write 4 KiB, reopen and read it, delete it; ops times. Seconds
 * taken, or -1. */
static double workload_file(int ops)
{
	static char block[4096];
	char path[256];
	struct timespec t0;
	mkdir(WORKLOAD_DIR, 0700);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < ops; i++) {
		snprintf(path, sizeof(path), "%s/f%d", WORKLOAD_DIR, i);
		int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
		if (fd < 0 || write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			return -1;
		close(fd);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			return -1;
		close(fd);
		if (unlink(path) < 0)
			return -1;
	}
	return since_s(&t0);
}

/* The control: work no sensor hooks, shaped like the workload's own cost under emulation
 * (arithmetic over a 16 KiB buffer, a getppid call, and page faults on a fresh anonymous
 * mapping), run for `seconds` right after a workload slice. Returns units per second: the speed
 * the host gave this guest at that moment. */
static double calibrate(double seconds)
{
	static uint32_t buf[4096];
	static uint32_t acc = 1;
	const size_t page = 4096, pages = 8;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned long units = 0;
	double elapsed;
	do {
		for (size_t i = 0; i < sizeof(buf) / sizeof(buf[0]); i++)
			buf[i] = acc = acc * 1664525u + 1013904223u + buf[i];
		(void)getppid();
		char *m = mmap(NULL, page * pages, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED) {
			for (size_t i = 0; i < pages; i++)
				m[i * page] = (char)acc;
			munmap(m, page * pages);
		}
		units++;
		elapsed = since_s(&t0);
	} while (elapsed < seconds);
	return (double)units / elapsed;
}

/* A repetition of one kind is WORKLOAD_SLICES slices, each of at least its share of the
 * operations and at least WORKLOAD_SLICE_S long (long against the host scheduler's time slice, so
 * that a busy host's share of CPU averages out within a slice), each followed by as long a
 * calibration. */
#define WORKLOAD_SLICES 6
#define WORKLOAD_SLICE_S 0.03
#define WORKLOAD_SLICE_OPS_MAX 100000

struct workload_result {
	int ops;
	double rate;       /* operations per second over the workload's slices */
	double calib_rate; /* calibration units per second over the slices next to them */
	double drift;      /* |calibration rate of the second half of the slices / first half - 1| */
};

/* One workload kind, interleaved with its control: slice, calibration for as long, slice, ... */
static bool workload_paired(double (*work)(int), int ops, struct workload_result *r)
{
	double work_s = 0, calib_s = 0, units = 0, half_units[2] = { 0, 0 }, half_s[2] = { 0, 0 };
	r->ops = 0;
	for (int s = 0; s < WORKLOAD_SLICES; s++) {
		int n = ops / WORKLOAD_SLICES + (s < ops % WORKLOAD_SLICES), done = 0;
		double t = 0;
		if (n < 1)
			n = 1;
		/* at least n operations and at least the slice's length */
		while (done < n || (t < WORKLOAD_SLICE_S && done < WORKLOAD_SLICE_OPS_MAX)) {
			int chunk = done < n ? n - done : (n < 8 ? n : 8);
			double dt = work(chunk);
			if (dt <= 0)
				return false;
			t += dt;
			done += chunk;
		}
		double c = calibrate(t);
		if (c <= 0)
			return false;
		r->ops += done;
		work_s += t;
		calib_s += t;
		units += c * t;
		half_units[s >= WORKLOAD_SLICES / 2] += c * t;
		half_s[s >= WORKLOAD_SLICES / 2] += t;
	}
	r->rate = r->ops / work_s;
	r->calib_rate = units / calib_s;
	double first = half_units[0] / half_s[0], second = half_units[1] / half_s[1];
	r->drift = second > first ? second / first - 1 : first / second - 1;
	return true;
}

static int cmd_workload(int reps, int ops)
{
	calibrate(0.02); /* its code and buffer warm before the first measurement */
	printf("{\"ops\":%d,\"slices\":%d,\"reps\":[", ops, WORKLOAD_SLICES);
	bool ok = true;
	for (int r = 0; r < reps; r++) {
		struct workload_result proc = { 0 }, file = { 0 };
		ok = ok && workload_paired(workload_proc, ops, &proc) && workload_paired(workload_file, ops, &file);
		printf("%s{\"proc_per_s\":%.3f,\"proc_calib_per_s\":%.3f,\"proc_ops\":%d,\"file_per_s\":%.3f,"
		       "\"file_calib_per_s\":%.3f,\"file_ops\":%d,\"calib_drift\":%.4f}",
		       r ? "," : "", proc.rate, proc.calib_rate, proc.ops, file.rate, file.calib_rate, file.ops,
		       ok ? (proc.drift > file.drift ? proc.drift : file.drift) : -1);
	}
	printf("],\"ok\":%s}\n", ok ? "true" : "false");
	rmdir(WORKLOAD_DIR);
	return ok ? 0 : 1;
}

/* CPU time from /proc/stat's first line: all of it, and the idle part (idle + iowait). */
static bool cpu_times(unsigned long long *total, unsigned long long *idle)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
			      &v[5], &v[6], &v[7], &v[8], &v[9])
		  : 0;
	if (f)
		fclose(f);
	if (n < 5)
		return false;
	*total = 0;
	for (int i = 0; i < 8; i++) /* guest and guest_nice are already in user and nice */
		*total += v[i];
	*idle = v[3] + v[4];
	return true;
}

static long long meminfo_kib(const char *key)
{
	char line[256];
	long long value = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			value = strtoll(line + len + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return value;
}

/* What the system uses at rest: memory in use, the busy share of CPU time over a window, and
 * the loaded kernel modules with their sizes (a kernel sensor's footprint). */
static int cmd_resources(int window_ms)
{
	unsigned long long t0, i0, t1, i1;
	bool cpu = window_ms > 0 && cpu_times(&t0, &i0);
	if (cpu)
		usleep((useconds_t)window_ms * 1000);
	cpu = cpu && cpu_times(&t1, &i1) && t1 > t0;
	printf("{\"window_ms\":%d,\"mem_total_kib\":%lld,\"mem_available_kib\":%lld", window_ms,
	       meminfo_kib("MemTotal"), meminfo_kib("MemAvailable"));
	if (cpu)
		printf(",\"cpu_busy_pct\":%.2f", 100.0 * (double)((t1 - t0) - (i1 - i0)) / (double)(t1 - t0));
	printf(",\"modules\":[");
	FILE *f = fopen("/proc/modules", "r");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof(line), f) && n < 512) {
		char name[128];
		unsigned long long size;
		if (sscanf(line, "%127s %llu", name, &size) != 2)
			continue;
		printf("%s{", n++ ? "," : "");
		json_key("name", name, false);
		printf(",\"size\":%llu}", size);
	}
	if (f)
		fclose(f);
	printf("]}\n");
	return 0;
}

static int cmd_reboot(void)
{
	sync();
	printf("{\"ok\":true}\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* let the SSH channel deliver the answer first */
		setsid();
		usleep(300 * 1000);
		sync();
		reboot(RB_AUTOBOOT);
		_exit(1);
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: compatlab-agent [--timeout SECONDS] info|install DIR|uninstall DIR|push DIR|health|workload [REPS OPS]|resources [MS]|reboot|version\n");
	return 2;
}

int main(int argc, char **argv)
{
	int timeout_s = 300;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0) {
		timeout_s = atoi(argv[i + 1]);
		if (timeout_s <= 0 || timeout_s > 86400)
			return usage();
		i += 2;
	}
	if (i >= argc)
		return usage();
	const char *cmd = argv[i];
	if (strcmp(cmd, "info") == 0 && argc == i + 1)
		return cmd_info();
	if (strcmp(cmd, "install") == 0 && argc == i + 2)
		return cmd_run_package(argv[i + 1], ACTION_INSTALL, timeout_s);
	if (strcmp(cmd, "uninstall") == 0 && argc == i + 2)
		return cmd_run_package(argv[i + 1], ACTION_UNINSTALL, timeout_s);
	if (strcmp(cmd, "push") == 0 && argc == i + 2)
		return cmd_run_package(argv[i + 1], ACTION_PUSH, timeout_s);
	if (strcmp(cmd, "health") == 0 && argc == i + 1)
		return cmd_health(timeout_s);
	if (strcmp(cmd, "reboot") == 0 && argc == i + 1)
		return cmd_reboot();
	if (strcmp(cmd, "workload") == 0 && (argc == i + 1 || argc == i + 3)) {
		int reps = argc == i + 3 ? atoi(argv[i + 1]) : 7, ops = argc == i + 3 ? atoi(argv[i + 2]) : 200;
		if (reps < 1 || reps > 100 || ops < 1 || ops > 100000)
			return usage();
		return cmd_workload(reps, ops);
	}
	if (strcmp(cmd, "resources") == 0 && (argc == i + 1 || argc == i + 2)) {
		int ms = argc == i + 2 ? atoi(argv[i + 1]) : 1000;
		if (ms != 0 && (ms < 100 || ms > 60000)) /* 0: no CPU window */
			return usage();
		return cmd_resources(ms);
	}
	if (strcmp(cmd, "version") == 0 && argc == i + 1) {
		printf("{\"version\":\"%s\"}\n", AGENT_VERSION);
		return 0;
	}
	return usage();
}
