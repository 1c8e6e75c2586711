/* transport-ssh.c: the guest transport over SSH (libssh2), fully non-blocking with our own
 * deadlines (libssh2 1.10 ignores its timeout in non-blocking mode), a pinned host key,
 * exec with both streams and the exit status, and SFTP upload. */
#include "transport.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct transport_session {
	int fd;
	LIBSSH2_SESSION *session;
	LIBSSH2_SFTP *sftp;
};

void transport_result_clear(struct transport_result *r)
{
	free(r->out);
	free(r->err);
	*r = (struct transport_result){ 0 };
}

int transport_ssh_global_init(void)
{
	return libssh2_init(0) == 0 ? 0 : -EIO;
}

/* Waits until the socket can move in the direction libssh2 is blocked on. */
static int wait_socket(struct transport_session *s, int64_t deadline)
{
	int64_t left = deadline - now_mono_ms();
	if (left <= 0)
		return -ETIMEDOUT;
	int dir = libssh2_session_block_directions(s->session);
	struct pollfd pfd = { .fd = s->fd, .events = 0 };
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	if (!pfd.events)
		pfd.events = POLLIN;
	int n = poll(&pfd, 1, (int)(left > 200 ? 200 : left));
	if (n < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* Repeats a libssh2 call while it answers EAGAIN, until the deadline. */
#define SSH_RETRY(s, deadline, expr) \
	({ \
		__typeof__(expr) _rc; \
		for (;;) { \
			_rc = (expr); \
			if (_rc != LIBSSH2_ERROR_EAGAIN) \
				break; \
			if (wait_socket((s), (deadline)) == -ETIMEDOUT) \
				break; \
		} \
		_rc; \
	})

#define SSH_RETRY_PTR(s, deadline, expr) \
	({ \
		__typeof__(expr) _p; \
		for (;;) { \
			_p = (expr); \
			if (_p || libssh2_session_last_errno((s)->session) != LIBSSH2_ERROR_EAGAIN) \
				break; \
			if (wait_socket((s), (deadline)) == -ETIMEDOUT) \
				break; \
		} \
		_p; \
	})

static int tcp_connect(const char *host, int port, int64_t deadline, int *out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int r = -errno;
		close(fd);
		return r;
	}
	for (;;) {
		int64_t left = deadline - now_mono_ms();
		if (left <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			close(fd);
			return -soerr;
		}
		*out = fd;
		return 0;
	}
}

/* Checks the server's host key against the pinned one ("TYPE BASE64"). */
static int check_host_key(struct transport_session *s, const struct transport_target *t, char **why)
{
	size_t len;
	int type;
	const char *key = libssh2_session_hostkey(s->session, &len, &type);
	if (!key) {
		*why = xstrdup("the server sent no host key");
		return -EBADMSG;
	}
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s->session);
	if (!kh)
		return -ENOMEM;
	_cleanup_free_ char *line = xasprintf("[%s]:%d %s\n", t->host, t->port, t->host_key);
	int r = 0;
	if (libssh2_knownhost_readline(kh, line, strlen(line), LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		*why = xasprintf("the catalog's host key '%.40s' cannot be parsed", t->host_key);
		r = -EINVAL;
		goto out;
	}
	int typemask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW;
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: typemask |= LIBSSH2_KNOWNHOST_KEY_SSHRSA; break;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: typemask |= LIBSSH2_KNOWNHOST_KEY_ED25519; break;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: typemask |= LIBSSH2_KNOWNHOST_KEY_ECDSA_256; break;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: typemask |= LIBSSH2_KNOWNHOST_KEY_ECDSA_384; break;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: typemask |= LIBSSH2_KNOWNHOST_KEY_ECDSA_521; break;
	default: typemask |= LIBSSH2_KNOWNHOST_KEY_UNKNOWN; break;
	}
	int check = libssh2_knownhost_checkp(kh, t->host, t->port, key, len, typemask, NULL);
	if (check != LIBSSH2_KNOWNHOST_CHECK_MATCH) {
		*why = xasprintf("host key of %s:%d does not match the pinned key (%s)", t->host, t->port,
				 check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ? "mismatch" : "not found");
		r = -EBADMSG;
	}
out:
	libssh2_knownhost_free(kh);
	return r;
}

static void session_free(struct transport_session *s)
{
	if (!s)
		return;
	if (s->sftp)
		libssh2_sftp_shutdown(s->sftp);
	if (s->session) {
		/* a best-effort goodbye; never wait on a guest that may be gone */
		libssh2_session_disconnect(s->session, "bye");
		libssh2_session_free(s->session);
	}
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static int ssh_connect(const struct transport_target *t, int64_t deadline, struct transport_session **out, char **why)
{
	struct transport_session *s = xzalloc(sizeof(*s));
	_cleanup_free_ char *pub = xasprintf("%s.pub", t->key_path);
	int r, rc;

	s->fd = -1;
	*why = NULL;
	if ((r = tcp_connect(t->host, t->port, deadline, &s->fd)) < 0) {
		*why = xasprintf("connect to %s:%d: %s", t->host, t->port, strerror(-r));
		goto fail;
	}
	s->session = libssh2_session_init();
	if (!s->session) {
		r = -ENOMEM;
		goto fail;
	}
	libssh2_session_set_blocking(s->session, 0);
	rc = SSH_RETRY(s, deadline, libssh2_session_handshake(s->session, s->fd));
	if (rc) {
		r = rc == LIBSSH2_ERROR_EAGAIN ? -ETIMEDOUT : -ECONNRESET;
		*why = xasprintf("SSH handshake with %s:%d failed (%d)", t->host, t->port, rc);
		goto fail;
	}
	if ((r = check_host_key(s, t, why)) < 0)
		goto fail;
	rc = SSH_RETRY(s, deadline, libssh2_userauth_publickey_fromfile_ex(s->session, t->user, (unsigned)strlen(t->user),
									   access(pub, R_OK) == 0 ? pub : NULL,
									   t->key_path, NULL));
	if (rc) {
		char *msg = NULL;
		libssh2_session_last_error(s->session, &msg, NULL, 0);
		r = rc == LIBSSH2_ERROR_EAGAIN ? -ETIMEDOUT : -EACCES;
		*why = xasprintf("SSH authentication as %s failed: %s", t->user, msg ? msg : "?");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	session_free(s);
	return r;
}

static void collect(char **buf, size_t *len, size_t *dropped, const char *data, size_t n)
{
	size_t room = TRANSPORT_OUTPUT_MAX - *len;
	size_t take = n < room ? n : room;
	*buf = xrealloc(*buf, *len + take + 1);
	memcpy(*buf + *len, data, take);
	*len += take;
	(*buf)[*len] = '\0';
	*dropped += n - take;
}

static int ssh_exec(struct transport_session *s, const char *command, int64_t deadline, struct transport_result *r)
{
	LIBSSH2_CHANNEL *ch;
	char buf[16384];
	int rc, ret = 0;

	*r = (struct transport_result){ .exit_status = -1, .out = xstrdup(""), .err = xstrdup("") };
	ch = SSH_RETRY_PTR(s, deadline, libssh2_channel_open_session(s->session));
	if (!ch)
		return now_mono_ms() >= deadline ? -ETIMEDOUT : -ECONNRESET;
	rc = SSH_RETRY(s, deadline, libssh2_channel_exec(ch, command));
	if (rc) {
		ret = rc == LIBSSH2_ERROR_EAGAIN ? -ETIMEDOUT : -EIO;
		goto out;
	}
	for (;;) {
		bool progress = false;
		ssize_t n;
		while ((n = libssh2_channel_read(ch, buf, sizeof(buf))) > 0) {
			collect(&r->out, &r->out_len, &r->out_dropped, buf, (size_t)n);
			progress = true;
		}
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			ret = -ECONNRESET;
			goto out;
		}
		while ((n = libssh2_channel_read_stderr(ch, buf, sizeof(buf))) > 0) {
			collect(&r->err, &r->err_len, &r->err_dropped, buf, (size_t)n);
			progress = true;
		}
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			ret = -ECONNRESET;
			goto out;
		}
		if (libssh2_channel_eof(ch))
			break;
		if (!progress && wait_socket(s, deadline) == -ETIMEDOUT) {
			ret = -ETIMEDOUT;
			goto out;
		}
	}
	/* the exit status is only known once the channel is closed */
	rc = SSH_RETRY(s, deadline, libssh2_channel_close(ch));
	if (rc == 0) {
		SSH_RETRY(s, deadline, libssh2_channel_wait_closed(ch));
		char *signal = NULL;
		libssh2_channel_get_exit_signal(ch, &signal, NULL, NULL, NULL, NULL, NULL);
		r->exit_status = signal ? -1 : libssh2_channel_get_exit_status(ch);
		libssh2_free(s->session, signal);
	}
out:
	libssh2_channel_free(ch);
	return ret;
}

static int sftp_start(struct transport_session *s, int64_t deadline)
{
	if (s->sftp)
		return 0;
	s->sftp = SSH_RETRY_PTR(s, deadline, libssh2_sftp_init(s->session));
	return s->sftp ? 0 : (now_mono_ms() >= deadline ? -ETIMEDOUT : -EPROTO);
}

static int ssh_upload(struct transport_session *s, const char *local, const char *remote, int mode, int64_t deadline)
{
	int r = sftp_start(s, deadline);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(local, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	LIBSSH2_SFTP_HANDLE *h = SSH_RETRY_PTR(s, deadline,
		libssh2_sftp_open_ex(s->sftp, remote, (unsigned)strlen(remote),
				     LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, mode, LIBSSH2_SFTP_OPENFILE));
	if (!h)
		return now_mono_ms() >= deadline ? -ETIMEDOUT : -EIO;
	char buf[32768];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = SSH_RETRY(s, deadline, libssh2_sftp_write(h, buf + off, (size_t)(n - off)));
			if (w < 0) {
				r = w == LIBSSH2_ERROR_EAGAIN ? -ETIMEDOUT : -EIO;
				goto out;
			}
			off += w;
		}
	}
out:
	SSH_RETRY(s, deadline, libssh2_sftp_close_handle(h));
	return r;
}

static int ssh_mkdir(struct transport_session *s, const char *remote, int mode, int64_t deadline)
{
	int r = sftp_start(s, deadline);
	if (r < 0)
		return r;
	int rc = SSH_RETRY(s, deadline, libssh2_sftp_mkdir_ex(s->sftp, remote, (unsigned)strlen(remote), mode));
	if (rc == 0)
		return 0;
	if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && libssh2_sftp_last_error(s->sftp) == LIBSSH2_FX_FILE_ALREADY_EXISTS)
		return 0;
	if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && libssh2_sftp_last_error(s->sftp) == LIBSSH2_FX_FAILURE) {
		/* OpenSSH's sftp-server answers a plain failure for an existing directory */
		LIBSSH2_SFTP_ATTRIBUTES attrs;
		if (SSH_RETRY(s, deadline, libssh2_sftp_stat_ex(s->sftp, remote, (unsigned)strlen(remote), LIBSSH2_SFTP_STAT, &attrs)) == 0 &&
		    LIBSSH2_SFTP_S_ISDIR(attrs.permissions))
			return 0;
	}
	return rc == LIBSSH2_ERROR_EAGAIN ? -ETIMEDOUT : -EIO;
}

/* Quotes s for a POSIX shell: 'it'\''s' */
static void shell_quote(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_puts(sb, "'\\''");
		else
			strbuf_putc(sb, *s);
	}
	strbuf_putc(sb, '\'');
}

/* SFTP's SYMLINK request is implemented with its arguments in either order across servers;
 * "ln -s" over the exec channel means the same thing everywhere a POSIX shell runs. */
static int ssh_symlink(struct transport_session *s, const char *target, const char *remote, int64_t deadline)
{
	struct strbuf cmd;
	struct transport_result r;
	strbuf_init(&cmd);
	strbuf_puts(&cmd, "ln -sfn ");
	shell_quote(&cmd, target);
	strbuf_putc(&cmd, ' ');
	shell_quote(&cmd, remote);
	int rc = ssh_exec(s, cmd.buf, deadline, &r);
	if (rc == 0 && r.exit_status != 0)
		rc = -EIO;
	transport_result_clear(&r);
	strbuf_release(&cmd);
	return rc;
}

static void ssh_interrupt(struct transport_session *s)
{
	if (s && s->fd >= 0)
		shutdown(s->fd, SHUT_RDWR);
}

const struct transport_ops transport_ssh_ops = {
	.name = "ssh",
	.connect = ssh_connect,
	.exec = ssh_exec,
	.upload = ssh_upload,
	.mkdir = ssh_mkdir,
	.symlink = ssh_symlink,
	.interrupt = ssh_interrupt,
	.close = session_free,
};
