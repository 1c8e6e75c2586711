/* test-vm.c: the lab on real VMs (libvirt + QEMU, TCG where KVM does not work). Builds the test
 * guest, runs the demo matrix and checks every verdict; kills compatlab mid-run and checks that
 * the next start removes its VMs while the records already written stay, then resumes the run. */
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog.h"
#include "json.h"
#include "test-common.h"

static char *state;
static int log_seq;

static void build_image(void)
{
	state = test_tmpdir();
	_cleanup_free_ char *cmd = xasprintf("%s/images/build-test-guest --agent %s --out %s/images --cache %s > %s/image.log 2>&1",
					     TEST_SOURCE_DIR, getenv("COMPATLAB_AGENT"), state, getenv("COMPATLAB_IMAGE_CACHE"), state);
	int rc = system(cmd);
	if (rc != 0) {
		_cleanup_free_ char *path = xasprintf("%s/image.log", state), *log = NULL;
		read_file(path, 1 << 20, &log, NULL);
		ck_abort_msg("build-test-guest failed:\n%s", log ? log : "");
	}
}

static void remove_state(void)
{
	remove_tree(state);
	free(state);
}

/* Starts compatlab -s STATE ARGS... with stdout to a pipe (when out) and stderr to a log file. */
static pid_t spawn(int *out_fd, char *const args[])
{
	char *argv[32] = { getenv("COMPATLAB_BIN"), "-s", state };
	size_t n = 3;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int pipefd[2] = { -1, -1 };
	if (out_fd)
		ck_assert_int_eq(pipe(pipefd), 0);
	/* named by this process too: each test runs in a process of its own, forked with log_seq as it
	 * was, and must not write (or read) another test's log */
	_cleanup_free_ char *log = xasprintf("%s/compatlab-%d-%d.log", state, (int)getpid(), ++log_seq);
	pid_t pid = fork();
	if (pid == 0) {
		FILE *f = fopen(log, "w");
		if (f)
			dup2(fileno(f), 2);
		if (out_fd) {
			dup2(pipefd[1], 1);
			close(pipefd[0]);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (out_fd) {
		close(pipefd[1]);
		*out_fd = pipefd[0];
	}
	return pid;
}

/* Runs compatlab to the end; returns its exit status, stdout in *out when asked. */
static int compatlab(char **out, char *const args[])
{
	int fd;
	pid_t pid = spawn(out ? &fd : NULL, args);
	if (out) {
		struct strbuf sb;
		char buf[65536];
		ssize_t n;
		strbuf_init(&sb);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			strbuf_add(&sb, buf, (size_t)n);
		close(fd);
		*out = strbuf_steal(&sb);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static struct json *report_json(long long run)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *run_arg = xasprintf("%lld", run);
	char *args[] = { "report", "--format", "json", run ? "--run" : NULL, run_arg, NULL };
	ck_assert_int_eq(compatlab(&out, args), 0);
	char *err = NULL;
	struct json *j = json_parse(out, strlen(out), &err);
	ck_assert_msg(j, "report JSON: %s", err ? err : "?");
	return j;
}

/* Runs matrices/NAME, checks compatlab's exit code and returns the run's JSON report. */
static struct json *run_matrix(const char *name, int want_rc)
{
	_cleanup_free_ char *matrix = xasprintf("%s/matrices/%s", TEST_SOURCE_DIR, name);
	char *run[] = { "run", matrix, NULL };
	int rc = compatlab(NULL, run);
	ck_assert_msg(rc == want_rc, "compatlab run %s exited %d, want %d; see %s/compatlab-%d-%d.log", name, rc, want_rc,
		      state, (int)getpid(), log_seq);
	return report_json(0);
}

static const struct json *cell_of(const struct json *report, const char *hardware, const char *content)
{
	const struct json *cells = json_get(report, "cells");
	for (size_t i = 0; cells && i < cells->n; i++)
		if (streq(json_get_string(cells->items[i], "hardware", ""), hardware) &&
		    streq(json_get_string(cells->items[i], "content", ""), content))
			return cells->items[i];
	ck_abort_msg("no cell %s/%s in the report", hardware, content);
	return NULL;
}

static size_t boots_with(const struct json *cell, const char *outcome, bool after_install)
{
	const struct json *boots = json_get(cell, "boots");
	size_t n = 0;
	for (size_t i = 0; boots && i < boots->n; i++)
		if (streq(json_get_string(boots->items[i], "outcome", ""), outcome) &&
		    (!after_install || json_get_number(boots->items[i], "boot", 0) >= 1))
			n++;
	return n;
}

/* Writes the latest run's HTML report (to dir; the default place when NULL) and returns its index. */
static char *html_report(const char *dir)
{
	_cleanup_free_ char *out = NULL;
	char *args[] = { "report", dir ? "-o" : NULL, (char *)dir, NULL };
	ck_assert_int_eq(compatlab(&out, args), 0);
	_cleanup_free_ char *index = dir ? xasprintf("%s/index.html", dir) : xstrndup(out, strcspn(out, "\n"));
	char *html = NULL;
	ck_assert_int_eq(read_file(index, 8 << 20, &html, NULL), 0);
	return html;
}

/* Writes the latest run's JUnit and validates it against the schema kept in the tests. */
static void assert_junit_valid(const char *name)
{
	_cleanup_free_ char *junit = xasprintf("%s/%s", state, name);
	char *args[] = { "report", "--format", "junit", "-o", junit, NULL };
	ck_assert_int_eq(compatlab(NULL, args), 0);
	_cleanup_free_ char *xmllint = xasprintf("xmllint --noout --schema %s/junit.xsd %s", TEST_DATA_DIR, junit);
	ck_assert_int_eq(system(xmllint), 0);
}

START_TEST(test_demo_matrix_verdicts)
{
	/* 1: product failures found */
	struct json *report = run_matrix("demo.yaml", 1);
	ck_assert_str_eq(json_get_string(json_get(report, "run"), "status", ""), "finished");
	ck_assert_uint_eq(json_get(report, "cells")->n, 6);
	static const char *const profiles[] = { "pc-1cpu", "q35-2cpu" };
	for (size_t p = 0; p < ARRAY_LENGTH(profiles); p++) {
		const struct json *good = cell_of(report, profiles[p], "good");
		ck_assert_str_eq(json_get_string(good, "verdict", ""), "PASS");
		ck_assert_uint_eq(boots_with(good, "ok", true), 2);
		ck_assert_uint_eq(json_get(good, "crashes")->n, 0);

		const struct json *oob = cell_of(report, profiles[p], "oob");
		ck_assert_str_eq(json_get_string(oob, "verdict", ""), "BOOT_LOOP");
		ck_assert_int_eq((int)json_get_number(oob, "boot_index", 0), 1);
		const struct json *crashes = json_get(oob, "crashes");
		ck_assert_uint_ge(crashes->n, 2);
		for (size_t i = 0; i < crashes->n; i++) {
			const struct json *x = crashes->items[i];
			ck_assert_int_eq((int)json_get_number(x, "boot", 0), (int)i + 1);
			ck_assert_str_eq(json_get_string(x, "source", ""), "pvpanic");
			ck_assert_str_eq(json_get_string(x, "module", ""), "compatlab_sensor");
			ck_assert(strstartswith(json_get_string(x, "title", ""), "BUG: unable to handle page fault"));
			double delay = json_get_number(x, "event_to_record_ms", 1e9);
			ck_assert_msg(delay >= 0 && delay < 2000, "crash recorded %.0f ms after the event", delay);
		}

		const struct json *hang = cell_of(report, profiles[p], "hang");
		ck_assert_str_eq(json_get_string(hang, "verdict", ""), "HANG");
		ck_assert_int_eq((int)json_get_number(hang, "boot_index", 0), 1);
		ck_assert_uint_eq(boots_with(hang, "hung", true), 1);
		ck_assert_uint_eq(json_get(hang, "crashes")->n, 0);
	}
	json_free(report);

	/* the HTML report: the grid names every verdict */
	_cleanup_free_ char *html = html_report(NULL);
	ck_assert_ptr_nonnull(strstr(html, "data-key=\"linux-test/q35-2cpu/demo-sensor/oob\" data-verdict=\"BOOT_LOOP\""));
	ck_assert_ptr_nonnull(strstr(html, "data-key=\"linux-test/pc-1cpu/demo-sensor/hang\" data-verdict=\"HANG\""));
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));

	/* the JUnit of a real run validates against the schema kept in the tests */
	assert_junit_valid("junit.xml");
}
END_TEST

START_TEST(test_gate_on_demo_run)
{
	_cleanup_free_ char *policy = xasprintf("%s/matrices/demo-policy.yaml", TEST_SOURCE_DIR);
	static const struct { const char *content; int exit; const char *expect; } cases[] = {
		{ "good", 0, "PASS demo-sensor + good: may reach broad" },
		{ "oob", 1, "canary: 2 BOOT_LOOP cells" },
		{ "hang", 1, "canary: 2 HANG cells" },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		_cleanup_free_ char *out = NULL;
		char *args[] = { "gate", "--policy", policy, "--content", (char *)cases[i].content, NULL };
		int rc = compatlab(&out, args);
		ck_assert_msg(rc == cases[i].exit, "gate %s exited %d:\n%s", cases[i].content, rc, out);
		ck_assert_msg(strstr(out, cases[i].expect), "gate %s said:\n%s", cases[i].content, out);
	}
	/* the whole run, targeting the first ring: blocked, because oob and hang are */
	_cleanup_free_ char *out = NULL;
	char *all[] = { "gate", "--policy", policy, "--json", NULL };
	ck_assert_int_eq(compatlab(&out, all), 1);
	struct json *j = json_parse(out, strlen(out), NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_get(j, "versions")->n, 3);
	json_free(j);
}
END_TEST

/* Runs headless Chromium on a page; returns its stdout, and whether stderr had a CSP refusal. */
static char *chromium(const char *mode, const char *page, bool *csp_refused)
{
	_cleanup_free_ char *err = xasprintf("%s/chromium.err", state);
	_cleanup_free_ char *out = xasprintf("%s/chromium.out", state);
	_cleanup_free_ char *cmd = xasprintf(
		"chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
		"--disable-component-update --disable-sync --hide-scrollbars --user-data-dir=%s/chromium-profile "
		"--enable-logging=stderr --v=0 --window-size=1280,1024 %s file://%s > %s 2> %s",
		state, mode, page, out, err);
	ck_assert_int_eq(system(cmd), 0);
	_cleanup_free_ char *log = NULL;
	read_file(err, 4 << 20, &log, NULL);
	*csp_refused = log && strstr(log, "Content Security Policy");
	char *text = NULL;
	read_file(out, 16 << 20, &text, NULL);
	return text ? text : xstrdup("");
}

/* Width and height from a PNG's IHDR chunk. */
static void png_size(const char *path, unsigned *w, unsigned *h)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file(path, 32 << 20, &data, &len), 0);
	ck_assert_uint_gt(len, 24);
	ck_assert_mem_eq(data, "\x89PNG\r\n\x1a\n", 8);
	const unsigned char *p = (const unsigned char *)data + 16;
	*w = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
	*h = (unsigned)p[4] << 24 | (unsigned)p[5] << 16 | (unsigned)p[6] << 8 | p[7];
}

START_TEST(test_report_in_browser)
{
	_cleanup_free_ char *dir = xasprintf("%s/report", state);
	char *args[] = { "report", "-o", dir, NULL };
	ck_assert_int_eq(compatlab(NULL, args), 0);
	_cleanup_free_ char *index = xasprintf("%s/index.html", dir);
	bool refused;

	/* the grid as Chromium built it: every cell with its verdict */
	_cleanup_free_ char *dom = chromium("--dump-dom", index, &refused);
	ck_assert_msg(!refused, "Chromium refused something under the report's CSP");
	static const char *const expect[] = {
		"data-key=\"linux-test/pc-1cpu/demo-sensor/good\" data-verdict=\"PASS\"",
		"data-key=\"linux-test/q35-2cpu/demo-sensor/good\" data-verdict=\"PASS\"",
		"data-key=\"linux-test/pc-1cpu/demo-sensor/oob\" data-verdict=\"BOOT_LOOP\"",
		"data-key=\"linux-test/q35-2cpu/demo-sensor/oob\" data-verdict=\"BOOT_LOOP\"",
		"data-key=\"linux-test/pc-1cpu/demo-sensor/hang\" data-verdict=\"HANG\"",
		"data-key=\"linux-test/q35-2cpu/demo-sensor/hang\" data-verdict=\"HANG\"",
		"Crash groups (1)",
	};
	for (size_t i = 0; i < ARRAY_LENGTH(expect); i++)
		ck_assert_msg(strstr(dom, expect[i]), "the rendered grid lacks %s", expect[i]);

	/* the crashed cell's page, found through the grid's link */
	const char *cell = strstr(dom, "data-key=\"linux-test/pc-1cpu/demo-sensor/oob\"");
	const char *href = strstr(cell, "href=\"cells/");
	ck_assert_ptr_nonnull(href);
	_cleanup_free_ char *rel = xstrndup(href + 6, strcspn(href + 6, "\""));
	_cleanup_free_ char *page = path_join(dir, rel);
	_cleanup_free_ char *cell_dom = chromium("--dump-dom", page, &refused);
	ck_assert(!refused);
	ck_assert_ptr_nonnull(strstr(cell_dom, "data-verdict=\"BOOT_LOOP\""));
	ck_assert_ptr_nonnull(strstr(cell_dom, "Crash on boot 1"));
	ck_assert_ptr_nonnull(strstr(cell_dom, "compatlab_sensor_init"));
	ck_assert_ptr_nonnull(strstr(cell_dom, "<svg class=\"timeline\""));
	ck_assert_ptr_nonnull(strstr(cell_dom, "-console.log.txt\""));

	/* screenshots of both, kept in the state directory for people to look at */
	static const char *const shots[] = { "index.png", "cell.png" };
	const char *pages[] = { index, page };
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *png = xasprintf("%s/%s", dir, shots[i]);
		_cleanup_free_ char *mode = xasprintf("--screenshot=%s", png);
		free(chromium(mode, pages[i], &refused));
		unsigned w, h;
		png_size(png, &w, &h);
		ck_assert_uint_eq(w, 1280);
		ck_assert_uint_eq(h, 1024);
	}
}
END_TEST

static bool is_png(const char *path)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	return read_file(path, 32 << 20, &data, &len) == 0 && len > 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8);
}

static long long latest_run(void)
{
	struct json *j = report_json(0);
	long long id = (long long)json_get_number(json_get(j, "run"), "id", 0);
	json_free(j);
	return id;
}

START_TEST(test_crash_forensics)
{
	struct json *report = run_matrix("crashes.yaml", 1);
	long long id = latest_run();
	static const struct {
		const char *hardware, *content, *verdict, *kind, *title, *source;
	} want[] = {
		{ "pc-1cpu", "null", "BOOT_LOOP", "bug", "BUG: kernel NULL pointer dereference, address: 0000000000000008", "pvpanic" },
		{ "pc-1cpu", "bugon", "BOOT_LOOP", "bug", "kernel BUG at ", "pvpanic" },
		{ "pc-1cpu", "lockup", "BOOT_LOOP", "soft-lockup", "watchdog: BUG: soft lockup - CPU#0 stuck for", "pvpanic" },
		{ "no-pvpanic", "oob", "BOOT_LOOP", "bug", "BUG: unable to handle page fault for address:", "reboot" },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(want); i++) {
		const struct json *cell = cell_of(report, want[i].hardware, want[i].content);
		ck_assert_str_eq(json_get_string(cell, "verdict", ""), want[i].verdict);
		ck_assert_int_eq((int)json_get_number(cell, "boot_index", 0), 1);
		const struct json *crashes = json_get(cell, "crashes");
		ck_assert_uint_ge(crashes->n, 2);
		for (size_t k = 0; k < crashes->n; k++) {
			const struct json *x = crashes->items[k];
			ck_assert_str_eq(json_get_string(x, "kind", ""), want[i].kind);
			ck_assert_msg(strstartswith(json_get_string(x, "title", ""), want[i].title), "%s: title '%s'", want[i].content,
				      json_get_string(x, "title", ""));
			ck_assert_str_eq(json_get_string(x, "source", ""), want[i].source);
			ck_assert_str_eq(json_get_string(x, "module", ""), "compatlab_sensor");
			ck_assert_str_eq(json_get_string(x, "function", ""), "content_load");
			ck_assert(json_get_number(x, "event_to_record_ms", 1e9) < 2000);
		}
		/* the screen at the crash, kept with the cell */
		_cleanup_free_ char *png = xasprintf("%s/runs/%lld/linux-test_%s_demo-sensor_%s/attempt-1/screenshot-boot1.png", state,
						     id, want[i].hardware, want[i].content);
		ck_assert_msg(is_png(png), "no screenshot %s", png);
	}
	/* a guest that freezes after it booted: the agent's heartbeat is lost */
	const struct json *freeze = cell_of(report, "pc-1cpu", "freeze");
	ck_assert_str_eq(json_get_string(freeze, "verdict", ""), "HANG");
	ck_assert_int_eq((int)json_get_number(freeze, "boot_index", 0), 1);
	ck_assert_msg(strstr(json_get_string(freeze, "evidence", ""), "heartbeat lost on boot 1"), "%s",
		      json_get_string(freeze, "evidence", ""));
	/* four crash kinds, four groups; the same bug on two boots of a cell is one group */
	const struct json *groups = json_get(report, "groups");
	ck_assert_uint_eq(groups->n, 4);
	for (size_t g = 0; g < groups->n; g++)
		ck_assert_int_eq((int)json_get_number(groups->items[g], "crashes", 0), 2);
	json_free(report);

	/* a live content push: oob crashes the running sensor on the push; good does not */
	report = run_matrix("push.yaml", 1);
	const struct json *oob = cell_of(report, "pc-1cpu", "oob");
	ck_assert_str_eq(json_get_string(oob, "verdict", ""), "CRASH");
	ck_assert_int_eq((int)json_get_number(oob, "boot_index", 0), 0);
	ck_assert_ptr_nonnull(strstr(json_get_string(oob, "reason", ""), "live push"));
	ck_assert_uint_eq(json_get(oob, "crashes")->n, 1);
	ck_assert_int_eq((int)json_get_number(json_get(oob, "crashes")->items[0], "boot", -1), 0);
	ck_assert_str_eq(json_get_string(cell_of(report, "pc-1cpu", "good"), "verdict", ""), "PASS");
	json_free(report);
}
END_TEST

/* Reports the kernel survives: content "warn" makes the sensor WARN_ON at every load, "hung"
 * leaves its scan worker blocked until the hung-task detector reports it. The guest runs on; the
 * cell is KERNEL_WARNING with the report as evidence and in its records, on both profiles; the
 * clean boot's own reports never count ("good" passes); a gate that blocks on KERNEL_WARNING
 * keeps them out. */
START_TEST(test_kernel_reports)
{
	struct json *report = run_matrix("kernel-reports.yaml", 1);
	static const struct {
		const char *content, *kind, *title, *function;
	} want[] = {
		{ "warn", "warning", "WARNING: CPU: ", "content_load" },
		{ "hung", "hung-task", "INFO: task compatlab_scan:", "scan_fn" },
	};
	static const char *const profiles[] = { "pc-1cpu", "q35-2cpu" };
	for (size_t p = 0; p < ARRAY_LENGTH(profiles); p++) {
		const struct json *good = cell_of(report, profiles[p], "good");
		ck_assert_msg(streq(json_get_string(good, "verdict", ""), "PASS"), "%s/good: %s: %s", profiles[p],
			      json_get_string(good, "verdict", ""), json_get_string(good, "reason", ""));
		const struct json *reports = json_get(good, "reports");
		for (size_t k = 0; k < reports->n; k++) /* the image's own, if any: made on boot 0 too */
			ck_assert(json_get_bool(reports->items[k], "known", false));
		for (size_t i = 0; i < ARRAY_LENGTH(want); i++) {
			const struct json *cell = cell_of(report, profiles[p], want[i].content);
			const char *evidence = json_get_string(cell, "evidence", "");
			ck_assert_msg(streq(json_get_string(cell, "verdict", ""), "KERNEL_WARNING"), "%s/%s: %s: %s", profiles[p],
				      want[i].content, json_get_string(cell, "verdict", ""), json_get_string(cell, "reason", ""));
			ck_assert_int_eq((int)json_get_number(cell, "boot_index", 0), 1);
			ck_assert_uint_eq(boots_with(cell, "ok", true), 2); /* every boot reached the agent */
			ck_assert_uint_eq(json_get(cell, "crashes")->n, 0);
			ck_assert_msg(strstartswith(evidence, "console on boot 1: ") && strstr(evidence, want[i].title) &&
				      strstr(evidence, want[i].function) && strstr(evidence, "[compatlab_sensor]"),
				      "%s/%s: evidence '%s'", profiles[p], want[i].content, evidence);
			/* a record on each boot after install, named as the kernel named it */
			reports = json_get(cell, "reports");
			bool on_boot[3] = { false };
			for (size_t k = 0; k < reports->n; k++) {
				const struct json *x = reports->items[k];
				if (json_get_bool(x, "known", true))
					continue;
				const char *title = json_get_string(x, "title", "");
				ck_assert_msg(strstartswith(title, want[i].title), "%s/%s: title '%s'", profiles[p], want[i].content, title);
				ck_assert_str_eq(json_get_string(x, "kind", ""), want[i].kind);
				ck_assert_str_eq(json_get_string(x, "function", ""), want[i].function);
				ck_assert_str_eq(json_get_string(x, "module", ""), "compatlab_sensor");
				ck_assert(!json_get_bool(x, "fatal", true));
				ck_assert_int_gt((int)json_get_number(x, "line", 0), 0);
				int boot = (int)json_get_number(x, "boot", -1);
				ck_assert_msg(boot >= 1 && boot <= 2, "%s/%s: a report on boot %d", profiles[p], want[i].content, boot);
				on_boot[boot] = true;
			}
			ck_assert_msg(on_boot[1] && on_boot[2], "%s/%s: reports on boot 1 %d, boot 2 %d", profiles[p],
				      want[i].content, on_boot[1], on_boot[2]);
		}
	}
	/* one group per bug across both profiles; no crash groups */
	ck_assert_uint_eq(json_get(report, "groups")->n, 0);
	const struct json *groups = json_get(report, "report_groups");
	ck_assert_uint_eq(groups->n, 2);
	for (size_t g = 0; g < groups->n; g++)
		ck_assert_int_eq((int)json_get_number(groups->items[g], "cells", 0), 2);
	json_free(report);

	/* the cell page shows the report with its console excerpt */
	_cleanup_free_ char *dir = xasprintf("%s/report-kr", state);
	_cleanup_free_ char *html = html_report(dir);
	const char *td = strstr(html, "data-key=\"linux-test/pc-1cpu/demo-sensor/warn\" data-verdict=\"KERNEL_WARNING\"><a href=\"");
	ck_assert_ptr_nonnull(td);
	td = strstr(td, "href=\"") + 6;
	_cleanup_free_ char *page = xasprintf("%s/%.*s", dir, (int)strcspn(td, "\""), td), *cell_html = NULL;
	ck_assert_int_eq(read_file(page, 8 << 20, &cell_html, NULL), 0);
	ck_assert_ptr_nonnull(strstr(cell_html, "<h2>Kernel report on boot 1</h2>"));
	ck_assert_ptr_nonnull(strstr(cell_html, "------------[ cut here ]------------"));
	ck_assert_ptr_nonnull(strstr(html, "Kernel reports after install (2)"));

	/* the JUnit validates; the gate keeps the warning versions out of the ring that blocks on it */
	assert_junit_valid("junit-kr.xml");
	_cleanup_free_ char *policy = xasprintf("%s/kernel-policy.yaml", state);
	static const char policy_text[] = "name: kernel-reports\nrings:\n"
					  "  - name: canary\n    block_on: [CRASH, BOOT_LOOP, HANG]\n"
					  "  - name: early\n    block_on: [CRASH, BOOT_LOOP, HANG, KERNEL_WARNING]\n";
	ck_assert_int_eq(write_file(policy, policy_text, strlen(policy_text), 0644), 0);
	static const struct { const char *content; int exit; const char *expect; } cases[] = {
		{ "good", 0, "PASS demo-sensor + good: may reach early" },
		{ "warn", 1, "early: 2 KERNEL_WARNING cells" },
		{ "hung", 1, "early: 2 KERNEL_WARNING cells" },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		_cleanup_free_ char *out = NULL;
		char *args[] = { "gate", "--policy", policy, "--content", (char *)cases[i].content, "--target", "early", NULL };
		int rc = compatlab(&out, args);
		ck_assert_msg(rc == cases[i].exit, "gate %s exited %d:\n%s", cases[i].content, rc, out);
		ck_assert_msg(strstr(out, cases[i].expect), "gate %s said:\n%s", cases[i].content, out);
	}
}
END_TEST

/* The first metric called `name` of a cell of the JSON report, or NULL. */
static const struct json *metric_of(const struct json *cell, const char *name)
{
	const struct json *m = json_get(cell, "metrics");
	for (size_t i = 0; m && i < m->n; i++)
		if (streq(json_get_string(m->items[i], "name", ""), name))
			return m->items[i];
	return NULL;
}

/* The cell recorded every one of the metrics. */
static void assert_metrics(const struct json *cell, const char *label, const char *const names[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(metric_of(cell, names[i]), "%s lacks metric %s", label, names[i]);
}

/* Host load made by the test itself: a CPU hog on every core and a disk writer (stress-ng), in a
 * session of its own. */
static pid_t load_start(void)
{
	_cleanup_free_ char *cpus = xasprintf("%ld", sysconf(_SC_NPROCESSORS_ONLN));
	_cleanup_free_ char *dir = xasprintf("%s/load", state);
	mkdir(dir, 0700);
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execlp("stress-ng", "stress-ng", "--cpu", cpus, "--hdd", "1", "--hdd-bytes", "64M", "--temp-path", dir,
		       "--timeout", "900", "--quiet", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

static void load_stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(-*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

enum load_when { LOAD_AFTER_INSTALL, LOAD_BEFORE_INSTALL };

/* Runs matrices/perf.yaml with the host loaded during one phase of each cell only: compatlab's
 * log says when a phase begins ("workload before install:", "workload after install:",
 * "workload second round:") and when it ends (the install, the verdict). Returns the report. */
static struct json *run_perf_under_load(enum load_when when)
{
	_cleanup_free_ char *matrix = xasprintf("%s/matrices/perf.yaml", TEST_SOURCE_DIR);
	char *args[] = { "run", matrix, NULL };
	pid_t pid = spawn(NULL, args), load = 0;
	_cleanup_free_ char *log = xasprintf("%s/compatlab-%d-%d.log", state, (int)getpid(), log_seq);
	struct strbuf pending;
	strbuf_init(&pending);
	off_t offset = 0;
	int status = 0;
	for (bool done = false; !done;) {
		done = waitpid(pid, &status, WNOHANG) == pid;
		int fd = open(log, O_RDONLY);
		char buf[8192];
		ssize_t n;
		while (fd >= 0 && (n = pread(fd, buf, sizeof(buf), offset)) > 0) {
			offset += n;
			strbuf_add(&pending, buf, (size_t)n);
		}
		if (fd >= 0)
			close(fd);
		char *line = pending.buf, *nl;
		while (pending.len && (nl = memchr(line, '\n', pending.len - (size_t)(line - pending.buf)))) {
			*nl = '\0';
			bool before = strstr(line, ": workload before install:"), after = strstr(line, ": workload after install:");
			bool ends_phase = strstr(line, ": installed sensor ") || strstr(line, ": PASS:") ||
					  strstr(line, ": PERF_REGRESSION:") || strstr(line, ": INFRA_ERROR:");
			if ((when == LOAD_AFTER_INSTALL && after) || (when == LOAD_BEFORE_INSTALL && before)) {
				if (!load)
					load = load_start();
			} else if (ends_phase || before || after) {
				load_stop(&load);
			}
			line = nl + 1;
		}
		size_t rest = pending.len - (size_t)(line - pending.buf);
		memmove(pending.buf, line, rest);
		pending.len = rest;
		if (!done)
			usleep(100 * 1000);
	}
	load_stop(&load);
	strbuf_release(&pending);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "compatlab run perf.yaml under load exited %d; see %s",
		      WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
	return report_json(0);
}

/* The verdicts hold on a busy host: the test loads every core and the disk during one phase of
 * each cell only, the worst case for a before/after comparison (each cell's control VM shares
 * the load). "good" (hooks nothing) must
 * never be a PERF_REGRESSION (PASS, its performance judged or inconclusive); "slow" always is. */
START_TEST(test_performance_under_host_load)
{
	static const char *const when_name[] = { "after install", "before install" };
	enum load_when when = (enum load_when)_i;
	enum { ROUNDS = 5 };
	unsigned good_pass = 0, good_inconclusive = 0, slow_regression = 0;
	for (int round = 0; round < ROUNDS; round++) {
		struct json *report = run_perf_under_load(when);
		const struct json *good = cell_of(report, "pc-1cpu", "good");
		const struct json *slow = cell_of(report, "pc-1cpu", "slow");
		const char *good_perf = json_get_string(good, "perf", "");
		ck_assert_msg(streq(json_get_string(good, "verdict", ""), "PASS"), "load %s, round %d: good is %s: %s",
			      when_name[when], round, json_get_string(good, "verdict", ""), json_get_string(good, "reason", ""));
		ck_assert_msg(streq(good_perf, "pass") || streq(good_perf, "inconclusive"), "good's perf is '%s'", good_perf);
		good_pass += streq(good_perf, "pass");
		good_inconclusive += streq(good_perf, "inconclusive");
		ck_assert_msg(streq(json_get_string(slow, "verdict", ""), "PERF_REGRESSION"), "load %s, round %d: slow is %s: %s",
			      when_name[when], round, json_get_string(slow, "verdict", ""), json_get_string(slow, "reason", ""));
		ck_assert_str_eq(json_get_string(slow, "perf", ""), "regression");
		ck_assert_msg(strstr(json_get_string(slow, "reason", ""), "slower after install, confirmed by a second round"),
			      "%s", json_get_string(slow, "reason", ""));
		slow_regression++;
		if (round == 0) {
			static const char *const metrics[] = {
				"proc_rate.before", "proc_rate", "file_rate.before", "file_rate", "proc_rate.paired",
				"file_rate.paired.before", "proc_rate.control", "file_rate.control.before", "pair_asymmetry",
				"host_speed", "calib_drift.before", "host_cpu_pressure",
				"proc_rate.slowdown", "file_rate.slowdown", "file_rate.slowdown.low", "file_rate.host_speed",
				"boot_to_agent", "guest_boot", "install_sensor", "guest_mem_used.before", "guest_mem_used",
				"guest_cpu_busy.before", "guest_cpu_busy", "sensor_modules", "perf_threshold" };
			assert_metrics(good, "good", metrics, ARRAY_LENGTH(metrics));
			assert_metrics(slow, "slow", metrics, ARRAY_LENGTH(metrics));
			static const char *const confirmed[] = { "file_rate.confirm", "file_rate.confirm.slowdown",
								 "file_rate.confirm.slowdown.low" };
			assert_metrics(slow, "slow", confirmed, ARRAY_LENGTH(confirmed));
			/* the sensor's own memory: its module, loaded after install and not at boot 0 */
			const struct json *sized = metric_of(good, "sensor_modules");
			ck_assert_msg(json_get_number(sized, "value", 0) > 4 &&
					      strstr(json_get_string(sized, "method", ""), "compatlab_sensor ("),
				      "no size for the sensor's module");
			/* the load was there: the host's pressure during the loaded phase */
			const char *loaded = when == LOAD_AFTER_INSTALL ? "host_cpu_pressure" : "host_cpu_pressure.before";
			ck_assert_msg(json_get_number(metric_of(slow, loaded), "value", 0) > 20, "%s: %g", loaded,
				      json_get_number(metric_of(slow, loaded), "value", 0));
		}
		json_free(report);
	}
	printf("perf under host load %s: %d rounds: good PASS %u (judged %u, inconclusive %u), PERF_REGRESSION 0; "
	       "slow PERF_REGRESSION %u\n", when_name[when], ROUNDS, good_pass + good_inconclusive, good_pass,
	       good_inconclusive, slow_regression);
	if (when == LOAD_BEFORE_INSTALL) {
		/* the report shows each workload with its pairs, the host's speed and a chart */
		_cleanup_free_ char *dir = xasprintf("%s/perf-report", state);
		char *args[] = { "report", "-o", dir, NULL };
		ck_assert_int_eq(compatlab(NULL, args), 0);
		_cleanup_free_ char *index = xasprintf("%s/index.html", dir), *html = NULL;
		ck_assert_int_eq(read_file(index, 8 << 20, &html, NULL), 0);
		ck_assert_ptr_nonnull(strstr(html, "<svg class=\"perf-chart\""));
	}
}
END_TEST

/* Against a pinned baseline: sensor 0.9.0 with "good" content, then 1.0.0 installed over it. */
START_TEST(test_performance_against_pinned_baseline)
{
	struct json *report = run_matrix("perf-upgrade.yaml", 1);
	const struct json *good = cell_of(report, "pc-1cpu", "good");
	const struct json *slow = cell_of(report, "pc-1cpu", "slow");
	ck_assert_msg(streq(json_get_string(good, "verdict", ""), "PASS"), "good is %s: %s",
		      json_get_string(good, "verdict", ""), json_get_string(good, "reason", ""));
	ck_assert_str_eq(json_get_string(slow, "verdict", ""), "PERF_REGRESSION");
	ck_assert_msg(strstr(json_get_string(slow, "reason", ""), "slower than the baseline"), "%s",
		      json_get_string(slow, "reason", ""));
	/* the baseline was installed and booted into: its install and boot were measured, and the
	 * workload before install ran under it */
	static const char *const metrics[] = { "install_sensor.baseline", "install_content.baseline",
					       "boot_to_agent.baseline", "proc_rate.before", "file_rate.slowdown" };
	assert_metrics(good, "good", metrics, ARRAY_LENGTH(metrics));
	assert_metrics(slow, "slow", metrics, ARRAY_LENGTH(metrics));
	ck_assert_msg(strstr(json_get_string(metric_of(slow, "file_rate.before"), "method", ""), "baseline: demo-sensor 0.9.0"),
		      "the workload before install does not name the baseline");
	/* boots: 0 clean, 0 into the baseline, then the two after install */
	const struct json *boots = json_get(good, "boots");
	ck_assert_uint_eq(boots->n, 4);
	ck_assert_int_eq((int)json_get_number(boots->items[1], "boot", -1), 0);
	ck_assert_msg(strstartswith(json_get_string(boots->items[1], "detail", ""), "baseline: demo-sensor 0.9.0"), "%s",
		      json_get_string(boots->items[1], "detail", ""));
	/* the upgrade replaced 0.9.0: the sensor is healthy after the reboots */
	for (size_t b = 0; b < boots->n; b++)
		ck_assert_str_eq(json_get_string(boots->items[b], "outcome", ""), "ok");
	json_free(report);
}
END_TEST

/* UEFI, and UEFI with Secure Boot: the unsigned sensor is refused by the locked-down kernel. */
START_TEST(test_firmware_profiles)
{
	struct json *report = run_matrix("firmware.yaml", 1);
	ck_assert_uint_eq(json_get(report, "cells")->n, 3);
	ck_assert_str_eq(json_get_string(cell_of(report, "q35-uefi", "good"), "verdict", ""), "PASS");
	const struct json *oob = cell_of(report, "q35-uefi", "oob");
	ck_assert_str_eq(json_get_string(oob, "verdict", ""), "BOOT_LOOP");
	ck_assert_int_eq((int)json_get_number(oob, "boot_index", 0), 1);
	const struct json *sb = cell_of(report, "q35-secureboot", "good");
	ck_assert_str_eq(json_get_string(sb, "verdict", ""), "INSTALL_FAILED");
	ck_assert_msg(strstr(json_get_string(sb, "evidence", ""), "Key was rejected by service"), "%s",
		      json_get_string(sb, "evidence", ""));
	json_free(report);
}
END_TEST

static int count_domains(virConnectPtr conn, const char *prefix)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE), count = 0;
	for (int i = 0; i < n; i++) {
		if (strstartswith(virDomainGetName(doms[i]), prefix))
			count++;
		virDomainFree(doms[i]);
	}
	free(doms);
	return count;
}

START_TEST(test_killed_run_is_cleaned_up_and_resumed)
{
	_cleanup_free_ char *matrix = xasprintf("%s/kill.yaml", state);
	static const char text[] =
		"name: kill\nimages: [linux-test]\nhardware:\n  - name: a\n  - name: b\n    machine: q35\n"
		"sensors: [{name: demo-sensor, package: demo-sensor-1.0.0.tar.gz}]\n"
		"contents: [{name: good, package: demo-content-good.tar.gz}]\n"
		"plan: {boots: 2, agent_deadline: 60s, concurrency: 2, settle: 1s}\n";
	ck_assert_int_eq(write_file(matrix, text, strlen(text), 0644), 0);

	char *run[] = { "run", matrix, NULL };
	pid_t pid = spawn(NULL, run);

	/* wait until both cells have recorded their first boot, then kill -9 */
	long long run_id = 0;
	size_t booted = 0;
	for (int i = 0; i < 240 && booted < 2; i++) {
		sleep_ms(500);
		_cleanup_free_ char *out = NULL;
		char *args[] = { "report", "--format", "json", NULL };
		if (compatlab(&out, args) != 0)
			continue;
		struct json *j = json_parse(out, strlen(out), NULL);
		if (!j)
			continue;
		run_id = (long long)json_get_number(json_get(j, "run"), "id", 0);
		const struct json *cells = json_get(j, "cells");
		booted = 0;
		for (size_t c = 0; cells && c < cells->n; c++)
			booted += json_get(cells->items[c], "boots")->n > 0;
		json_free(j);
	}
	ck_assert_msg(booted == 2, "the cells never booted; see %s/compatlab-1.log", state);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	virConnectPtr conn = virConnectOpen("qemu:///system");
	ck_assert_ptr_nonnull(conn);
	_cleanup_free_ char *prefix = xasprintf("compatlab-r%lld-", run_id);
	ck_assert_int_eq(count_domains(conn, prefix), 2); /* the dead run's VMs are still running */

	char *cleanup[] = { "cleanup", NULL };
	ck_assert_int_eq(compatlab(NULL, cleanup), 0);
	ck_assert_int_eq(count_domains(conn, prefix), 0);
	_cleanup_free_ char *overlays = xasprintf("ls %s/runs/%lld/*/attempt-*/disk.qcow2 2>/dev/null | grep -q .", state, run_id);
	ck_assert_int_ne(system(overlays), 0);

	/* what was written before the kill is intact, and the run is marked interrupted */
	struct json *report = report_json(run_id);
	ck_assert_str_eq(json_get_string(json_get(report, "run"), "status", ""), "interrupted");
	const struct json *cells = json_get(report, "cells");
	ck_assert_uint_eq(cells->n, 2);
	for (size_t c = 0; c < cells->n; c++)
		ck_assert_uint_ge(json_get(cells->items[c], "boots")->n, 1);
	json_free(report);

	/* resume: the unfinished cells run again and pass */
	_cleanup_free_ char *id = xasprintf("%lld", run_id);
	char *resume[] = { "run", "--resume", id, matrix, NULL };
	ck_assert_int_eq(compatlab(NULL, resume), 0);
	report = report_json(run_id);
	ck_assert_str_eq(json_get_string(json_get(report, "run"), "status", ""), "finished");
	cells = json_get(report, "cells");
	for (size_t c = 0; c < cells->n; c++) {
		ck_assert_str_eq(json_get_string(cells->items[c], "verdict", ""), "PASS");
		ck_assert_int_eq((int)json_get_number(cells->items[c], "attempts", 0), 2);
	}
	json_free(report);
	ck_assert_int_eq(count_domains(conn, prefix), 0);
	virConnectClose(conn);
}
END_TEST

/* The Debian images (images/build-debian-image): the prepared one in the catalog, the cloud one
 * (cloud-init, no agent, no keys) beside it for import. Both from one cache of Debian trees. */
static void build_debian_images(void)
{
	build_image();
	static const char *const variants[] = { "--agent", "--cloud" };
	for (size_t i = 0; i < ARRAY_LENGTH(variants); i++) {
		_cleanup_free_ char *cmd = xasprintf("%s/images/build-debian-image %s %s --out %s/%s --cache %s/debian >> "
						     "%s/debian-image.log 2>&1",
						     TEST_SOURCE_DIR, variants[i], i == 0 ? getenv("COMPATLAB_AGENT") : "",
						     state, i == 0 ? "images" : "cloud", getenv("COMPATLAB_IMAGE_CACHE"), state);
		if (system(cmd) != 0) {
			_cleanup_free_ char *path = xasprintf("%s/debian-image.log", state), *log = NULL;
			read_file_tail(path, 8192, &log, NULL);
			ck_abort_msg("build-debian-image %s failed:\n%s", variants[i], log ? log : "");
		}
	}
}

static struct image *catalog_entry(const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/images", state);
	struct conf_error err = { 0 };
	struct image *img = catalog_load(dir, name, &err);
	ck_assert_msg(img, "%s", err.reason ? err.reason : "?");
	return img;
}

/* image check NAME: the agent answered, and the guest said it runs Debian 12. */
static void assert_image_checks(const char *name)
{
	_cleanup_free_ char *out = NULL;
	char *args[] = { "image", "check", (char *)name, NULL };
	int rc = compatlab(&out, args);
	ck_assert_msg(rc == 0, "image check %s exited %d: %s (log %s/compatlab-%d-%d.log)", name, rc, out, state,
		      (int)getpid(), log_seq);
	ck_assert_msg(strstr(out, "agent answered") && strstr(out, "os: Debian GNU/Linux 12 (bookworm)"), "%s", out);
	ck_assert_msg(strstr(out, "kernel: 6."), "%s", out);
}

/* A real distribution's disk, imported from the formats customers bring (qcow2 as built, raw and
 * VHDX converted here), boots from its own root filesystem and answers: image check. */
START_TEST(test_image_import_formats)
{
	struct image *deb = catalog_entry("debian-12");
	static const struct {
		const char *name, *format, *bus;
	} imports[] = { { "deb-qcow2", NULL, NULL }, { "deb-raw", "raw", NULL }, { "deb-vhdx", "vhdx", "sata" } };
	for (size_t i = 0; i < ARRAY_LENGTH(imports); i++) {
		_cleanup_free_ char *file = NULL;
		if (imports[i].format) {
			file = xasprintf("%s/source.%s", state, imports[i].format);
			_cleanup_free_ char *cmd = xasprintf("qemu-img convert -O %s %s %s", imports[i].format, deb->disk, file);
			ck_assert_int_eq(system(cmd), 0);
		} else {
			file = xstrdup(deb->disk);
		}
		char *args[] = { "image", "import", (char *)imports[i].name, file, "--kernel", deb->kernel, "--initrd",
				 deb->initrd, "--cmdline", deb->cmdline, "--key", deb->agent_key, "--host-key",
				 deb->agent_host_key, "--build", "Debian 12 (imported)",
				 imports[i].bus ? "--disk-bus" : NULL, (char *)imports[i].bus, NULL };
		_cleanup_free_ char *out = NULL;
		ck_assert_int_eq(compatlab(&out, args), 0);
		ck_assert_msg(strstr(out, "sha256 "), "%s", out);
		if (imports[i].format)
			unlink(file);
		assert_image_checks(imports[i].name);
	}
	image_free(deb);

	_cleanup_free_ char *list = NULL;
	char *args[] = { "image", "list", NULL };
	ck_assert_int_eq(compatlab(&list, args), 0);
	ck_assert_msg(strstr(list, "deb-vhdx") && strstr(list, "kernel bios sata") && strstr(list, "linux-test"), "%s", list);
}
END_TEST

/* An unmodified cloud image: no agent, no key in it. The seed brings both at the first boot. */
START_TEST(test_cloud_image)
{
	_cleanup_free_ char *dir = xasprintf("%s/cloud/debian-12-cloud", state);
	_cleanup_free_ char *disk = path_join(dir, "disk.qcow2"), *kernel = path_join(dir, "vmlinuz");
	_cleanup_free_ char *initrd = path_join(dir, "initrd.img");
	struct image *deb = catalog_entry("debian-12");
	char *args[] = { "image", "import", "deb-cloud", disk, "--kernel", kernel, "--initrd", initrd, "--cmdline",
			 deb->cmdline, "--cloud-init", "--agent", getenv("COMPATLAB_AGENT"), "--build", "Debian 12 cloud", NULL };
	_cleanup_free_ char *out = NULL;
	ck_assert_int_eq(compatlab(&out, args), 0);
	ck_assert_msg(strstr(out, "cloud-init seed "), "%s", out);
	image_free(deb);
	assert_image_checks("deb-cloud");
}
END_TEST

/* The demo matrix on the Debian image: the same verdicts as on the test guest, with systemd
 * loading the sensor at boot; the report names the OS each row ran. */
START_TEST(test_demo_matrix_on_debian)
{
	struct json *report = run_matrix("demo-debian.yaml", 1);
	static const char *const profiles[] = { "pc-1cpu", "q35-2cpu" };
	for (size_t p = 0; p < ARRAY_LENGTH(profiles); p++) {
		const struct json *good = cell_of(report, profiles[p], "good");
		ck_assert_msg(streq(json_get_string(good, "verdict", ""), "PASS"), "%s/good: %s: %s", profiles[p],
			      json_get_string(good, "verdict", ""), json_get_string(good, "reason", ""));
		ck_assert_str_eq(json_get_string(good, "os", ""), "Debian GNU/Linux 12 (bookworm)");
		ck_assert(strstartswith(json_get_string(good, "kernel", ""), "6."));
		ck_assert_uint_eq(boots_with(good, "ok", true), 2);

		const struct json *oob = cell_of(report, profiles[p], "oob");
		ck_assert_msg(streq(json_get_string(oob, "verdict", ""), "BOOT_LOOP"), "%s/oob: %s: %s", profiles[p],
			      json_get_string(oob, "verdict", ""), json_get_string(oob, "reason", ""));
		const struct json *crashes = json_get(oob, "crashes");
		ck_assert_uint_ge(crashes->n, 2);
		for (size_t i = 0; i < crashes->n; i++) {
			ck_assert_str_eq(json_get_string(crashes->items[i], "module", ""), "compatlab_sensor");
			ck_assert(strstartswith(json_get_string(crashes->items[i], "title", ""), "BUG: unable to handle page fault"));
		}

		const struct json *hang = cell_of(report, profiles[p], "hang");
		ck_assert_msg(streq(json_get_string(hang, "verdict", ""), "HANG"), "%s/hang: %s: %s", profiles[p],
			      json_get_string(hang, "verdict", ""), json_get_string(hang, "reason", ""));
	}
	json_free(report);
	_cleanup_free_ char *html = html_report(NULL);
	assert_junit_valid("junit-debian.xml");
	ck_assert_ptr_nonnull(strstr(html, "<div class=\"row-os\">Debian GNU/Linux 12 (bookworm) · 6."));
}
END_TEST

static Suite *vm_suite(void)
{
	Suite *s = suite_create("vm");
	TCase *tc = tcase_create("vm");
	tcase_set_timeout(tc, 1200);
	tcase_add_unchecked_fixture(tc, build_image, remove_state);
	tcase_add_test(tc, test_demo_matrix_verdicts);
	tcase_add_test(tc, test_gate_on_demo_run);
	tcase_add_test(tc, test_report_in_browser);
	tcase_add_test(tc, test_crash_forensics);
	tcase_add_test(tc, test_firmware_profiles);
	tcase_add_test(tc, test_killed_run_is_cleaned_up_and_resumed);
	suite_add_tcase(s, tc);
	/* performance on its own (CK_RUN_CASE=perf): five rounds under each kind of load */
	TCase *perf = tcase_create("perf");
	tcase_set_timeout(perf, 2400);
	tcase_add_unchecked_fixture(perf, build_image, remove_state);
	tcase_add_loop_test(perf, test_performance_under_host_load, LOAD_AFTER_INSTALL, LOAD_BEFORE_INSTALL + 1);
	tcase_add_test(perf, test_performance_against_pinned_baseline);
	suite_add_tcase(s, perf);
	/* reports the kernel survives (CK_RUN_CASE=kernel-reports): KERNEL_WARNING */
	TCase *kr = tcase_create("kernel-reports");
	tcase_set_timeout(kr, 1500);
	tcase_add_unchecked_fixture(kr, build_image, remove_state);
	tcase_add_test(kr, test_kernel_reports);
	suite_add_tcase(s, kr);
	/* a real distribution and imported images (CK_RUN_CASE=images) */
	TCase *images = tcase_create("images");
	tcase_set_timeout(images, 2400);
	tcase_add_unchecked_fixture(images, build_debian_images, remove_state);
	tcase_add_test(images, test_image_import_formats);
	tcase_add_test(images, test_cloud_image);
	tcase_add_test(images, test_demo_matrix_on_debian);
	suite_add_tcase(s, images);
	return s;
}

TEST_MAIN(vm_suite)
