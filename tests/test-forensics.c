/* test-forensics.c: crash forensics without VMs: the console classifier on the fixture corpus
 * (detection and false-positive rates), crash signatures, stop codes, and the parsers of Windows
 * dumps and hypervisor panic reports on well-formed, truncated and corrupted input. */
#include <errno.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "artifacts.h"
#include "bugcheck.h"
#include "console.h"
#include "dump.h"
#include "forensics-samples.h"
#include "test-common.h"

/* Scores per report kind: expected reports, detected (right kind, fatal or not), right title,
 * right guilty function, right module (where one is expected or found). */
struct score {
	char kind[32];
	size_t reports, detected, title, function, modules, module;
};

static struct score *score_of(struct score *scores, size_t *n, const char *kind)
{
	for (size_t i = 0; i < *n; i++)
		if (streq(scores[i].kind, kind))
			return &scores[i];
	snprintf(scores[*n].kind, sizeof(scores[*n].kind), "%s", kind);
	return &scores[(*n)++];
}

static const char *dash(const char *s)
{
	return s[0] ? s : "-";
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 100.0;
}

/* One file of the corpus against its rows of expected.tsv. */
static void score_file(const char *file, char *const (*rows)[7], size_t nrows, struct score *scores, size_t *nscores,
		       struct score *total, size_t *clean, size_t *flagged, size_t *spurious, struct strbuf *misses)
{
	_cleanup_free_ char *rel = xasprintf("console/%s", file);
	_cleanup_free_ char *path = test_data(rel), *text = NULL;
	size_t len;
	ck_assert_msg(read_file(path, 8 << 20, &text, &len) == 0, "cannot read %s", path);
	struct console_report got[64];
	size_t n = console_reports(text, len, got, ARRAY_LENGTH(got));
	ck_assert_uint_le(n, ARRAY_LENGTH(got));
	struct console_crash c;
	console_classify(text, len, &c);
	if (streq(rows[0][1], "-")) {
		(*clean)++;
		if (n || c.crashed) {
			(*flagged)++;
			strbuf_printf(misses, "  %s: clean, but %s '%s'\n", file, got[0].kind, got[0].title);
		}
		return;
	}
	bool used[64] = { false }, any_fatal = false;
	for (size_t i = 0; i < nrows; i++) {
		char *const *e = rows[i];
		bool fatal = streq(e[2], "yes");
		any_fatal |= fatal;
		struct score *sc = score_of(scores, nscores, e[3]);
		sc->reports++;
		total->reports++;
		/* the first unused report of this kind, preferring the expected title */
		size_t match = n;
		for (size_t j = 0; j < n && match == n; j++)
			if (!used[j] && streq(got[j].kind, e[3]) && strstartswith(got[j].title, e[4]))
				match = j;
		for (size_t j = 0; j < n && match == n; j++)
			if (!used[j] && streq(got[j].kind, e[3]))
				match = j;
		if (match == n) {
			strbuf_printf(misses, "  %s #%s: %s not found\n", file, e[1], e[3]);
			continue;
		}
		used[match] = true;
		const struct console_report *r = &got[match];
		if (r->fatal != fatal) {
			strbuf_printf(misses, "  %s #%s: fatal %s, expected %s\n", file, e[1], r->fatal ? "yes" : "no", e[2]);
			continue;
		}
		sc->detected++, total->detected++;
		if (strstartswith(r->title, e[4]))
			sc->title++, total->title++;
		else
			strbuf_printf(misses, "  %s #%s: title '%s', expected '%s'\n", file, e[1], r->title, e[4]);
		if (streq(dash(r->function), e[6]))
			sc->function++, total->function++;
		else
			strbuf_printf(misses, "  %s #%s: function %s, expected %s\n", file, e[1], dash(r->function), e[6]);
		if (!streq(e[5], "-") || r->module[0]) {
			sc->modules++, total->modules++;
			if (streq(dash(r->module), e[5]))
				sc->module++, total->module++;
			else
				strbuf_printf(misses, "  %s #%s: module %s, expected %s\n", file, e[1], dash(r->module), e[5]);
		}
	}
	for (size_t j = 0; j < n; j++) {
		if (!used[j]) {
			(*spurious)++;
			strbuf_printf(misses, "  %s: unexpected %s '%s'\n", file, got[j].kind, got[j].title);
		}
	}
	if (c.crashed != any_fatal)
		strbuf_printf(misses, "  %s: crashed %s, expected %s\n", file, c.crashed ? "yes" : "no", any_fatal ? "yes" : "no");
}

START_TEST(test_console_corpus)
{
	_cleanup_free_ char *index = test_data("console/expected.tsv"), *tsv = NULL;
	ck_assert_int_eq(read_file(index, 4 << 20, &tsv, NULL), 0);
	/* file, report, fatal, kind, title starts with, module, function */
	size_t nrows = 0, cap = 0;
	char *(*rows)[7] = NULL;
	char *save = NULL;
	for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (nrows == cap)
			rows = xreallocarray(rows, cap = cap ? 2 * cap : 256, sizeof(*rows));
		char *f = line;
		for (int i = 0; i < 7; i++) {
			ck_assert_msg(f, "expected.tsv: short line for %s", rows[nrows][0]);
			rows[nrows][i] = f;
			f = strchr(f, '\t');
			if (f)
				*f++ = '\0';
		}
		nrows++;
	}
	struct score scores[64] = { 0 }, total = { "all" };
	size_t nscores = 0, clean = 0, flagged = 0, spurious = 0, files = 0;
	struct strbuf misses;
	strbuf_init(&misses);
	for (size_t i = 0; i < nrows;) {
		size_t j = i;
		while (j < nrows && streq(rows[j][0], rows[i][0]))
			j++;
		score_file(rows[i][0], (char *const(*)[7])&rows[i], j - i, scores, &nscores, &total, &clean, &flagged, &spurious,
			   &misses);
		files++;
		i = j;
	}
	printf("console corpus: %zu files, %zu reports, %zu clean logs\n", files, total.reports, clean);
	printf("  %-18s %7s %9s %7s %9s %15s\n", "kind", "reports", "detected", "title", "function", "module");
	for (size_t i = 0; i <= nscores; i++) {
		const struct score *sc = i < nscores ? &scores[i] : &total;
		printf("  %-18s %7zu %8.1f%% %6.1f%% %8.1f%% %7.1f%% of %3zu\n", sc->kind, sc->reports, pct(sc->detected, sc->reports),
		       pct(sc->title, sc->reports), pct(sc->function, sc->reports), pct(sc->module, sc->modules), sc->modules);
	}
	printf("  clean logs flagged: %zu of %zu; unexpected reports: %zu\n", flagged, clean, spurious);
	if (misses.len)
		printf("misses:\n%s", misses.buf);
	ck_assert_msg(total.reports >= 300 && clean >= 50, "the corpus is too small");
	ck_assert_msg(pct(total.detected, total.reports) >= 98.0, "detection under 98%%");
	ck_assert_msg(pct(total.title, total.reports) >= 95.0, "titles under 95%%");
	ck_assert_msg(pct(total.function, total.reports) >= 90.0, "guilty functions under 90%%");
	ck_assert_msg(pct(total.module, total.modules) >= 95.0, "modules under 95%%");
	ck_assert_msg(flagged == 0, "clean logs flagged");
	ck_assert_msg(spurious * 50 <= total.reports, "more than 2%% unexpected reports");
	strbuf_release(&misses);
	free(rows);
}
END_TEST

START_TEST(test_signatures)
{
	static const struct { const char *title, *function, *module, *want; } s[] = {
		{ "BUG: unable to handle page fault for address: ffffd1cf800be000", "content_load", "compatlab_sensor",
		  "BUG: unable to handle page fault for address: N in content_load [compatlab_sensor]" },
		{ "watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [insmod:117]", NULL, NULL,
		  "watchdog: BUG: soft lockup - CPU#N stuck for Ns! [insmod:N]" },
		{ "INFO: task acme-scan:640 blocked for more than 120 seconds.", NULL, NULL,
		  "INFO: task acme-scan:N blocked for more than N seconds." },
		{ "general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI",
		  "acme_list_walk", "acme_sensor",
		  "general protection fault, probably for non-canonical address N: N [#N] PREEMPT SMP NOPTI in acme_list_walk [acme_sensor]" },
		{ "Oops: 0000 [#1] PREEMPT SMP NOPTI CPU: 0 PID: 12 Comm: x", NULL, "ext4", "Oops: N [#N] PREEMPT SMP NOPTI [ext4]" },
		/* an out-of-tree module's build directory and the compiler's clones are not the bug */
		{ "WARNING: CPU: 0 PID: 147 at /var/tmp/b1/demo-sensor/compatlab_sensor.c:310 content_load.isra.0.cold+0x189/0x2f9 "
		  "[compatlab_sensor]", "content_load", "compatlab_sensor",
		  "WARNING: at compatlab_sensor.c:N content_load+N/N [compatlab_sensor] in content_load [compatlab_sensor]" },
		{ "WARNING: CPU: 3 PID: 9 at /home/ci/build/compatlab_sensor.c:310 content_load.constprop.2+0x10/0x20 "
		  "[compatlab_sensor]", "content_load", "compatlab_sensor",
		  "WARNING: at compatlab_sensor.c:N content_load+N/N [compatlab_sensor] in content_load [compatlab_sensor]" },
		{ "kernel BUG at drivers/misc/acme/rules.c:312!", "acme_rules_load.part.0", NULL,
		  "kernel BUG at drivers/misc/acme/rules.c:N! in acme_rules_load.part.0" },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(s); i++) {
		_cleanup_free_ char *sig = crash_signature(s[i].title, s[i].function, s[i].module);
		ck_assert_str_eq(sig, s[i].want);
	}
	/* the same bug at other addresses, on other CPUs, in other processes: one signature */
	_cleanup_free_ char *a = crash_signature("watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:116]", NULL, NULL);
	_cleanup_free_ char *b = crash_signature("watchdog: BUG: soft lockup - CPU#3 stuck for 48s! [insmod:9001]", NULL, NULL);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_bugcheck_names)
{
	ck_assert_str_eq(bugcheck_name(0x50), "PAGE_FAULT_IN_NONPAGED_AREA");
	ck_assert_str_eq(bugcheck_name(0x7E), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED");
	ck_assert_str_eq(bugcheck_name(0xD1), "DRIVER_IRQL_NOT_LESS_OR_EQUAL");
	ck_assert_str_eq(bugcheck_name(0x3B), "SYSTEM_SERVICE_EXCEPTION");
	ck_assert_str_eq(bugcheck_name(0xEF), "CRITICAL_PROCESS_DIED");
	ck_assert_str_eq(bugcheck_name(0x12345), "UNKNOWN_BUGCHECK");
	ck_assert_uint_eq(bugcheck_code("DPC_WATCHDOG_VIOLATION"), 0x133);
	ck_assert_uint_eq(bugcheck_code("NOT_A_CODE"), 0);
}
END_TEST

START_TEST(test_kernel_dump)
{
	size_t len;
	_cleanup_free_ uint8_t *d = sample_kernel_dump(&len);
	struct dump_info info;
	_cleanup_free_ char *why = NULL;
	ck_assert_int_eq(dump_parse(d, len, &info, &why), 0);
	ck_assert_int_eq(info.kind, DUMP_KERNEL64);
	ck_assert_uint_eq(info.bugcheck, 0x50);
	ck_assert(info.bugcheck_args[0] == 0xFFFF9C8E0000008Cull && info.bugcheck_args[2] == 0xFFFFF8052F4E1234ull);
	ck_assert_uint_eq(info.build, 22631);
	ck_assert_uint_eq(info.machine, 0x8664);
	ck_assert_uint_eq(info.dump_type, 2);
	ck_assert_int_eq(info.system_time_ms, 1700526400000);
	struct strbuf sb;
	strbuf_init(&sb);
	dump_to_json(&info, &sb);
	ck_assert_ptr_nonnull(strstr(sb.buf, "\"bugcheck\":\"0x00000050\",\"bugcheck_name\":\"PAGE_FAULT_IN_NONPAGED_AREA\""));
	ck_assert_ptr_nonnull(strstr(sb.buf, "\"dump_type\":\"kernel\""));
	strbuf_release(&sb);
	/* the 32-bit header */
	memcpy(d + 4, "DUMP", 4);
	put32(d + 0x28, 0xD1);
	put32(d + 0x2C, 0x10);
	ck_assert_int_eq(dump_parse(d, len, &info, NULL), 0);
	ck_assert_int_eq(info.kind, DUMP_KERNEL32);
	ck_assert_uint_eq(info.bugcheck, 0xD1);
	ck_assert(info.bugcheck_args[0] == 0x10);
}
END_TEST

START_TEST(test_minidump)
{
	size_t len;
	_cleanup_free_ uint8_t *d = sample_minidump(&len);
	struct dump_info info;
	ck_assert_int_eq(dump_parse(d, len, &info, NULL), 0);
	ck_assert_int_eq(info.kind, DUMP_USER_MINIDUMP);
	ck_assert_uint_eq(info.streams, 3);
	ck_assert(info.has_exception);
	ck_assert_uint_eq(info.exception_code, 0xC0000005);
	ck_assert_uint_eq(info.thread_id, 4242);
	ck_assert_uint_eq(info.os_build, 19045);
	ck_assert_str_eq(info.module, "acmesvc.exe");
	ck_assert(info.module_base == 0x7FF6A0000000ull);
}
END_TEST

/* Every prefix of a good file parses or is refused, never read past; the fields it yields come
 * from inside the prefix. */
START_TEST(test_truncated_dumps)
{
	size_t lens[2];
	uint8_t *files[2] = { sample_kernel_dump(&lens[0]), sample_minidump(&lens[1]) };
	for (int f = 0; f < 2; f++) {
		size_t refused = 0;
		for (size_t n = 0; n <= lens[f]; n++) {
			/* a fresh allocation of exactly n bytes: valgrind or ASan see any read past it */
			uint8_t *copy = xmalloc(n ? n : 1);
			memcpy(copy, files[f], n);
			struct dump_info info;
			char *why = NULL;
			if (dump_parse(copy, n, &info, &why) < 0) {
				ck_assert_ptr_nonnull(why);
				refused++;
			} else if (f == 1 && n < 0x100 + 168) {
				ck_assert(!info.has_exception);
			}
			free(why);
			free(copy);
		}
		ck_assert_uint_gt(refused, 0);
		free(files[f]);
	}
}
END_TEST

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

START_TEST(test_corrupted_dumps)
{
	size_t lens[2];
	uint8_t *files[2] = { sample_kernel_dump(&lens[0]), sample_minidump(&lens[1]) };
	for (int f = 0; f < 2; f++) {
		uint8_t *copy = xmalloc(lens[f]);
		for (int round = 0; round < 3000; round++) {
			memcpy(copy, files[f], lens[f]);
			/* flip bytes, with a bias towards the header and the directory */
			int flips = 1 + (int)(next_rand() % 8);
			for (int i = 0; i < flips; i++) {
				size_t at = next_rand() % 2 ? next_rand() % 128 : next_rand() % lens[f];
				copy[at] = (uint8_t)next_rand();
			}
			struct dump_info info;
			char *why = NULL;
			dump_parse(copy, lens[f], &info, &why);
			free(why);
			ck_assert(strlen(info.module) < sizeof(info.module));
		}
		free(copy);
		free(files[f]);
	}
	/* a minidump that claims everything */
	size_t len;
	_cleanup_free_ uint8_t *d = sample_minidump(&len);
	put32(d + 8, 0xFFFFFFFF);
	struct dump_info info;
	_cleanup_free_ char *why = NULL;
	ck_assert_int_eq(dump_parse(d, len, &info, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "streams"));
	_cleanup_free_ uint8_t *e = sample_minidump(&len);
	put32(e + 0x300, 0x7FFFFFFF); /* module count */
	put32(e + 0x600, 0xFFFFFFF0); /* name length */
	ck_assert_int_eq(dump_parse(e, len, &info, NULL), 0);
	ck_assert_str_eq(info.module, "");
}
END_TEST

START_TEST(test_guest_panicked)
{
	struct guest_panic p;
	ck_assert_int_eq(guest_panic_parse_qmp(sample_guest_panicked, strlen(sample_guest_panicked), &p), 0);
	ck_assert_str_eq(p.type, "hyper-v");
	ck_assert(p.has_args);
	ck_assert_uint_eq(p.code, 0x50);
	/* the large parameters survive exactly (read from the text, not through a double) */
	ck_assert(p.args[0] == 0xFFFF9C8E0000008Cull && p.args[1] == 0 && p.args[2] == 0xFFFFF8052F4E1234ull && p.args[3] == 2);
	/* the whole event, as QMP sends it */
	_cleanup_free_ char *event = xasprintf("{\"event\":\"GUEST_PANICKED\",\"data\":%s,\"timestamp\":{\"seconds\":1,\"microseconds\":2}}",
					       sample_guest_panicked);
	ck_assert_int_eq(guest_panic_parse_qmp(event, strlen(event), &p), 0);
	ck_assert_uint_eq(p.code, 0x50);
	/* no crash registers: a panic with no details */
	static const char plain[] = "{\"action\":\"pause\"}";
	ck_assert_int_eq(guest_panic_parse_qmp(plain, strlen(plain), &p), 0);
	ck_assert(!p.has_args);
	/* the libvirt log line */
	ck_assert_int_eq(guest_panic_parse_log(sample_panic_log, strlen(sample_panic_log), &p), 0);
	ck_assert_uint_eq(p.code, 0x50);
	ck_assert(p.args[2] == 0xFFFFF8052F4E1234ull);
}
END_TEST

static const char *const bad_panics[] = {
	"", "{", "[]", "{\"info\":{\"type\":\"hyper-v\",\"arg1\":80}}", /* missing args */
	"{\"info\":{\"type\":\"hyper-v\",\"arg1\":-1,\"arg2\":0,\"arg3\":0,\"arg4\":0,\"arg5\":0}}",
	"{\"info\":{\"type\":\"hyper-v\",\"arg1\":4294967296,\"arg2\":0,\"arg3\":0,\"arg4\":0,\"arg5\":0}}",
	"{\"info\":{\"type\":\"hyper-v\",\"arg1\":\"80\",\"arg2\":0,\"arg3\":0,\"arg4\":0,\"arg5\":0}}",
	"{\"info\":{\"type\":\"hyper-v\",\"arg1\":80,\"arg2\":99999999999999999999999,\"arg3\":0,\"arg4\":0,\"arg5\":0}}",
	"{\"nothing\":1}",
};

START_TEST(test_bad_guest_panicked)
{
	struct guest_panic p;
	ck_assert_int_eq(guest_panic_parse_qmp(bad_panics[_i], strlen(bad_panics[_i]), &p), -EINVAL);
}
END_TEST

START_TEST(test_truncated_panic_reports)
{
	struct guest_panic p;
	size_t n = strlen(sample_guest_panicked);
	for (size_t i = 0; i < n; i++) {
		char *copy = xstrndup(sample_guest_panicked, i);
		ck_assert_int_eq(guest_panic_parse_qmp(copy, i, &p), -EINVAL);
		free(copy);
	}
	n = strlen(sample_panic_log);
	for (size_t i = 0; i + 1 < n; i++) {
		char *copy = xmalloc(i + 1);
		memcpy(copy, sample_panic_log, i);
		ck_assert_int_eq(guest_panic_parse_log(copy, i, &p), -EINVAL);
		free(copy);
	}
	static const char *const bad[] = {
		"panic hyper-v: arg1='0x50'", "panic hyper-v: arg1='0xZZ', arg2='0x0', arg3='0x0', arg4='0x0', arg5='0x0'",
		"panic hyper-v: arg1='0x100000000', arg2='0x0', arg3='0x0', arg4='0x0', arg5='0x0'",
		"panic hyper-v: arg1='0x50', arg2='0x11112222333344445', arg3='0x0', arg4='0x0', arg5='0x0'",
	};
	for (size_t i = 0; i < ARRAY_LENGTH(bad); i++)
		ck_assert_int_eq(guest_panic_parse_log(bad[i], strlen(bad[i]), &p), -EINVAL);
}
END_TEST

START_TEST(test_artifacts_archive)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct { const char *name; size_t size; } files[] = {
		{ "console.log", 5000 }, { "screenshot-boot1.png", 2000 }, { "disk.qcow2", 100 }, { "big.dmp", 40u << 20 },
		{ "late.bin", 30u << 20 },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(files); i++) {
		_cleanup_free_ char *path = path_join(dir, files[i].name);
		char *data = xmalloc(files[i].size);
		memset(data, 'a' + (int)i, files[i].size);
		ck_assert_int_eq(write_file(path, data, files[i].size, 0644), 0);
		free(data);
	}
	int n = artifacts_archive(dir);
	ck_assert_int_ge(n, 3);
	_cleanup_free_ char *tar = path_join(dir, ARTIFACTS_NAME);
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	ck_assert_int_eq(archive_read_open_filename(a, tar, 65536), ARCHIVE_OK);
	struct archive_entry *e;
	size_t total = 0;
	bool console = false, overlay = false, missing = false, big_cut = false;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		total += (size_t)archive_entry_size(e);
		console |= streq(name, "console.log") && archive_entry_size(e) == 5000;
		overlay |= streq(name, "disk.qcow2");
		big_cut |= streq(name, "big.dmp") && archive_entry_size(e) == ARTIFACTS_FILE_MAX;
		if (streq(name, "MISSING")) {
			char buf[4096] = "";
			archive_read_data(a, buf, sizeof(buf) - 1);
			missing = strstr(buf, "big.dmp: only its last") != NULL;
		}
	}
	archive_read_free(a);
	ck_assert(console);
	ck_assert(!overlay);
	ck_assert(missing);
	ck_assert(big_cut);
	ck_assert_uint_le(total, ARTIFACTS_TOTAL_MAX + 4096);
	remove_tree(dir);
}
END_TEST

static Suite *forensics_suite(void)
{
	Suite *s = suite_create("forensics");
	TCase *tc = tcase_create("forensics");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_console_corpus);
	tcase_add_test(tc, test_signatures);
	tcase_add_test(tc, test_bugcheck_names);
	tcase_add_test(tc, test_kernel_dump);
	tcase_add_test(tc, test_minidump);
	tcase_add_test(tc, test_truncated_dumps);
	tcase_add_test(tc, test_corrupted_dumps);
	tcase_add_test(tc, test_guest_panicked);
	tcase_add_loop_test(tc, test_bad_guest_panicked, 0, ARRAY_LENGTH(bad_panics));
	tcase_add_test(tc, test_truncated_panic_reports);
	tcase_add_test(tc, test_artifacts_archive);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(forensics_suite)
