/* test-matrix.c: matrix parsing, validation errors with positions, expansion and sharding. */
#include <string.h>

#include "lab.h"
#include "matrix.h"
#include "test-common.h"

START_TEST(test_full_matrix)
{
	struct conf_error err = { 0 };
	_cleanup_free_ char *path = test_data("matrices/full.yaml");
	struct matrix *m = matrix_load(path, &err);
	ck_assert_msg(m, "%s", err.reason ? err.reason : "?");
	ck_assert_str_eq(m->name, "full");
	ck_assert_uint_eq(m->n_images, 3);
	ck_assert_uint_eq(m->n_hardware, 2);
	ck_assert_uint_eq(m->hardware[0].vcpus, 1);
	ck_assert_uint_eq(m->hardware[0].memory_mib, 256);
	ck_assert_str_eq(m->hardware[0].machine, "pc");
	ck_assert_uint_eq(m->hardware[1].vcpus, 4);
	ck_assert_uint_eq(m->hardware[1].memory_mib, 2048);
	ck_assert_int_eq(m->hardware[1].firmware, FIRMWARE_UEFI);
	ck_assert_str_eq(m->hardware[1].disk_bus, "sata");
	ck_assert_uint_eq(m->plan.boots, 3);
	ck_assert_int_eq(m->plan.agent_deadline_ms, 120000);
	ck_assert_int_eq(m->plan.install_deadline_ms, 90000);
	ck_assert_int_eq(m->plan.settle_ms, 1500);
	ck_assert_uint_eq(m->plan.concurrency, 4);
	ck_assert_int_eq(m->plan.kernel_reports, KERNEL_REPORTS_RECORD);

	struct cell *cells;
	size_t n = matrix_expand(m, &cells);
	/* windows images: 2 images x (small: 2x3 + big: s1 only 1x3) = 2 x 9 = 18;
	 * linux-test with c1: small 2 sensors + big s1 = 3 */
	ck_assert_uint_eq(n, 21);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = matrix_cell_key(m, &cells[i]);
		ck_assert_msg(!(strstr(key, "/big/s2/")), "excluded cell %s", key);
		if (strstartswith(key, "linux-test/"))
			ck_assert_msg(strendswith(key, "/c1"), "not included: %s", key);
	}
	_cleanup_free_ char *first = matrix_cell_key(m, &cells[0]);
	ck_assert_str_eq(first, "win11-23h2/small/s1/c1");
	free(cells);
	matrix_free(m);
}
END_TEST

START_TEST(test_shards_partition)
{
	struct conf_error err = { 0 };
	_cleanup_free_ char *path = test_data("matrices/full.yaml");
	struct matrix *m = matrix_load(path, &err);
	ck_assert_ptr_nonnull(m);
	struct cell *all;
	size_t n = matrix_expand(m, &all);
	size_t total = 0;
	for (unsigned k = 0; k < 3; k++) {
		struct cell *cells;
		size_t count = matrix_expand(m, &cells);
		count = matrix_shard(m, cells, count, k, 3);
		total += count;
		/* the same shard twice is the same set */
		struct cell *again;
		size_t count2 = matrix_expand(m, &again);
		count2 = matrix_shard(m, again, count2, k, 3);
		ck_assert_uint_eq(count, count2);
		ck_assert_mem_eq(cells, again, count * sizeof(*cells));
		free(cells);
		free(again);
	}
	ck_assert_uint_eq(total, n);
	free(all);
	matrix_free(m);
}
END_TEST

static const struct {
	const char *file;
	int line, column;
	const char *message;
} broken[] = {
	{ "bad-key.yaml", 5, 5, "unknown key 'vcpu' in a hardware profile (did you mean 'vcpus'?)" },
	{ "bad-syntax.yaml", 3, 9, "invalid YAML" },
	{ "bad-memory.yaml", 5, 13, "'memory' must be a size such as 512M or 2G, not 'lots'" },
	{ "bad-missing-sensors.yaml", 0, 0, "'sensors' must be a list (it is missing)" },
	{ "bad-dup-hardware.yaml", 5, 5, "hardware profile 'h' is defined twice" },
	{ "bad-name.yaml", 3, 19, "'name' must be 1-64 characters" },
	{ "bad-filter.yaml", 7, 14, "content pattern 'cc' in exclude matches no content of this matrix" },
	{ "bad-plan.yaml", 8, 20, "boot_loop_after (3) cannot exceed boots (1)" },
	{ "bad-duration.yaml", 7, 19, "'agent_deadline' must be a duration such as 90s" },
	{ "bad-type.yaml", 2, 9, "'images' must be a list" },
	{ "bad-empty.yaml", 0, 0, "the file is empty" },
	{ "bad-dup-key.yaml", 2, 1, "key 'name' appears twice in the matrix" },
	{ "bad-threshold.yaml", 7, 19, "'perf_threshold' must be a percentage between 0.1% and 1000%" },
	{ "bad-reps.yaml", 7, 18, "workload_reps must be 0 (no workload) or at least 3" },
	{ "bad-baseline-reps.yaml", 7, 3, "a baseline is what the workload is compared against: set plan.workload_reps" },
	{ "bad-baseline-content-only.yaml", 8, 3, "a baseline names its sensor" },
	{ "bad-secure-boot.yaml", 4, 57, "secure_boot needs firmware: uefi and machine: q35" },
	{ "bad-baseline-key.yaml", 8, 21, "unknown key 'pkg' in baseline sensor" },
	{ "bad-kernel-reports.yaml", 7, 19, "kernel_reports must be 'fail' (a new kernel report is KERNEL_WARNING) or 'record'" },
};

START_TEST(test_broken_matrices)
{
	struct conf_error err = { 0 };
	_cleanup_free_ char *rel = xasprintf("matrices/%s", broken[_i].file);
	_cleanup_free_ char *path = test_data(rel);
	struct matrix *m = matrix_load(path, &err);
	ck_assert_msg(m == NULL, "%s was accepted", broken[_i].file);
	ck_assert_ptr_nonnull(err.reason);
	_cleanup_free_ char *text = conf_error_format(&err);
	ck_assert_msg(strstr(err.reason, broken[_i].message), "%s: got '%s'", broken[_i].file, text);
	ck_assert_msg(strendswith(err.file, broken[_i].file), "%s: error names %s", broken[_i].file, err.file);
	if (broken[_i].line) {
		ck_assert_msg(err.line == broken[_i].line && err.column == broken[_i].column, "%s: position %d:%d, want %d:%d (%s)",
			      broken[_i].file, err.line, err.column, broken[_i].line, broken[_i].column, text);
	}
	conf_error_clear(&err);
}
END_TEST

/* The baseline: pinned versions, parsed; without one the candidates are measured against no sensor. */
START_TEST(test_baseline)
{
	static const char yaml[] = "name: x\nimages: [a]\nhardware: [{name: h}]\nsensors: [{name: s, package: s.tgz}]\n"
				   "contents: [{name: c, package: c.tgz}]\nplan: {workload_reps: 5}\n"
				   "baseline: {sensor: {name: s, package: s-0.9.tgz}, content: {name: c0, package: c0.tgz}}\n";
	struct conf_error err = { 0 };
	struct matrix *m = matrix_load_buffer("baseline.yaml", yaml, strlen(yaml), &err);
	ck_assert_msg(m, "%s", err.reason ? err.reason : "?");
	ck_assert_str_eq(m->baseline_sensor->package, "s-0.9.tgz");
	ck_assert_str_eq(m->baseline_content->name, "c0");
	struct cell *cells;
	ck_assert_uint_eq(matrix_expand(m, &cells), 1); /* the baseline is not a cell of its own */
	free(cells);
	matrix_free(m);

	_cleanup_free_ char *path = xasprintf("%s/matrices/perf-upgrade.yaml", TEST_SOURCE_DIR);
	m = matrix_load(path, &err);
	ck_assert_msg(m, "%s", err.reason ? err.reason : "?");
	ck_assert_str_eq(m->baseline_sensor->package, "demo-sensor-0.9.0.tar.gz");
	matrix_free(m);
}
END_TEST

/* Hardware profiles as libvirt sees them: firmware, Secure Boot (with SMM), panic device. */
START_TEST(test_hardware_domain_xml)
{
	static const char yaml[] = "name: x\nimages: [a]\nsensors: [{name: s, package: s.tgz}]\n"
				   "contents: [{name: c, package: c.tgz}]\nhardware:\n"
				   "  - {name: bios}\n"
				   "  - {name: uefi, machine: q35, firmware: uefi, panic_device: false}\n"
				   "  - {name: sb, machine: q35, firmware: uefi, secure_boot: true}\n";
	struct conf_error err = { 0 };
	struct matrix *m = matrix_load_buffer("hw.yaml", yaml, strlen(yaml), &err);
	ck_assert_msg(m, "%s", err.reason ? err.reason : "?");
	char *xml[3];
	for (size_t i = 0; i < 3; i++) {
		struct lab_domain_spec spec = { .name = "d<&>", .hw = &m->hardware[i], .disk = "/x/o.qcow2",
						.console_path = "/x/console.log", .ssh_addr = "127.0.0.1", .ssh_port = 2222,
						.owner = "pid=1" };
		xml[i] = lab_libvirt_domain_xml(&spec, false);
		ck_assert_ptr_nonnull(strstr(xml[i], "<name>d&lt;&amp;&gt;</name>"));
		ck_assert_ptr_nonnull(strstr(xml[i], "hostfwd=tcp:127.0.0.1:2222-:22"));
	}
	ck_assert_ptr_null(strstr(xml[0], "firmware"));
	ck_assert_ptr_nonnull(strstr(xml[0], "<panic model='isa'/>"));
	ck_assert_ptr_nonnull(strstr(xml[1], "<os firmware='efi'>"));
	ck_assert_ptr_nonnull(strstr(xml[1], "<feature enabled='no' name='secure-boot'/>"));
	ck_assert_ptr_null(strstr(xml[1], "<panic"));
	ck_assert_ptr_null(strstr(xml[1], "smm"));
	ck_assert_ptr_nonnull(strstr(xml[2], "<feature enabled='yes' name='secure-boot'/>"));
	ck_assert_ptr_nonnull(strstr(xml[2], "<feature enabled='yes' name='enrolled-keys'/>"));
	ck_assert_ptr_nonnull(strstr(xml[2], "<loader secure='yes'/>"));
	ck_assert_ptr_nonnull(strstr(xml[2], "<smm state='on'/>"));
	for (size_t i = 0; i < 3; i++)
		free(xml[i]);
	matrix_free(m);
}
END_TEST

START_TEST(test_demo_matrix_is_valid)
{
	static const char *const files[] = { "demo.yaml", "kernel-reports.yaml" };
	for (size_t i = 0; i < ARRAY_LENGTH(files); i++) {
		struct conf_error err = { 0 };
		_cleanup_free_ char *path = xasprintf("%s/matrices/%s", TEST_SOURCE_DIR, files[i]);
		struct matrix *m = matrix_load(path, &err);
		ck_assert_msg(m, "%s: %s", files[i], err.reason ? err.reason : "?");
		ck_assert_int_eq(m->plan.kernel_reports, KERNEL_REPORTS_FAIL);
		struct cell *cells;
		ck_assert_uint_eq(matrix_expand(m, &cells), 6);
		free(cells);
		matrix_free(m);
	}
}
END_TEST

START_TEST(test_hostile_yaml)
{
	/* deep nesting, anchors, huge scalars: each fails cleanly or parses within bounds */
	struct conf_error err = { 0 };
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_puts(&sb, "name: x\nimages: ");
	for (int i = 0; i < 5000; i++)
		strbuf_putc(&sb, '[');
	struct matrix *m = matrix_load_buffer("deep.yaml", sb.buf, sb.len, &err);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(err.reason);
	conf_error_clear(&err);
	strbuf_reset(&sb);
	strbuf_puts(&sb, "name: ");
	for (int i = 0; i < 100000; i++)
		strbuf_putc(&sb, 'a');
	strbuf_puts(&sb, "\nimages: [a]\n");
	m = matrix_load_buffer("long.yaml", sb.buf, sb.len, &err);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(err.reason, "1-64 characters"), "%s", err.reason);
	conf_error_clear(&err);
	strbuf_release(&sb);
}
END_TEST

static Suite *matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("matrix");
	tcase_add_test(tc, test_full_matrix);
	tcase_add_test(tc, test_shards_partition);
	tcase_add_loop_test(tc, test_broken_matrices, 0, ARRAY_LENGTH(broken));
	tcase_add_test(tc, test_demo_matrix_is_valid);
	tcase_add_test(tc, test_baseline);
	tcase_add_test(tc, test_hardware_domain_xml);
	tcase_add_test(tc, test_hostile_yaml);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(matrix_suite)
