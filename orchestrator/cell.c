/*
 * cell.c: one cell of the matrix, from a fresh overlay to its verdict.
 *
 *   PROVISION ─► BOOT 0 ─► AGENT READY ─► INSTALL sensor ─► INSTALL content ─┐
 *                                                           (plan.push_live: PUSH it live)
 *   (overlay,     │ crash/hang:           │ exit != 0: INSTALL_FAILED         │
 *    domain)      ▼ INFRA_ERROR           ▼ crash event: CRASH (boot 0)       │
 *                                                                             ▼
 *        ┌──────────────── for boot 1..N ◄────────────────────────────────────┘
 *        │  reboot: agent "reboot" after a good boot, power cycle after a crash
 *        │  wait: CRASHED event ─► crash recorded ─► outcome "crashed"
 *        │        no agent by the deadline ─► "hung" (stop)
 *        │        agent answers with a new boot id ─► health ─► settle ─► "ok"/"unhealthy"
 *        │        (settle: the agent must keep answering; silence there is "hung" too)
 *        │  K consecutive crashes ─► stop (BOOT_LOOP)
 *        └─► verdict from the boot outcomes ─► (PASS: performance; kernel reports after install
 *            that boot 0 did not make: KERNEL_WARNING) ─► TEARDOWN (domain, overlay; console kept)
 *
 * Every boot's console is read for the reports the kernel survived when the next boot begins and
 * at the end (cell-reports.c); crashes are recorded the moment they are signalled.
 *
 * Anything the lab itself gets wrong (libvirt, SSH, the image before install) is INFRA_ERROR
 * and is retried as the plan allows; it is never a product verdict.
 */
#include "cell-internal.h"
#include "artifacts.h"
#include "console.h"
#include "json.h"
#include "log.h"
#include "stats.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONNECT_ATTEMPT_MS 1500
#define HEARTBEAT_MS 5000
#define REBOOT_GRACE_MS 1000
#define INFO_CALL_MS 10000
#define CONSOLE_READ_MAX (1u << 20)

bool cell_stopping(struct attempt *a)
{
	if (*a->env->stop)
		a->interrupted = true;
	return a->interrupted;
}

/* Sets the attempt's verdict once; later calls are ignored. */
void cell_conclude(struct attempt *a, enum verdict v, unsigned boot, char *reason, char *evidence)
{
	if (a->verdict != VERDICT_NONE) {
		free(reason);
		free(evidence);
		return;
	}
	a->verdict = v;
	a->boot_index = boot;
	a->reason = reason;
	a->evidence = evidence;
}


char *cell_dir_name(const char *key)
{
	char *s = xstrdup(key);
	for (char *p = s; *p; p++)
		if (*p == '/')
			*p = '_';
	return s;
}

/* The session is closed under the lock: the event hook may be interrupting it. */
static void session_close(struct attempt *a)
{
	pthread_mutex_lock(&a->lock);
	struct transport_session *s = a->session;
	a->session = NULL;
	pthread_mutex_unlock(&a->lock);
	if (s)
		a->env->transport->close(s);
}

static void set_evidence(struct attempt *a, char *text)
{
	pthread_mutex_lock(&a->lock);
	free(a->evidence);
	a->evidence = text;
	pthread_mutex_unlock(&a->lock);
}

static void on_domain_event(const struct lab_event *ev, void *data);

/* Provisioning: a fresh qcow2 overlay of the image's disk and a transient domain. */
static int provision(struct attempt *a)
{
	_cleanup_free_ char *why = NULL;
	int r;

	if ((r = mkdir_p(a->dir, 0755)) < 0) {
		infra(a, "cannot create %s: %s", a->dir, strerror(-r));
		return r;
	}
	a->overlay = path_join(a->dir, "disk.qcow2");
	a->console = path_join(a->dir, "console.log");
	unlink(a->overlay);
	unlink(a->console);
	char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", a->img->disk, a->overlay, NULL };
	if ((r = run_command(argv, 0, NULL, &why)) < 0) {
		infra(a, "qemu-img create of the overlay failed: %s", why ? why : strerror(-r));
		return r;
	}
	_cleanup_free_ char *owner = xasprintf("%s run=%lld cell=%lld dir=%s", a->env->owner, (long long)a->env->run_id,
					       (long long)a->cell_id, a->dir);
	/* the port is free when chosen but another process may take it first: try a few */
	for (int tries = 0; tries < 3; tries++) {
		a->port = lab_free_port("127.0.0.1");
		if (a->port < 0) {
			infra(a, "no free loopback port: %s", strerror(-a->port));
			return a->port;
		}
		struct lab_domain_spec spec = {
			.name = a->domain_name, .hw = a->hw, .kernel = a->img->kernel, .initrd = a->img->initrd,
			.cmdline = a->img->cmdline, .disk = a->overlay, .seed = a->img->seed, .console_path = a->console,
			.ssh_addr = "127.0.0.1", .ssh_port = a->port, .owner = owner,
			.on_event = on_domain_event, .event_data = a,
		};
		free(why);
		why = NULL;
		r = a->env->lab->ops->domain_start(a->env->lab, &spec, &a->dom, &why);
		if (r == 0)
			break;
		log_warnx("%s: domain start failed (try %d): %s", a->key, tries + 1, why);
	}
	if (r < 0) {
		infra(a, "the domain did not start: %s", why ? why : strerror(-r));
		return r;
	}
	a->target = (struct transport_target){
		.host = "127.0.0.1", .port = a->port, .user = a->img->agent_user, .key_path = a->img->agent_key,
		.host_key = a->img->agent_host_key,
	};
	return 0;
}

static void teardown(struct attempt *a)
{
	session_close(a);
	a->env->lab->ops->domain_destroy(a->dom);
	a->dom = NULL;
	if (a->overlay)
		unlink(a->overlay);
	/* the evidence of the attempt in one bounded archive, beside the files themselves */
	if (a->dir && artifacts_archive(a->dir) < 0)
		log_warnx("%s: the artifacts of attempt %u could not be archived", a->key, a->number);
}

char *cell_console_of_boot(struct attempt *a, size_t *len, off_t *from)
{
	char *text = NULL;
	int fd = open(a->console, O_RDONLY | O_CLOEXEC);
	*len = 0;
	if (from)
		*from = a->console_offset;
	if (fd < 0)
		return xstrdup("");
	struct stat st;
	off_t start = a->console_offset;
	if (fstat(fd, &st) == 0 && st.st_size - start > (off_t)CONSOLE_READ_MAX)
		start = st.st_size - CONSOLE_READ_MAX;
	if (fstat(fd, &st) < 0 || st.st_size < start) {
		close(fd);
		return xstrdup("");
	}
	text = xmalloc((size_t)(st.st_size - start) + 1);
	ssize_t n = pread(fd, text, (size_t)(st.st_size - start), start);
	close(fd);
	*len = n > 0 ? (size_t)n : 0;
	text[*len] = '\0';
	if (from)
		*from = start;
	return text;
}

static char *console_of_boot(struct attempt *a, size_t *len)
{
	return cell_console_of_boot(a, len, NULL);
}

/* The line number (from 1) of offset in text. */
static unsigned line_of(const char *text, size_t offset)
{
	unsigned line = 1;
	for (const char *p = text; (p = memchr(p, '\n', offset - (size_t)(p - text))); p++)
		line++;
	return line;
}

static off_t console_size(struct attempt *a)
{
	struct stat st;
	return stat(a->console, &st) == 0 ? st.st_size : 0;
}

/* Records a crash of boot `boot` seen through `source` (the event, or NULL for none).
 * Called with a->lock held, normally on the event thread. */
static void record_crash(struct attempt *a, unsigned boot, const struct lab_event *ev, const char *source)
{
	size_t len;
	struct console_crash cc;
	_cleanup_free_ char *text = console_of_boot(a, &len);
	console_classify(text, len, &cc);
	/* a report the kernel survived did not stop it: without a fatal one, the event names the crash */
	if (!cc.crashed)
		cc = (struct console_crash){ 0 };
	/* the lines before the crash and the report after it */
	_cleanup_free_ char *excerpt = cc.crashed ? console_excerpt(text, len, cc.offset, 20, EXCERPT_LINES, EXCERPT_BYTES)
						  : console_tail(text, len, EXCERPT_LINES, EXCERPT_BYTES);
	int64_t event_ms = ev ? ev->wall_ms : now_wall_ms();
	/* a Windows bugcheck reported by the hypervisor (hv-crash) names the crash when the console does not */
	_cleanup_free_ char *bug_title = NULL, *bug_reason = NULL;
	if (ev && ev->panic.has_args) {
		bug_title = xasprintf("bugcheck 0x%08X %s", ev->panic.code, bugcheck_name(ev->panic.code));
		bug_reason = xasprintf("%s (0x%08X; 0x%llX, 0x%llX, 0x%llX, 0x%llX)", bugcheck_name(ev->panic.code),
				       ev->panic.code, (unsigned long long)ev->panic.args[0], (unsigned long long)ev->panic.args[1],
				       (unsigned long long)ev->panic.args[2], (unsigned long long)ev->panic.args[3]);
	}
	const char *title = cc.title[0] ? cc.title : bug_title ? bug_title : (ev ? ev->what : "guest crashed");
	_cleanup_free_ char *signature = crash_signature(title, cc.function, cc.module);
	struct store_crash crash = {
		.attempt = a->number, .boot = boot, .fatal = true, .line = cc.crashed ? line_of(text, cc.offset) : 0,
		.kind = bug_title ? "bugcheck" : cc.kind[0] ? cc.kind : "panic",
		.source = bug_title ? "hv-crash" : source,
		.title = title,
		.module = cc.module[0] ? cc.module : NULL, .reason = bug_reason ? bug_reason : cc.reason[0] ? cc.reason : NULL,
		.event_ms = event_ms, .recorded_ms = now_wall_ms(), .console = excerpt,
		.function = cc.function[0] ? cc.function : NULL, .signature = signature,
	};
	store_crash_add(a->env->store, a->cell_id, &crash);
	char t_event[32], t_rec[32];
	log_info("%s: boot %u crashed: %s%s%s (event %s at %s, recorded at %s, +%lld ms)", a->key, boot, crash.title,
		 cc.function[0] ? " in " : "", cc.function,
		 ev ? ev->what : source, format_time_ms(event_ms, t_event, sizeof(t_event)) + 11,
		 format_time_ms(crash.recorded_ms, t_rec, sizeof(t_rec)) + 11, (long long)(crash.recorded_ms - event_ms));
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_printf(&sb, "%s %s on boot %u: %s", source, ev ? ev->what : "", boot, crash.title);
	if (cc.function[0])
		strbuf_printf(&sb, " in %s", cc.function);
	if (cc.module[0])
		strbuf_printf(&sb, " [%s]", cc.module);
	if (cc.reason[0])
		strbuf_printf(&sb, "; panic: %s", cc.reason);
	free(a->evidence);
	a->evidence = strbuf_steal(&sb);
}

/* On the lab's event thread: a crash is recorded the moment it is reported, and any SSH call
 * the cell thread is blocked in is cut short. */
static void on_domain_event(const struct lab_event *ev, void *data)
{
	struct attempt *a = data;
	pthread_mutex_lock(&a->lock);
	bool crash = ev->kind == LAB_EVENT_CRASHED || (ev->kind == LAB_EVENT_REBOOT && !a->reboot_requested);
	if (crash && !a->crashed) {
		/* a guest that resets by itself after a panic, without a panic device, shows as a REBOOT;
		 * a control VM's crash is not the cell's */
		if (!a->control)
			record_crash(a, a->boot, ev, ev->kind == LAB_EVENT_CRASHED ? "pvpanic" : "reboot");
		a->crashed = true;
		if (a->session)
			a->env->transport->interrupt(a->session);
	}
	pthread_mutex_unlock(&a->lock);
}

/* Starts bookkeeping for boot `boot`, after recording what the kernel reported on the last one. */
static void boot_begin(struct attempt *a, unsigned boot)
{
	reports_scan(a);
	pthread_mutex_lock(&a->lock);
	a->boot = boot;
	a->crashed = false;
	a->console_offset = console_size(a);
	pthread_mutex_unlock(&a->lock);
	a->reports.session++;
}

enum wait_result {
	WAIT_READY,
	WAIT_CRASHED,
	WAIT_HUNG,
	WAIT_FAILED, /* infra: concluded already */
};

/* Handles one lab event during a boot. Returns WAIT_CRASHED when it was a crash (recorded),
 * WAIT_FAILED when the domain died, WAIT_READY to go on. */
static enum wait_result handle_event(struct attempt *a, unsigned boot, const struct lab_event *ev)
{
	bool crashed;
	switch (ev->kind) {
	case LAB_EVENT_CRASHED:
	case LAB_EVENT_REBOOT:
		/* the hook saw the event first and recorded any crash */
		pthread_mutex_lock(&a->lock);
		crashed = a->crashed;
		pthread_mutex_unlock(&a->lock);
		return crashed ? WAIT_CRASHED : WAIT_READY;
	case LAB_EVENT_STOPPED:
		infra(a, "the domain stopped unexpectedly on boot %u (%s)", boot, ev->what);
		return WAIT_FAILED;
	default:
		return WAIT_READY;
	}
}

/* Watches events until deadline; WAIT_READY when nothing happened. */
static enum wait_result watch(struct attempt *a, unsigned boot, int64_t deadline)
{
	struct lab_event ev;
	while (!cell_stopping(a) && a->env->lab->ops->domain_wait_event(a->dom, deadline, &ev) == 0) {
		enum wait_result w = handle_event(a, boot, &ev);
		if (w != WAIT_READY)
			return w;
	}
	return cell_stopping(a) ? WAIT_FAILED : WAIT_READY;
}

/* Runs the agent with args; parses its JSON answer into *out. Returns the exit status (>= 0)
 * or a negative errno when the transport failed. */
int cell_agent_call(struct attempt *a, const char *args, int64_t timeout_ms, struct json **out, char **why)
{
	struct transport_result res;
	_cleanup_free_ char *cmd = xasprintf("%s --timeout %lld %s", a->img->agent_command,
					     (long long)(timeout_ms / 1000 > 0 ? timeout_ms / 1000 : 1), args);
	*out = NULL;
	int r = a->env->transport->exec(a->session, cmd, now_mono_ms() + timeout_ms + 5000, &res);
	if (r < 0) {
		*why = xasprintf("agent '%s' failed: %s", args, strerror(-r));
		transport_result_clear(&res);
		return r;
	}
	char *err = NULL;
	*out = json_parse(res.out, res.out_len, &err);
	if (!*out) {
		_cleanup_free_ char *shown = sanitize_text(res.out, res.out_len, 200);
		_cleanup_free_ char *shown_err = sanitize_text(res.err, res.err_len, 200);
		*why = xasprintf("agent '%s' answered no valid JSON (%s): '%s' %s", args, err, shown, shown_err);
		free(err);
		r = -EBADMSG;
	} else {
		r = res.exit_status;
	}
	transport_result_clear(&res);
	return r;
}

/* What the guest says it runs, kept with the cell (bounded and cleaned: the guest is untrusted). */
static void record_os(struct attempt *a, const struct json *info)
{
	const char *name = json_get_string(info, "os_name", ""), *version = json_get_string(info, "os_version", "");
	if (!*name)
		name = json_get_string(info, "os", "?");
	_cleanup_free_ char *raw = *version && !strstr(name, version) ? xasprintf("%s %s", name, version) : xstrdup(name);
	const char *release = json_get_string(info, "kernel", "");
	_cleanup_free_ char *os = sanitize_text(raw, strlen(raw), 120), *kernel = sanitize_text(release, strlen(release), 120);
	store_cell_os(a->env->store, a->cell_id, os, kernel);
}

enum guest_deadline cell_guest_deadline(int64_t elapsed_ms, int64_t waited_ms, int64_t deadline_ms)
{
	if (elapsed_ms - (waited_ms > 0 ? waited_ms : 0) >= deadline_ms)
		return GUEST_DEADLINE_PASSED;
	if (elapsed_ms >= deadline_ms * GUEST_WAIT_CAP)
		return GUEST_DEADLINE_STARVED;
	return GUEST_DEADLINE_RUNNING;
}

/* A deadline in the guest's time (cell_guest_deadline). */
struct guest_clock {
	int64_t start_ms, wait0_ms, deadline_ms; /* wait0_ms -1: the host does not say */
	int64_t waited_ms;                       /* at the last check */
};

static int64_t guest_cpu_wait(struct attempt *a)
{
	int64_t w = -1;
	const struct lab_ops *ops = a->env->lab->ops;
	if (!a->dom || !ops->domain_cpu_wait || ops->domain_cpu_wait(a->dom, &w) < 0)
		return -1;
	return w;
}

static void guest_clock_start(struct attempt *a, struct guest_clock *c, int64_t deadline_ms)
{
	*c = (struct guest_clock){ .start_ms = now_mono_ms(), .wait0_ms = guest_cpu_wait(a), .deadline_ms = deadline_ms };
}

static enum guest_deadline guest_clock_check(struct attempt *a, struct guest_clock *c)
{
	int64_t elapsed = now_mono_ms() - c->start_ms;
	if (elapsed < c->deadline_ms) /* nothing to ask the host yet */
		return GUEST_DEADLINE_RUNNING;
	int64_t now_wait = c->wait0_ms >= 0 ? guest_cpu_wait(a) : -1;
	/* a power cycle starts new vCPU threads and their counters at 0 */
	c->waited_ms = now_wait >= c->wait0_ms && c->wait0_ms >= 0 ? now_wait - c->wait0_ms : 0;
	return cell_guest_deadline(elapsed, c->waited_ms, c->deadline_ms);
}

/* The lab's failure to give a guest the time to be judged in. */
static enum wait_result starved(struct attempt *a, unsigned boot, const struct guest_clock *c, const char *what)
{
	infra(a, "boot %u: the host kept the VM waiting for a CPU %.0f s of the %.0f s it was given to %s: too busy "
		 "to tell a hang from a starved guest", boot, (double)c->waited_ms / 1000,
	      (double)(now_mono_ms() - c->start_ms) / 1000, what);
	return WAIT_FAILED;
}

/* Boot `boot`: waits for the agent of a new boot, the crash, or the deadline. */
static enum wait_result wait_agent(struct attempt *a, unsigned boot, int64_t *ready_ms)
{
	const struct plan *plan = &a->env->matrix->plan;
	int64_t start = now_mono_ms();
	enum guest_deadline gd = GUEST_DEADLINE_RUNNING;
	struct guest_clock clock;
	_cleanup_free_ char *last_why = NULL;

	guest_clock_start(a, &clock, plan->agent_deadline_ms);
	while (!cell_stopping(a)) {
		enum wait_result w = watch(a, boot, now_mono_ms() + 250);
		if (w != WAIT_READY)
			return w;
		if ((gd = guest_clock_check(a, &clock)) != GUEST_DEADLINE_RUNNING)
			break;
		int64_t deadline = clock.start_ms + plan->agent_deadline_ms * GUEST_WAIT_CAP;
		char *why = NULL;
		int64_t attempt_deadline = now_mono_ms() + CONNECT_ATTEMPT_MS;
		if (attempt_deadline > deadline)
			attempt_deadline = deadline;
		struct transport_session *session = NULL;
		int r = a->env->transport->connect(&a->target, attempt_deadline, &session, &why);
		if (r == -EBADMSG) {
			infra(a, "boot %u: %s", boot, why);
			free(why);
			return WAIT_FAILED;
		}
		if (r < 0) {
			free(last_why);
			last_why = why;
			continue;
		}
		pthread_mutex_lock(&a->lock);
		a->session = session;
		bool crashed = a->crashed;
		pthread_mutex_unlock(&a->lock);
		if (crashed) /* the hook could not interrupt a session it did not know yet */
			continue;
		struct json *info = NULL;
		r = cell_agent_call(a, "info", INFO_CALL_MS, &info, &why);
		const char *boot_id = json_get_string(info, "boot_id", "");
		if (r == 0 && *boot_id && !streq(boot_id, a->boot_id)) {
			if (boot == 0 && !a->control)
				record_os(a, info);
			snprintf(a->boot_id, sizeof(a->boot_id), "%s", boot_id);
			a->guest_uptime_ms = (int64_t)json_get_number(info, "uptime_ms", -1);
			*ready_ms = now_mono_ms() - start;
			json_free(info);
			pthread_mutex_lock(&a->lock);
			a->reboot_requested = false;
			pthread_mutex_unlock(&a->lock);
			return WAIT_READY;
		}
		/* the previous boot still answering, or an agent not ready yet */
		json_free(info);
		session_close(a);
		free(last_why);
		last_why = why ? why : xstrdup("the agent still reports the previous boot");
		if (r == -EBADMSG) {
			infra(a, "boot %u: %s", boot, last_why);
			return WAIT_FAILED;
		}
	}
	if (cell_stopping(a))
		return WAIT_FAILED;
	if (gd == GUEST_DEADLINE_STARVED)
		return starved(a, boot, &clock, "reach its agent");
	if (clock.waited_ms > 0)
		log_info("%s: boot %u: no agent in %lld s of the VM's time (%lld s of waiting for a host CPU added)", a->key,
			 boot, (long long)plan->agent_deadline_ms / 1000, (long long)clock.waited_ms / 1000);
	log_debug("%s: boot %u: no agent: %s", a->key, boot, last_why ? last_why : "?");
	return WAIT_HUNG;
}

/* Saves the guest's screen beside its console (the report shows it); best effort. */
static void capture_screen(struct attempt *a, unsigned boot)
{
	_cleanup_free_ char *path = xasprintf("%s/screenshot-boot%u.png", a->dir, boot);
	int r = a->env->lab->ops->domain_screenshot(a->dom, path);
	if (r < 0)
		log_debug("%s: no screenshot of boot %u: %s", a->key, boot, strerror(-r));
}

static void record_boot(struct attempt *a, unsigned boot, int64_t started_wall, int64_t ready_ms, enum boot_outcome o,
			const char *detail)
{
	store_boot_add(a->env->store, a->cell_id, a->number, boot, started_wall, ready_ms, boot_outcome_name(o), detail);
	if (boot > 0 && a->n_outcomes < MAX_BOOTS)
		a->outcomes[a->n_outcomes++] = o;
}

/* The evidence of a hang: the deadline and what the console said last. */
static char *hang_evidence(struct attempt *a, unsigned boot, char **excerpt)
{
	size_t len;
	_cleanup_free_ char *text = console_of_boot(a, &len);
	_cleanup_free_ char *last = console_last_line(text, len);
	*excerpt = console_tail(text, len, EXCERPT_LINES, EXCERPT_BYTES);
	return xasprintf("no agent within %llds on boot %u; last console line: '%s'",
			 (long long)(a->env->matrix->plan.agent_deadline_ms / 1000), boot, last);
}

/* The settle window: the guest must stay up and the agent keep answering. WAIT_READY when it
 * did, WAIT_CRASHED on a crash, WAIT_HUNG when the agent fell silent with no crash reported. */
static enum wait_result settle(struct attempt *a, unsigned boot)
{
	int64_t end = now_mono_ms() + a->env->matrix->plan.settle_ms;
	do {
		int64_t next = now_mono_ms() + 1000;
		enum wait_result w = watch(a, boot, next < end ? next : end);
		if (w != WAIT_READY)
			return w;
		struct json *ans = NULL;
		char *why = NULL;
		struct guest_clock clock;
		guest_clock_start(a, &clock, HEARTBEAT_MS);
		int r = cell_agent_call(a, "version", HEARTBEAT_MS, &ans, &why);
		json_free(ans);
		free(why);
		if (r != 0) {
			/* a crash explains the silence; a host that kept the VM from running during the
			 * heartbeat explains it too (the lab's failure); otherwise the guest hangs */
			w = watch(a, boot, now_mono_ms() + 2000);
			if (w != WAIT_READY)
				return w;
			if (guest_clock_check(a, &clock) == GUEST_DEADLINE_RUNNING && clock.waited_ms > 0)
				return starved(a, boot, &clock, "answer a heartbeat");
			return WAIT_HUNG;
		}
	} while (now_mono_ms() < end);
	return WAIT_READY;
}

/* One full boot: wait for the agent, check health (after install), watch it settle. */
static enum boot_outcome run_boot(struct attempt *a, unsigned boot, bool *failed)
{
	int64_t started_wall = now_wall_ms(), ready_ms = -1;
	*failed = false;

	enum wait_result w = wait_agent(a, boot, &ready_ms);
	if (w == WAIT_FAILED) {
		*failed = true;
		return BOOT_HUNG;
	}
	if (w == WAIT_CRASHED) {
		capture_screen(a, boot);
		record_boot(a, boot, started_wall, -1, BOOT_CRASHED, a->evidence);
		return BOOT_CRASHED;
	}
	if (w == WAIT_HUNG) {
		capture_screen(a, boot);
		_cleanup_free_ char *excerpt = NULL;
		_cleanup_free_ char *ev = hang_evidence(a, boot, &excerpt);
		_cleanup_free_ char *detail = xasprintf("%s\n%s", ev, excerpt);
		record_boot(a, boot, started_wall, -1, BOOT_HUNG, detail);
		set_evidence(a, xstrdup(ev));
		return BOOT_HUNG;
	}
	log_info("%s: boot %u: agent ready after %.1f s", a->key, boot, (double)ready_ms / 1000);
	int64_t ready_at = now_mono_ms();
	const char *phase = boot ? "" : a->in_baseline ? ".baseline" : ".before";
	_cleanup_free_ char *to_agent = xasprintf("boot_to_agent%s", phase), *guest_boot = xasprintf("guest_boot%s", phase);
	store_metric_add(a->env->store, a->cell_id, a->number, to_agent,
			 (double)ready_ms / 1000, "s", "host: from the start (or reboot request) to the agent's first answer");
	if (a->guest_uptime_ms >= 0)
		store_metric_add(a->env->store, a->cell_id, a->number, guest_boot,
				 (double)a->guest_uptime_ms / 1000, "s",
				 "guest: the kernel's uptime (CLOCK_BOOTTIME) when the agent first answered");

	enum boot_outcome outcome = BOOT_OK;
	_cleanup_free_ char *detail = NULL;
	if (boot > 0 || a->in_baseline) {
		struct json *health = NULL;
		char *why = NULL;
		int r = cell_agent_call(a, "health", AGENT_CALL_MS, &health, &why);
		if (r < 0) {
			/* the guest may have died under us: a crash event tells */
			enum wait_result cw = watch(a, boot, now_mono_ms() + 2000);
			free(why);
			json_free(health);
			if (cw == WAIT_CRASHED) {
				capture_screen(a, boot);
				record_boot(a, boot, started_wall, ready_ms, BOOT_CRASHED, a->evidence);
				return BOOT_CRASHED;
			}
			*failed = true;
			infra(a, "boot %u: health check failed", boot);
			return BOOT_HUNG;
		}
		if (!json_get_bool(health, "healthy", false)) {
			outcome = BOOT_UNHEALTHY;
			const struct json *pkgs = json_get(health, "packages");
			struct strbuf sb;
			strbuf_init(&sb);
			for (size_t i = 0; pkgs && pkgs->type == JSON_ARRAY && i < pkgs->n; i++) {
				if (json_get_bool(pkgs->items[i], "healthy", true))
					continue;
				const char *out = json_get_string(pkgs->items[i], "output", "");
				_cleanup_free_ char *name = sanitize_text(json_get_string(pkgs->items[i], "name", "?"),
									  strlen(json_get_string(pkgs->items[i], "name", "?")), 100);
				_cleanup_free_ char *o = sanitize_text(out, strlen(out), 500);
				strbuf_printf(&sb, "%s%s unhealthy on boot %u: %s", sb.len ? "; " : "", name, boot, o);
			}
			detail = strbuf_steal(&sb);
			set_evidence(a, xstrdup(detail));
		}
		json_free(health);
		free(why);
	}
	/* a crash, or silence, shortly after the agent came up still belongs to this boot */
	w = settle(a, boot);
	if (w == WAIT_FAILED) {
		*failed = true;
		return BOOT_HUNG;
	}
	if (w == WAIT_HUNG) {
		capture_screen(a, boot);
		size_t len;
		_cleanup_free_ char *text = console_of_boot(a, &len);
		_cleanup_free_ char *excerpt = console_tail(text, len, EXCERPT_LINES, EXCERPT_BYTES);
		_cleanup_free_ char *ev = xasprintf("agent heartbeat lost on boot %u, %.1f s after it answered; the domain "
						    "is still running", boot, (double)(now_mono_ms() - ready_at) / 1000);
		_cleanup_free_ char *hung_detail = xasprintf("%s\n%s", ev, excerpt);
		record_boot(a, boot, started_wall, ready_ms, BOOT_HUNG, hung_detail);
		set_evidence(a, xstrdup(ev));
		return BOOT_HUNG;
	}
	if (w == WAIT_CRASHED) {
		capture_screen(a, boot);
		record_boot(a, boot, started_wall, ready_ms, BOOT_CRASHED, a->evidence);
		return BOOT_CRASHED;
	}
	/* the baseline's boot is a boot 0 too: its detail tells it from the clean one */
	record_boot(a, boot, started_wall, ready_ms, outcome, detail ? detail : a->in_baseline ? a->perf.baseline_what : NULL);
	return outcome;
}

/* Uploads a package's payload and its description, then runs the agent's install. */
static int install_package(struct attempt *a, const struct package *p)
{
	const char *what = package_kind_name(p->kind);
	_cleanup_free_ char *remote = xasprintf("%s/%.16s", AGENT_PACKAGES, p->sha256);
	_cleanup_free_ char *mk = xasprintf("mkdir -p %s && rm -rf %s/* %s/.compatlab-*", remote, remote, remote);
	int64_t deadline = now_mono_ms() + a->env->matrix->plan.install_deadline_ms;
	struct transport_result res;
	char *why = NULL;
	int r;

	if ((r = a->env->transport->exec(a->session, mk, deadline, &res)) < 0 || res.exit_status != 0) {
		infra(a, "cannot create %s in the guest (%s)", remote, r < 0 ? strerror(-r) : "mkdir failed");
		transport_result_clear(&res);
		return -EIO;
	}
	transport_result_clear(&res);
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct package_entry *e = &p->entries[i];
		_cleanup_free_ char *dst = xasprintf("%s/%s", remote, e->path);
		_cleanup_free_ char *src = path_join(p->staging, e->path);
		if (e->dir)
			r = a->env->transport->mkdir(a->session, dst, 0755, deadline);
		else if (e->link)
			r = a->env->transport->symlink(a->session, e->link, dst, deadline);
		else
			r = a->env->transport->upload(a->session, src, dst, e->exec ? 0755 : 0644, deadline);
		if (r < 0) {
			infra(a, "upload of %s '%s' to the guest failed: %s", what, e->path, strerror(-r));
			return r;
		}
	}
	/* the description the agent reads: one key=value a line, values single-line by validation */
	_cleanup_free_ char *desc = xasprintf("name=%s\nversion=%s\nkind=%s\ninstall=%s\nuninstall=%s\nhealth=%s\npush=%s\n",
					      p->name, p->version, what, p->install, p->uninstall ? p->uninstall : "",
					      p->health ? p->health : "", p->push ? p->push : "");
	_cleanup_free_ char *local = path_join(a->dir, "package.desc");
	_cleanup_free_ char *dst = xasprintf("%s/.compatlab-package", remote);
	if ((r = write_file(local, desc, strlen(desc), 0644)) < 0 ||
	    (r = a->env->transport->upload(a->session, local, dst, 0644, deadline)) < 0) {
		infra(a, "upload of the %s description failed: %s", what, strerror(-r));
		return r;
	}
	unlink(local);

	struct json *ans = NULL;
	_cleanup_free_ char *args = xasprintf("install %s", remote);
	int64_t t0 = now_mono_ms();
	r = cell_agent_call(a, args, a->env->matrix->plan.install_deadline_ms, &ans, &why);
	if (r < 0) {
		/* did the guest crash while installing? */
		json_free(ans);
		if (watch(a, 0, now_mono_ms() + 2000) == WAIT_CRASHED) {
			capture_screen(a, 0);
			cell_conclude(a, VERDICT_CRASH, 0, xasprintf("crashed while installing %s %s %s", what, p->name, p->version),
				 xstrdup(a->evidence));
		} else {
			infra(a, "install of %s %s: %s", what, p->name, why);
		}
		free(why);
		return -EIO;
	}
	bool ok = json_get_bool(ans, "ok", false);
	const char *output = json_get_string(ans, "output", "");
	_cleanup_free_ char *out = sanitize_text(output, strlen(output), 2000);
	_cleanup_free_ char *metric = xasprintf("install_%s%s", what, a->in_baseline ? ".baseline" : "");
	store_metric_add(a->env->store, a->cell_id, a->number, metric, (double)(now_mono_ms() - t0) / 1000, "s",
			 "host: agent install call, upload excluded");
	if (!ok) {
		bool timed_out = json_get_bool(ans, "timed_out", false);
		cell_conclude(a, VERDICT_INSTALL_FAILED, 0,
			 xasprintf("%s %s %s: install %s", what, p->name, p->version,
				   timed_out ? "timed out" : "failed"),
			 xasprintf("install of %s %s %s exited %d%s: %s", what, p->name, p->version,
				   (int)json_get_number(ans, "exit", -1), timed_out ? " (timed out)" : "", out));
		json_free(ans);
		return -EIO;
	}
	json_free(ans);
	free(why);
	/* a live crash right after install */
	if (watch(a, 0, now_mono_ms() + 200) == WAIT_CRASHED) {
		capture_screen(a, 0);
		cell_conclude(a, VERDICT_CRASH, 0, xasprintf("crashed while installing %s %s", what, p->name), xstrdup(a->evidence));
		return -EIO;
	}
	log_info("%s: installed %s %s %s", a->key, what, p->name, p->version);
	return 0;
}

/* A live content push: the running sensor takes the installed content without a reboot.
 * A crash here is the cell's verdict, at boot 0, "on push". */
static int push_content(struct attempt *a, const struct package *p)
{
	_cleanup_free_ char *remote = xasprintf("%s/%.16s", AGENT_PACKAGES, p->sha256);
	_cleanup_free_ char *args = xasprintf("push %s", remote);
	struct json *ans = NULL;
	char *why = NULL;
	if (!p->push) {
		cell_conclude(a, VERDICT_INSTALL_FAILED, 0, xasprintf("content %s has no push command; the plan pushes live", p->name),
			 NULL);
		return -EINVAL;
	}
	int r = cell_agent_call(a, args, a->env->matrix->plan.install_deadline_ms, &ans, &why);
	bool ok = r == 0 && json_get_bool(ans, "ok", false);
	json_free(ans);
	free(why);
	if (watch(a, 0, now_mono_ms() + (ok ? 500 : 2000)) == WAIT_CRASHED) {
		capture_screen(a, 0);
		record_boot(a, 0, now_wall_ms(), -1, BOOT_CRASHED, a->evidence);
		cell_conclude(a, VERDICT_CRASH, 0, xasprintf("crashed on the live push of content %s %s", p->name, p->version),
			 xasprintf("on push: %s", a->evidence ? a->evidence : "crash"));
		return -EIO;
	}
	if (!ok) {
		cell_conclude(a, r < 0 ? VERDICT_INFRA_ERROR : VERDICT_INSTALL_FAILED, 0,
			 xasprintf("the live push of content %s %s failed", p->name, p->version), NULL);
		return -EIO;
	}
	log_info("%s: pushed content %s %s live", a->key, p->name, p->version);
	return 0;
}

/* After "agent reboot": the guest resets within a second; its REBOOT event says it did. One
 * reset comes as a burst of REBOOT events within milliseconds; a guest cannot boot to a panic in
 * under a second, so REBOOT events after a one-second grace are the guest's own (a panic without
 * a panic device resets the guest). */
static bool await_reboot(struct attempt *a)
{
	struct lab_event ev;
	int64_t deadline = now_mono_ms() + 15000;
	bool seen = false;
	while (a->env->lab->ops->domain_wait_event(a->dom, deadline, &ev) == 0) {
		if (ev.kind == LAB_EVENT_CRASHED || ev.kind == LAB_EVENT_STOPPED)
			return false;
		if (ev.kind == LAB_EVENT_REBOOT && !seen) {
			seen = true;
			deadline = now_mono_ms() + REBOOT_GRACE_MS;
		}
	}
	if (seen) {
		pthread_mutex_lock(&a->lock);
		a->reboot_requested = false;
		pthread_mutex_unlock(&a->lock);
	}
	return seen;
}

/* Starts boot `boot`: a clean reboot through the agent, or a power cycle after a crash or hang.
 * 0 when the boot is under way, 1 when the guest crashed while rebooting, <0 on infra failure. */
static int reboot_guest(struct attempt *a, unsigned boot, bool power_cycle)
{
	char *why = NULL;
	boot_begin(a, boot);
	if (!power_cycle && a->session) {
		struct json *ans = NULL;
		pthread_mutex_lock(&a->lock);
		a->reboot_requested = true;
		pthread_mutex_unlock(&a->lock);
		int r = cell_agent_call(a, "reboot", 10000, &ans, &why);
		json_free(ans);
		free(why);
		why = NULL;
		session_close(a);
		if (r == 0 && await_reboot(a))
			return 0;
		pthread_mutex_lock(&a->lock);
		bool crashed = a->crashed;
		pthread_mutex_unlock(&a->lock);
		if (crashed)
			return 1; /* it crashed on the way down: that is this boot's outcome */
		log_warnx("%s: the guest did not reboot on request; power-cycling", a->key);
	}
	session_close(a);
	pthread_mutex_lock(&a->lock);
	a->reboot_requested = false;
	pthread_mutex_unlock(&a->lock);
	boot_begin(a, boot);
	if (a->env->lab->ops->domain_power_cycle(a->dom, &why) < 0) {
		infra(a, "power cycle before boot %u failed: %s", boot, why);
		free(why);
		return -EIO;
	}
	return 0;
}

/* The plan's baseline: the pinned sensor and content, installed and booted into before the
 * candidates, so that the workload's "before" runs under them; the candidates are then installed
 * over them, as an upgrade. A baseline that does not install or boot cleanly is not the
 * candidates' failure: the cell could not be measured (INFRA_ERROR, naming the baseline). */
static int install_baseline(struct attempt *a)
{
	const struct package *sensor = a->env->baseline_sensor, *content = a->env->baseline_content;
	bool failed = false;
	int r = 0;

	a->in_baseline = true;
	if (install_package(a, sensor) < 0 || (content && install_package(a, content) < 0)) {
		r = -EIO;
	} else if ((r = reboot_guest(a, 0, false)) == 1) {
		capture_screen(a, 0);
		record_boot(a, 0, now_wall_ms(), -1, BOOT_CRASHED, a->evidence);
		cell_conclude(a, VERDICT_CRASH, 0, xstrdup("crashed on the way into its boot"),
			 a->evidence ? xstrdup(a->evidence) : NULL);
		r = -EIO;
	} else if (r == 0) {
		enum boot_outcome o = run_boot(a, 0, &failed);
		if (!failed && o != BOOT_OK)
			cell_conclude(a, VERDICT_INFRA_ERROR, 0, xasprintf("boot 0 %s", boot_outcome_name(o)),
				 a->evidence ? xstrdup(a->evidence) : NULL);
		if (failed || o != BOOT_OK)
			r = -EIO;
	}
	a->in_baseline = false;
	if (r < 0 && a->verdict != VERDICT_NONE) {
		char *reason = xasprintf("the baseline (%s %s%s%s) did not run, so nothing could be measured against it: %s: %s",
					 sensor->name, sensor->version, content ? " with content " : "", content ? content->name : "",
					 verdict_name(a->verdict), a->reason ? a->reason : "");
		free(a->reason);
		a->reason = reason;
		a->verdict = VERDICT_INFRA_ERROR;
		a->boot_index = 0;
	}
	return r;
}

struct attempt *cell_control_start(struct attempt *a)
{
	struct attempt *c = xzalloc(sizeof(*c));
	*c = (struct attempt){
		.env = a->env, .cell = a->cell, .cell_id = a->cell_id, .number = a->number, .img = a->img, .hw = a->hw,
		.key = xasprintf("%s (control)", a->key), .dir = xasprintf("%s/control", a->dir),
		.domain_name = xasprintf("%s-ctl", a->domain_name), .control = true,
	};
	pthread_mutex_init(&c->lock, NULL);
	if (provision(c) < 0) {
		log_warnx("%s: %s", c->key, c->reason);
		cell_control_stop(c);
		return NULL;
	}
	return c;
}

int cell_control_ready(struct attempt *c, char **why)
{
	int64_t ready_ms;
	if (c->session)
		return 0;
	enum wait_result w = wait_agent(c, 0, &ready_ms);
	if (w == WAIT_READY) {
		log_info("%s: agent ready", c->key);
		return 0;
	}
	*why = xasprintf("%s", w == WAIT_CRASHED ? "it crashed" : w == WAIT_HUNG ? "no agent by the deadline"
							 : c->reason ? c->reason : "it failed");
	return -EIO;
}

void cell_control_stop(struct attempt *c)
{
	if (!c)
		return;
	teardown(c);
	free(c->key);
	free(c->dir);
	free(c->domain_name);
	free(c->overlay);
	free(c->console);
	free(c->reason);
	free(c->evidence);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void attempt_run(struct attempt *a)
{
	const struct plan *plan = &a->env->matrix->plan;
	bool failed;

	if (provision(a) < 0)
		return;
	/* a performance plan's control VM boots beside the cell's own */
	if (plan->workload_reps && !(a->perf.control = cell_control_start(a))) {
		infra(a, "the control VM for the performance comparison did not start");
		return;
	}

	/* boot 0: the clean image must come up before anything is installed */
	enum boot_outcome o = run_boot(a, 0, &failed);
	if (failed)
		return;
	if (o != BOOT_OK) {
		infra(a, "the image did not boot cleanly before install (boot 0 %s): %s", boot_outcome_name(o),
		      a->evidence ? a->evidence : "");
		return;
	}
	perf_resources(a, false);
	if (a->env->baseline_sensor) {
		const struct package *bs = a->env->baseline_sensor, *bc = a->env->baseline_content;
		a->perf.baseline_what = bc ? xasprintf(BOOT_BASELINE_PREFIX "%s %s with content %s %s, after a boot into them",
						  bs->name, bs->version, bc->name, bc->version)
				      : xasprintf(BOOT_BASELINE_PREFIX "%s %s, after a boot into it", bs->name, bs->version);
		if (install_baseline(a) < 0)
			return;
	} else {
		a->perf.baseline_what = xstrdup("no sensor (boot 0, before install)");
	}
	if (plan->workload_reps && perf_measure(a, PERF_BEFORE) < 0)
		return;
	reports_install_begins(a);
	if (install_package(a, a->sensor) < 0 || install_package(a, a->content) < 0)
		return;
	if (plan->push_live && push_content(a, a->content) < 0)
		return;

	bool cycle = false;
	for (unsigned boot = 1; boot <= plan->boots && !cell_stopping(a); boot++) {
		int r = reboot_guest(a, boot, cycle);
		if (r < 0)
			return;
		if (r == 1) {
			capture_screen(a, boot);
			o = BOOT_CRASHED;
			record_boot(a, boot, now_wall_ms(), -1, o, a->evidence);
		} else {
			o = run_boot(a, boot, &failed);
		}
		if (failed)
			return;
		cycle = o == BOOT_CRASHED || o == BOOT_HUNG;
		if (o == BOOT_HUNG)
			break;
		/* a boot loop is established: more boots would only repeat it */
		unsigned run = 0;
		for (size_t i = a->n_outcomes; i > 0 && a->outcomes[i - 1] == BOOT_CRASHED; i--)
			run++;
		if (run >= plan->boot_loop_after)
			break;
	}
	if (cell_stopping(a))
		return;
	unsigned idx;
	enum verdict v = verdict_from_boots(a->outcomes, a->n_outcomes, plan->boot_loop_after, &idx);
	if (v == VERDICT_PASS)
		perf_resources(a, true);
	if (v == VERDICT_PASS && plan->workload_reps && (perf_measure(a, PERF_AFTER) < 0 || perf_judge(a) < 0))
		return;
	/* the last boot's reports, the workload's time included */
	reports_scan(a);
	if (v == VERDICT_PASS)
		reports_judge(a);
	unsigned crashes = 0;
	for (size_t i = 0; i < a->n_outcomes; i++)
		crashes += a->outcomes[i] == BOOT_CRASHED;
	char *reason;
	switch (v) {
	case VERDICT_BOOT_LOOP:
		reason = xasprintf("crashed on %u of %zu boots after install, consecutively from boot %u", crashes,
				   a->n_outcomes, idx);
		break;
	case VERDICT_CRASH: reason = xasprintf("crashed on boot %u of %zu after install", idx, a->n_outcomes); break;
	case VERDICT_HANG: reason = xasprintf("hung on boot %u after install", idx); break;
	case VERDICT_SENSOR_UNHEALTHY: reason = xasprintf("sensor unhealthy on boot %u", idx); break;
	default: reason = xasprintf("%zu boots after install, all healthy", a->n_outcomes); break;
	}
	cell_conclude(a, v, idx, reason, v == VERDICT_PASS ? NULL : (a->evidence ? xstrdup(a->evidence) : NULL));
}

enum verdict cell_execute(struct cell_env *env, const struct cell *cell, int64_t cell_id)
{
	const struct matrix *m = env->matrix;
	_cleanup_free_ char *key = matrix_cell_key(m, cell);
	_cleanup_free_ char *dirname = cell_dir_name(key);
	enum verdict v = VERDICT_NONE;

	for (unsigned tries = 0; tries <= m->plan.retries && !*env->stop; tries++) {
		struct attempt a = {
			.env = env, .cell = cell, .cell_id = cell_id, .key = key,
			.img = env->images[cell->image], .hw = &m->hardware[cell->hardware],
			.sensor = env->sensors[cell->sensor], .content = env->contents[cell->content],
		};
		if (store_cell_begin(env->store, cell_id, &a.number) < 0)
			return VERDICT_NONE;
		pthread_mutex_init(&a.lock, NULL);
		a.dir = xasprintf("%s/%s/attempt-%u", env->run_dir, dirname, a.number);
		a.domain_name = xasprintf(CELL_DOMAIN_PREFIX "r%lld-c%lld-a%u", (long long)env->run_id, (long long)cell_id,
					  a.number);
		log_info("%s: attempt %u (%s)", key, a.number, a.domain_name);
		attempt_run(&a);
		reports_scan(&a); /* an attempt cut short: what its last boot reported, for the record */
		teardown(&a);
		v = a.verdict;
		bool retry = v == VERDICT_INFRA_ERROR && tries < m->plan.retries && !*env->stop;
		if (v == VERDICT_INFRA_ERROR)
			log_warnx("%s: INFRA_ERROR: %s%s", key, a.reason, retry ? " (retrying)" : "");
		if (!a.interrupted && !retry && v != VERDICT_NONE) {
			store_cell_finish(env->store, cell_id, v, a.boot_index, a.reason, a.evidence, a.perf_outcome);
			log_info("%s: %s: %s", key, verdict_name(v), a.reason);
		}
		if (a.interrupted)
			v = VERDICT_NONE;
		free(a.reason);
		free(a.evidence);
		perf_state_clear(&a.perf);
		reports_state_clear(&a.reports);
		free(a.dir);
		free(a.domain_name);
		free(a.overlay);
		free(a.console);
		pthread_mutex_destroy(&a.lock);
		if (!retry)
			break;
	}
	return v;
}
