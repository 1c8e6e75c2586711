/* test-transport.c: the SSH transport against a real OpenSSH server on loopback: exec with both
 * streams and the exit status, bounded output, SFTP upload, the pinned host key, deadlines and
 * interruption from another thread. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "sha256.h"
#include "test-common.h"
#include "transport.h"

static char *dir;
static pid_t sshd_pid;
static int port;
static char *host_key, *client_key;

static void sh(const char *cmd)
{
	int rc = system(cmd);
	ck_assert_msg(rc == 0, "'%s' failed (%d)", cmd, rc);
}

static void start_sshd(void)
{
	dir = test_tmpdir();
	port = lab_free_port("127.0.0.1");
	_cleanup_free_ char *keys = xasprintf("ssh-keygen -q -t ed25519 -N '' -f %s/host_key && "
					      "ssh-keygen -q -t ed25519 -N '' -f %s/client_key && "
					      "cp %s/client_key.pub %s/authorized_keys && chmod 600 %s/authorized_keys",
					      dir, dir, dir, dir, dir);
	sh(keys);
	_cleanup_free_ char *cfg = xasprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s/host_key\n"
					     "AuthorizedKeysFile %s/authorized_keys\nPidFile %s/sshd.pid\n"
					     "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
					     "PasswordAuthentication no\nSubsystem sftp /usr/lib/openssh/sftp-server\n",
					     port, dir, dir, dir);
	_cleanup_free_ char *cfg_path = xasprintf("%s/sshd_config", dir);
	ck_assert_int_eq(write_file(cfg_path, cfg, strlen(cfg), 0600), 0);
	mkdir("/run/sshd", 0755);
	sshd_pid = fork();
	if (sshd_pid == 0) {
		execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", cfg_path, (char *)NULL);
		_exit(127);
	}
	_cleanup_free_ char *pub_path = xasprintf("%s/host_key.pub", dir);
	_cleanup_free_ char *pub = NULL;
	ck_assert_int_eq(read_file(pub_path, 4096, &pub, NULL), 0);
	*strchr(strchr(pub, ' ') + 1, ' ') = '\0'; /* "TYPE BASE64" */
	host_key = xstrdup(pub);
	client_key = xasprintf("%s/client_key", dir);
	/* wait until it listens */
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (ok)
			return;
		sleep_ms(50);
	}
	ck_abort_msg("sshd did not start");
}

static void stop_sshd(void)
{
	kill(sshd_pid, SIGTERM);
	waitpid(sshd_pid, NULL, 0);
	remove_tree(dir);
	free(dir);
	free(host_key);
	free(client_key);
}

static struct transport_session *connect_ok(void)
{
	struct transport_target t = { "127.0.0.1", port, "root", client_key, host_key };
	struct transport_session *s = NULL;
	char *why = NULL;
	int r = transport_ssh_ops.connect(&t, now_mono_ms() + 10000, &s, &why);
	ck_assert_msg(r == 0, "connect: %d %s", r, why ? why : "");
	return s;
}

START_TEST(test_exec_streams_and_status)
{
	struct transport_session *s = connect_ok();
	struct transport_result r;
	ck_assert_int_eq(transport_ssh_ops.exec(s, "echo out; echo err >&2; exit 3", now_mono_ms() + 10000, &r), 0);
	ck_assert_str_eq(r.out, "out\n");
	ck_assert_str_eq(r.err, "err\n");
	ck_assert_int_eq(r.exit_status, 3);
	transport_result_clear(&r);
	/* several commands on one session */
	ck_assert_int_eq(transport_ssh_ops.exec(s, "true", now_mono_ms() + 10000, &r), 0);
	ck_assert_int_eq(r.exit_status, 0);
	transport_result_clear(&r);
	/* killed by a signal: no exit status to trust */
	ck_assert_int_eq(transport_ssh_ops.exec(s, "kill -9 $$", now_mono_ms() + 10000, &r), 0);
	ck_assert_int_eq(r.exit_status, -1);
	transport_result_clear(&r);
	transport_ssh_ops.close(s);
}
END_TEST

START_TEST(test_output_is_bounded)
{
	struct transport_session *s = connect_ok();
	struct transport_result r;
	ck_assert_int_eq(transport_ssh_ops.exec(s, "head -c 1048576 /dev/zero; head -c 300000 /dev/zero >&2",
						now_mono_ms() + 20000, &r), 0);
	ck_assert_uint_eq(r.out_len, TRANSPORT_OUTPUT_MAX);
	ck_assert_uint_eq(r.out_dropped, 1048576 - TRANSPORT_OUTPUT_MAX);
	ck_assert_uint_eq(r.err_len, TRANSPORT_OUTPUT_MAX);
	ck_assert_uint_eq(r.err_dropped, 300000 - TRANSPORT_OUTPUT_MAX);
	ck_assert_int_eq(r.exit_status, 0);
	transport_result_clear(&r);
	transport_ssh_ops.close(s);
}
END_TEST

START_TEST(test_sftp_upload)
{
	struct transport_session *s = connect_ok();
	_cleanup_free_ char *local = xasprintf("%s/payload", dir);
	_cleanup_free_ char *remote_dir = xasprintf("%s/up", dir);
	_cleanup_free_ char *remote = xasprintf("%s/up/payload", dir);
	_cleanup_free_ char *link = xasprintf("%s/up/current", dir);
	size_t n = 300001;
	char *data = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)(i * 2654435761u >> 13);
	ck_assert_int_eq(write_file(local, data, n, 0644), 0);
	free(data);
	char hex[65];
	ck_assert_int_eq(sha256_file(local, hex, NULL), 0);

	ck_assert_int_eq(transport_ssh_ops.mkdir(s, remote_dir, 0755, now_mono_ms() + 10000), 0);
	ck_assert_int_eq(transport_ssh_ops.mkdir(s, remote_dir, 0755, now_mono_ms() + 10000), 0); /* exists: fine */
	ck_assert_int_eq(transport_ssh_ops.upload(s, local, remote, 0750, now_mono_ms() + 10000), 0);
	ck_assert_int_eq(transport_ssh_ops.symlink(s, "payload", link, now_mono_ms() + 10000), 0);
	_cleanup_free_ char *odd = xasprintf("%s/up/it's $(odd)", dir);
	ck_assert_int_eq(transport_ssh_ops.symlink(s, "pay'load", odd, now_mono_ms() + 10000), 0);
	_cleanup_free_ char *cmd = xasprintf("sha256sum %s | cut -d' ' -f1; stat -c %%a %s; readlink %s; readlink \"%s/up/it's \\$(odd)\"",
					     remote, remote, link, dir);
	struct transport_result r;
	ck_assert_int_eq(transport_ssh_ops.exec(s, cmd, now_mono_ms() + 10000, &r), 0);
	_cleanup_free_ char *want = xasprintf("%s\n750\npayload\npay'load\n", hex);
	ck_assert_str_eq(r.out, want);
	transport_result_clear(&r);
	transport_ssh_ops.close(s);
}
END_TEST

START_TEST(test_host_key_mismatch)
{
	/* a valid key, but not the server's */
	_cleanup_free_ char *pub_path = xasprintf("%s/client_key.pub", dir);
	_cleanup_free_ char *other = NULL;
	ck_assert_int_eq(read_file(pub_path, 4096, &other, NULL), 0);
	*strchr(strchr(other, ' ') + 1, ' ') = '\0';
	struct transport_target t = { "127.0.0.1", port, "root", client_key, other };
	struct transport_session *s = NULL;
	char *why = NULL;
	ck_assert_int_eq(transport_ssh_ops.connect(&t, now_mono_ms() + 10000, &s, &why), -EBADMSG);
	ck_assert_msg(strstr(why, "does not match the pinned key"), "%s", why);
	free(why);
}
END_TEST

START_TEST(test_wrong_client_key)
{
	_cleanup_free_ char *key = xasprintf("%s/host_key", dir); /* not authorised */
	struct transport_target t = { "127.0.0.1", port, "root", key, host_key };
	struct transport_session *s = NULL;
	char *why = NULL;
	ck_assert_int_eq(transport_ssh_ops.connect(&t, now_mono_ms() + 10000, &s, &why), -EACCES);
	free(why);
}
END_TEST

START_TEST(test_refused_and_silent_peers)
{
	struct transport_session *s = NULL;
	char *why = NULL;
	int closed = lab_free_port("127.0.0.1");
	struct transport_target t = { "127.0.0.1", closed, "root", client_key, host_key };
	ck_assert_int_eq(transport_ssh_ops.connect(&t, now_mono_ms() + 5000, &s, &why), -ECONNREFUSED);
	free(why);

	/* a peer that accepts and never speaks: the deadline holds */
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &len);
	t.port = ntohs(sa.sin_port);
	int64_t t0 = now_mono_ms();
	why = NULL;
	ck_assert_int_eq(transport_ssh_ops.connect(&t, t0 + 500, &s, &why), -ETIMEDOUT);
	ck_assert_int_lt(now_mono_ms() - t0, 3000);
	free(why);
	close(lfd);
}
END_TEST

struct interrupt_arg {
	struct transport_session *s;
};

static void *interrupter(void *data)
{
	struct interrupt_arg *a = data;
	sleep_ms(300);
	transport_ssh_ops.interrupt(a->s);
	return NULL;
}

START_TEST(test_interrupt_unblocks_exec)
{
	struct transport_session *s = connect_ok();
	struct interrupt_arg arg = { s };
	pthread_t th;
	struct transport_result r;
	int64_t t0 = now_mono_ms();
	pthread_create(&th, NULL, interrupter, &arg);
	int rc = transport_ssh_ops.exec(s, "sleep 30", t0 + 60000, &r);
	pthread_join(th, NULL);
	ck_assert_int_lt(rc, 0);
	ck_assert_int_lt(now_mono_ms() - t0, 10000);
	transport_result_clear(&r);
	transport_ssh_ops.close(s);
}
END_TEST

static Suite *transport_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("ssh");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, start_sshd, stop_sshd);
	tcase_add_test(tc, test_exec_streams_and_status);
	tcase_add_test(tc, test_output_is_bounded);
	tcase_add_test(tc, test_sftp_upload);
	tcase_add_test(tc, test_host_key_mismatch);
	tcase_add_test(tc, test_wrong_client_key);
	tcase_add_test(tc, test_refused_and_silent_peers);
	tcase_add_test(tc, test_interrupt_unblocks_exec);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (access("/usr/sbin/sshd", X_OK) < 0) {
		fprintf(stderr, "test-transport: /usr/sbin/sshd is missing (apt-get install openssh-server)\n");
		return 77;
	}
	transport_ssh_global_init();
	SRunner *sr = srunner_create(transport_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
