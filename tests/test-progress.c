/* test-progress.c: the run's progress: the figures (done/total, verdicts, running per host, ETA
 * from the median cell), the live line on a terminal (a pty) and the periodic line without one. */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "progress.h"
#include "test-common.h"

/* 10 cells, 2 decided by an earlier process; here two ran at once and finished in 1 and 2 min. */
static void feed(struct progress *p)
{
	progress_cell_started(p, "local");
	progress_cell_started(p, "h2");
	progress_cell_finished(p, "local", VERDICT_PASS, 60000);
	progress_cell_finished(p, "h2", VERDICT_CRASH, 120000);
	progress_cell_started(p, "local");
}

START_TEST(test_progress_figures)
{
	struct progress *p = progress_start(PROGRESS_OFF, stderr, 10, 2, 0);
	_cleanup_free_ char *empty = progress_format(p, now_mono_ms(), false);
	ck_assert_msg(strstr(empty, "2/10 cells | running 0 | ") && strstr(empty, "ETA ?"), "%s", empty);
	feed(p);
	_cleanup_free_ char *text = progress_format(p, now_mono_ms(), false);
	/* 6 left, 2 at a time, 2 min each (the median of 1 and 2 min taken high): 6 min */
	ck_assert_msg(strstr(text, "4/10 cells PASS 1 CRASH 1 | running 1: local 1 | 0m00s elapsed, ETA 6m00s"), "%s", text);

	_cleanup_free_ char *js = progress_format(p, now_mono_ms(), true);
	struct json *j = json_parse(js, strlen(js), NULL);
	ck_assert_msg(j, "%s", js);
	const struct json *pr = json_get(j, "progress");
	ck_assert_int_eq((int)json_get_number(pr, "done", 0), 4);
	ck_assert_int_eq((int)json_get_number(pr, "total", 0), 10);
	ck_assert_int_eq((int)json_get_number(pr, "eta_ms", 0), 360000);
	ck_assert_int_eq((int)json_get_number(json_get(pr, "verdicts"), "CRASH", 0), 1);
	ck_assert_int_eq((int)json_get_number(json_get(json_get(pr, "hosts"), "local"), "running", -1), 1);
	ck_assert_int_eq((int)json_get_number(json_get(json_get(pr, "hosts"), "h2"), "running", -1), 0);
	json_free(j);
	progress_stop(p);
	ck_assert_int_eq(progress_mode_from_name("json"), PROGRESS_JSON);
	ck_assert_int_eq(progress_mode_from_name("loud"), -1);
}
END_TEST

/* Reads what arrives on fd for about ms milliseconds. */
static char *read_for(int fd, int64_t ms)
{
	struct strbuf sb;
	strbuf_init(&sb);
	int64_t end = now_mono_ms() + ms;
	for (int64_t left; (left = end - now_mono_ms()) > 0;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
	}
	return strbuf_steal(&sb);
}

/* On a terminal: the status line is drawn in place (carriage return, erase) and a log line
 * printed meanwhile lands above it, the status drawn again below. */
START_TEST(test_progress_on_a_terminal)
{
	int master, slave;
	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	int saved = dup(2);
	dup2(slave, 2);
	FILE *err = fdopen(dup(2), "w");
	struct progress *p = progress_start(PROGRESS_AUTO, err, 3, 0, 0);
	progress_cell_started(p, "local");
	_cleanup_free_ char *first = read_for(master, 1500);
	log_info("a log line");
	_cleanup_free_ char *second = read_for(master, 300);
	progress_cell_finished(p, "local", VERDICT_HANG, 1000);
	progress_stop(p);
	_cleanup_free_ char *last = read_for(master, 300);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(err);
	close(slave);
	close(master);
	ck_assert_msg(strstr(first, "\r\033[K0/3 cells | running 1: local 1 | "), "%s", first);
	const char *line = strstr(second, "a log line");
	ck_assert_msg(strstr(second, "\r\033[K") < line && line && strstr(line, "0/3 cells | running 1"), "%s", second);
	ck_assert_msg(strstr(last, "1/3 cells HANG 1 | running 0"), "%s", last);
}
END_TEST

/* Without a terminal: a plain line every interval (30 s in a run; 100 ms here). */
START_TEST(test_progress_without_a_terminal)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	FILE *out = fdopen(fds[1], "w");
	struct progress *p = progress_start(PROGRESS_AUTO, out, 5, 0, 100);
	progress_cell_started(p, "local");
	_cleanup_free_ char *text = read_for(fds[0], 450);
	progress_stop(p);
	fclose(out);
	close(fds[0]);
	ck_assert_msg(!strchr(text, '\r') && !strchr(text, '\033'), "%s", text);
	size_t lines = 0;
	for (const char *q = text; (q = strstr(q, "progress: 0/5 cells | running 1: local 1 | ")); q++)
		lines++;
	ck_assert_msg(lines >= 2 && lines <= 6, "%zu lines in:\n%s", lines, text);
}
END_TEST

static Suite *progress_suite(void)
{
	Suite *s = suite_create("progress");
	TCase *tc = tcase_create("progress");
	tcase_add_test(tc, test_progress_figures);
	tcase_add_test(tc, test_progress_on_a_terminal);
	tcase_add_test(tc, test_progress_without_a_terminal);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(progress_suite)
