/* transport.h: how the orchestrator reaches the guest agent. One table of operations, with a
 * real backend (SSH, transport-ssh.c) and test backends for the logic above it. */
#pragma once

#include <stdint.h>

#include "util.h"

struct transport_target {
	const char *host;     /* a loopback address */
	int port;
	const char *user;
	const char *key_path; /* private key; KEY.pub beside it */
	const char *host_key; /* pinned "TYPE BASE64" */
};

/* The output of a remote command, bounded: what exceeds the limit is counted, not kept. */
#define TRANSPORT_OUTPUT_MAX (256u * 1024)
struct transport_result {
	int exit_status;   /* -1 when killed by a signal or unknown */
	char *out, *err;   /* NUL-terminated, possibly binary; owned */
	size_t out_len, err_len;
	size_t out_dropped, err_dropped;
};
void transport_result_clear(struct transport_result *r);

struct transport_session;

struct transport_ops {
	const char *name;
	/* Connects, checks the pinned host key and authenticates before deadline (monotonic ms).
	 * 0, or negative errno: -ETIMEDOUT, -ECONNREFUSED, -EBADMSG (host key mismatch), -EACCES (auth). */
	int (*connect)(const struct transport_target *t, int64_t deadline, struct transport_session **out,
		       char **why);
	/* Runs command; 0 when it ran (whatever its exit status), negative errno otherwise. */
	int (*exec)(struct transport_session *s, const char *command, int64_t deadline, struct transport_result *r);
	/* Copies a local file to the guest (creating or truncating it) with mode. */
	int (*upload)(struct transport_session *s, const char *local, const char *remote, int mode, int64_t deadline);
	/* Creates a directory (one level; existing is fine). */
	int (*mkdir)(struct transport_session *s, const char *remote, int mode, int64_t deadline);
	/* Creates a symlink at remote pointing to target. */
	int (*symlink)(struct transport_session *s, const char *target, const char *remote, int64_t deadline);
	/* Makes any call blocked on the session fail at once; safe from another thread. */
	void (*interrupt)(struct transport_session *s);
	void (*close)(struct transport_session *s);
};

extern const struct transport_ops transport_ssh_ops;

/* Creates the library state once per process; not thread-safe itself. */
int transport_ssh_global_init(void);
