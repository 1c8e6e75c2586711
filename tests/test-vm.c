/* test-vm.c: the lab on real VMs (libvirt + QEMU, TCG where KVM does not work). Builds the test
 * guest, runs the demo matrix and checks every verdict; kills compatlab mid-run and checks that
 * the next start removes its VMs while the records already written stay, then resumes the run. */
#include <libvirt/libvirt.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	_cleanup_free_ char *log = xasprintf("%s/compatlab-%d.log", state, ++log_seq);
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

START_TEST(test_demo_matrix_verdicts)
{
	_cleanup_free_ char *matrix = xasprintf("%s/matrices/demo.yaml", TEST_SOURCE_DIR);
	char *run[] = { "run", matrix, NULL };
	int rc = compatlab(NULL, run);
	ck_assert_msg(rc == 1, "compatlab run exited %d, want 1 (product failures found); see %s/compatlab-%d.log", rc,
		      state, log_seq);

	struct json *report = report_json(0);
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

	/* the HTML report: the grid names every verdict, and no VM is left */
	_cleanup_free_ char *out = NULL;
	char *html_args[] = { "report", NULL };
	ck_assert_int_eq(compatlab(&out, html_args), 0);
	*strchr(out, '\n') = '\0';
	_cleanup_free_ char *html = NULL;
	ck_assert_int_eq(read_file(out, 8 << 20, &html, NULL), 0);
	ck_assert_ptr_nonnull(strstr(html, "data-key=\"linux-test/q35-2cpu/demo-sensor/oob\" data-verdict=\"BOOT_LOOP\""));
	ck_assert_ptr_nonnull(strstr(html, "data-key=\"linux-test/pc-1cpu/demo-sensor/hang\" data-verdict=\"HANG\""));
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));
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

static Suite *vm_suite(void)
{
	Suite *s = suite_create("vm");
	TCase *tc = tcase_create("vm");
	tcase_set_timeout(tc, 900);
	tcase_add_unchecked_fixture(tc, build_image, remove_state);
	tcase_add_test(tc, test_demo_matrix_verdicts);
	tcase_add_test(tc, test_killed_run_is_cleaned_up_and_resumed);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(vm_suite)
