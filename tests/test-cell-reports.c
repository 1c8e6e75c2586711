/* test-cell-reports.c: the kernel reports of a cell's boots, without a VM: a console written
 * boot by boot as the guest would, scanned as the state machine scans it; what the clean boot 0
 * reported never counts, a new report after install makes KERNEL_WARNING (or is only recorded),
 * and crashes stay the crash path's. */
#include <string.h>
#include <unistd.h>

#include "cell-internal.h"
#include "test-common.h"

/* A WARNING of the image's own (core kernel, no module), and one from the sensor's module. */
static const char image_warning[] =
	"[    1.204511] ------------[ cut here ]------------\n"
	"[    1.204533] WARNING: CPU: 0 PID: 1 at drivers/base/core.c:3465 device_add+0x5c1/0x6f0\n"
	"[    1.204801] Modules linked in:\n"
	"[    1.204870] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-57-amd64 #1  Debian 6.1.192-3\n"
	"[    1.205012] RIP: 0010:device_add+0x5c1/0x6f0\n"
	"[    1.205512] Call Trace:\n"
	"[    1.205520]  <TASK>\n"
	"[    1.205530]  ? __warn+0x7d/0xc0\n"
	"[    1.205541]  device_add+0x5c1/0x6f0\n"
	"[    1.205552]  platform_device_add+0x10c/0x250\n"
	"[    1.205563]  kernel_init_freeable+0x1d1/0x2b0\n"
	"[    1.205574]  kernel_init+0x16/0x130\n"
	"[    1.205585]  ret_from_fork+0x22/0x30\n"
	"[    1.205596]  </TASK>\n"
	"[    1.205607] ---[ end trace 0000000000000000 ]---\n";

static const char sensor_warning[] =
	"[    4.310020] compatlab_sensor: content /var/lib/compatlab-sensor/content.cfg: 20 fields, template version 1\n"
	"[    4.310112] ------------[ cut here ]------------\n"
	"[    4.310140] WARNING: CPU: 0 PID: 201 at /build/demo-sensor/compatlab_sensor.c:309 content_load+0x2c5/0x3e0 [compatlab_sensor]\n"
	"[    4.310401] Modules linked in: compatlab_sensor(O+) ext4 crc16 mbcache jbd2 virtio_net virtio_blk\n"
	"[    4.310702] CPU: 0 PID: 201 Comm: insmod Tainted: G           O       6.1.0-57-amd64 #1  Debian 6.1.192-3\n"
	"[    4.310911] RIP: 0010:content_load+0x2c5/0x3e0 [compatlab_sensor]\n"
	"[    4.311512] Call Trace:\n"
	"[    4.311520]  <TASK>\n"
	"[    4.311530]  ? __warn+0x7d/0xc0\n"
	"[    4.311541]  ? content_load+0x2c5/0x3e0 [compatlab_sensor]\n"
	"[    4.311552]  ? report_bug+0xe2/0x150\n"
	"[    4.311563]  compatlab_sensor_init+0x4b/0x1000 [compatlab_sensor]\n"
	"[    4.311574]  do_one_initcall+0x41/0x200\n"
	"[    4.311585]  do_init_module+0x4c/0x240\n"
	"[    4.311596]  </TASK>\n"
	"[    4.311607] ---[ end trace 0000000000000000 ]---\n"
	"[    4.311700] compatlab_sensor: loaded, status ok\n";

static const char oops[] =
	"[    5.100000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
	"[    5.100100] #PF: supervisor read access in kernel mode\n"
	"[    5.100200] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
	"[    5.100300] RIP: 0010:content_load+0x1d0/0x3e0 [compatlab_sensor]\n"
	"[    5.100400] Kernel panic - not syncing: Fatal exception\n";

struct fixture {
	char *dir;
	struct store *store;
	struct matrix matrix;
	struct cell_env env;
	struct attempt a;
	volatile sig_atomic_t stop;
};

static void fixture_init(struct fixture *f, enum kernel_reports mode)
{
	memset(f, 0, sizeof(*f));
	f->dir = test_tmpdir();
	_cleanup_free_ char *db = xasprintf("%s/r.db", f->dir);
	char *msg = NULL;
	f->store = store_open(db, &msg);
	ck_assert_msg(f->store, "%s", msg ? msg : "?");
	struct store_run_info info = { "m", "m.yaml", "00", "host", 1, 1, 1 };
	f->matrix.plan.kernel_reports = mode;
	f->env = (struct cell_env){ .store = f->store, .matrix = &f->matrix, .stop = &f->stop };
	f->a.env = &f->env;
	f->a.key = "i/h/s/c";
	f->a.console = xasprintf("%s/console.log", f->dir);
	pthread_mutex_init(&f->a.lock, NULL);
	ck_assert_int_eq(store_run_begin(f->store, &info, &f->env.run_id), 0);
	ck_assert_int_eq(store_cell_ensure(f->store, f->env.run_id, "i/h/s/c", "i", "h", "s", "c", &f->a.cell_id), 0);
	ck_assert_int_eq(store_cell_begin(f->store, f->a.cell_id, &f->a.number), 0);
}

static void fixture_free(struct fixture *f)
{
	free(f->a.reason);
	free(f->a.evidence);
	reports_state_clear(&f->a.reports);
	pthread_mutex_destroy(&f->a.lock);
	free(f->a.console);
	store_close(f->store);
	remove_tree(f->dir);
	free(f->dir);
}

/* The guest writes to its console. */
static void console_write(struct fixture *f, const char *text)
{
	FILE *c = fopen(f->a.console, "a");
	ck_assert_ptr_nonnull(c);
	fputs(text, c);
	fclose(c);
}

/* The next boot begins, as cell.c's boot_begin does it: the last one's reports first. */
static void next_boot(struct fixture *f, unsigned boot)
{
	reports_scan(&f->a);
	struct stat st;
	f->a.boot = boot;
	f->a.crashed = false;
	f->a.console_offset = stat(f->a.console, &st) == 0 ? st.st_size : 0;
	f->a.reports.session++;
}

static struct result_run *read_back(struct fixture *f)
{
	struct result_run *run;
	ck_assert_int_eq(store_read_run(f->store, f->env.run_id, &run), 0);
	return run;
}

/* Boot 0 warns (the image's own), the install does not; boots 1 and 2 warn as the image does and
 * the sensor warns too: one new report per boot, KERNEL_WARNING on boot 1. */
START_TEST(test_new_report_after_install)
{
	struct fixture f;
	fixture_init(&f, KERNEL_REPORTS_FAIL);
	console_write(&f, "[    0.000000] Linux version 6.1.0-57-amd64\n");
	console_write(&f, image_warning);
	console_write(&f, "compatlab-guest: ready 3.1s\n");
	reports_install_begins(&f.a);
	console_write(&f, "[    9.000000] compatlab_sensor: loaded, status ok\n");
	for (unsigned boot = 1; boot <= 2; boot++) {
		next_boot(&f, boot);
		console_write(&f, "[    0.000000] Linux version 6.1.0-57-amd64\n");
		console_write(&f, image_warning);
		console_write(&f, sensor_warning);
		/* scanned again at every step: each report is recorded once a boot */
		reports_scan(&f.a);
		reports_scan(&f.a);
	}
	reports_scan(&f.a);
	ck_assert_uint_eq(f.a.reports.n_new, 2);
	f.a.n_outcomes = 2;
	reports_judge(&f.a);
	ck_assert_int_eq(f.a.verdict, VERDICT_KERNEL_WARNING);
	ck_assert_uint_eq(f.a.boot_index, 1);
	ck_assert_msg(strstr(f.a.reason, "the kernel reported on boot 1 after install what it had not before: warning in "
					 "content_load [compatlab_sensor] (2 new reports on 2 boots)"), "%s", f.a.reason);
	ck_assert_msg(strstr(f.a.evidence, "console on boot 1: WARNING: CPU: 0 PID: 201 at /build/demo-sensor/compatlab_sensor.c:309"),
		      "%s", f.a.evidence);

	struct result_run *run = read_back(&f);
	const struct result_cell *c = &run->cells[0];
	ck_assert_uint_eq(c->n_crashes, 0);
	ck_assert_uint_eq(c->n_reports, 5); /* the image's on boots 0, 1, 2; the sensor's on 1, 2 */
	unsigned known = 0, fresh = 0;
	for (size_t i = 0; i < c->n_reports; i++) {
		const struct result_crash *x = &c->reports[i];
		ck_assert(!x->fatal);
		ck_assert_str_eq(x->kind, "warning");
		ck_assert_str_eq(x->source, "console");
		if (x->known) {
			known++;
			ck_assert_str_eq(x->function, "device_add");
			ck_assert_ptr_null(x->module);
			ck_assert_uint_eq(x->line, 3);
		} else {
			fresh++;
			ck_assert_uint_ge(x->boot, 1);
			ck_assert_str_eq(x->function, "content_load");
			ck_assert_str_eq(x->module, "compatlab_sensor");
			ck_assert_uint_eq(x->line, 19);
			ck_assert_ptr_nonnull(strstr(x->console, "------------[ cut here ]------------"));
		}
	}
	ck_assert_uint_eq(known, 3);
	ck_assert_uint_eq(fresh, 2);
	result_run_free(run);
	fixture_free(&f);
}
END_TEST

/* The sensor warns while it is installed (boot 0, after the install began): that counts; with
 * plan.kernel_reports: record it is only recorded. */
START_TEST(test_report_during_install_recorded_only)
{
	struct fixture f;
	fixture_init(&f, KERNEL_REPORTS_RECORD);
	console_write(&f, "[    0.000000] Linux version 6.1.0-57-amd64\n");
	reports_install_begins(&f.a);
	console_write(&f, sensor_warning);
	next_boot(&f, 1);
	console_write(&f, "[    0.000000] Linux version 6.1.0-57-amd64\n");
	reports_scan(&f.a);
	ck_assert_uint_eq(f.a.reports.n_new, 1);
	ck_assert_uint_eq(f.a.reports.first_boot, 0);
	f.a.n_outcomes = 1;
	reports_judge(&f.a);
	ck_assert_int_eq(f.a.verdict, VERDICT_PASS);
	ck_assert_msg(strstr(f.a.reason, "not judged (plan.kernel_reports: record): 1 new report on 1 boot, the first warning "
					 "in content_load [compatlab_sensor]"), "%s", f.a.reason);
	fixture_free(&f);

	/* the same under "fail": KERNEL_WARNING at boot 0, during install */
	fixture_init(&f, KERNEL_REPORTS_FAIL);
	reports_install_begins(&f.a);
	console_write(&f, sensor_warning);
	reports_scan(&f.a);
	reports_judge(&f.a);
	ck_assert_int_eq(f.a.verdict, VERDICT_KERNEL_WARNING);
	ck_assert_uint_eq(f.a.boot_index, 0);
	ck_assert_ptr_nonnull(strstr(f.a.reason, "on boot 0 during install"));
	fixture_free(&f);
}
END_TEST

/* A verdict reached before stands (a crash, a regression); a PASS that only says the performance
 * was inconclusive yields and keeps its reason; a crash on the console is not a report. */
START_TEST(test_precedence_and_crashes)
{
	struct fixture f;
	fixture_init(&f, KERNEL_REPORTS_FAIL);
	reports_install_begins(&f.a);
	next_boot(&f, 1);
	console_write(&f, sensor_warning);
	console_write(&f, oops);
	f.a.crashed = true; /* the crash path recorded the oops */
	reports_scan(&f.a);
	cell_conclude(&f.a, VERDICT_PERF_REGRESSION, 1, xstrdup("slower"), NULL);
	reports_judge(&f.a);
	ck_assert_int_eq(f.a.verdict, VERDICT_PERF_REGRESSION);
	struct result_run *run = read_back(&f);
	ck_assert_uint_eq(run->cells[0].n_reports, 1); /* the warning; the oops is not the scan's */
	ck_assert_uint_eq(run->cells[0].n_crashes, 0);
	result_run_free(run);

	free(f.a.reason);
	f.a.reason = NULL;
	f.a.verdict = VERDICT_NONE;
	cell_conclude(&f.a, VERDICT_PASS, 0, xstrdup("2 boots after install, all healthy; performance inconclusive: busy"), NULL);
	reports_judge(&f.a);
	ck_assert_int_eq(f.a.verdict, VERDICT_KERNEL_WARNING);
	ck_assert_uint_eq(f.a.boot_index, 1);
	ck_assert_msg(strstr(f.a.reason, "; 2 boots after install, all healthy; performance inconclusive: busy"), "%s", f.a.reason);
	fixture_free(&f);
}
END_TEST

/* A plan with a baseline boots into it before the install: its reports are made before the
 * install too, and its boot is another session of boot 0. */
START_TEST(test_baseline_boot_counts_as_before)
{
	struct fixture f;
	fixture_init(&f, KERNEL_REPORTS_FAIL);
	next_boot(&f, 0); /* into the baseline */
	console_write(&f, sensor_warning);
	reports_install_begins(&f.a);
	next_boot(&f, 1);
	console_write(&f, sensor_warning);
	reports_scan(&f.a);
	ck_assert_uint_eq(f.a.reports.n_new, 0);
	reports_judge(&f.a);
	ck_assert_int_eq(f.a.verdict, VERDICT_NONE);
	fixture_free(&f);
}
END_TEST

static Suite *cell_reports_suite(void)
{
	Suite *s = suite_create("cell-reports");
	TCase *tc = tcase_create("cell-reports");
	tcase_add_test(tc, test_new_report_after_install);
	tcase_add_test(tc, test_report_during_install_recorded_only);
	tcase_add_test(tc, test_precedence_and_crashes);
	tcase_add_test(tc, test_baseline_boot_counts_as_before);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(cell_reports_suite)
