/* cell-internal.h: what the phases of a cell share: the attempt in progress and the calls the
 * state machine (cell.c) lends its phases (cell-perf.c, cell-reports.c). */
#pragma once

#include <pthread.h>

#include "cell.h"
#include "json.h"
#include "stats.h"

#define MAX_BOOTS 101
#define AGENT_PACKAGES "/var/lib/compatlab-agent/packages"
#define AGENT_CALL_MS 30000
#define EXCERPT_LINES 60
#define EXCERPT_BYTES (16u * 1024)

/* The performance phase's state (cell-perf.c). */
enum perf_phase { PERF_BEFORE, PERF_AFTER, PERF_CONFIRM, PERF_PHASES };

struct perf_rep {
	double rate[2];       /* operations per second: process creation, file operations */
	double control[2];    /* the same, measured at the same time in the control VM */
	double control_calib[2];
	double calib[2];      /* calibration units per second, measured next to each */
	double drift;         /* |calibration rate, second half of the slices / first half - 1|: the
			       * host's speed changed during the repetition (the larger of both VMs') */
	double asymmetry;     /* the faster VM's calibration rate / the slower's - 1: how differently
			       * the host treated the cell's VM and the control */
	double host_cpu_pressure, host_io_pressure; /* host's /proc/pressure "some" share, %; < 0 unknown */
	double host_cpu_busy; /* host's CPU busy share, %; < 0 unknown */
};

struct perf_state {
	struct attempt *control;            /* the control VM */
	struct perf_rep *reps[PERF_PHASES]; /* the repetitions kept */
	size_t n[PERF_PHASES];
	unsigned disturbed[PERF_PHASES];    /* repetitions measured again because the host moved */
	char *baseline_what;     /* what the workload before install ran on, for the metrics' method */
	char **modules_before;   /* kernel modules loaded at boot 0, before install */
	size_t n_modules_before;
	bool modules_known;      /* boot 0 listed its modules */
};

/* The kernel reports of an attempt (cell-reports.c). A "session" is one boot of the kernel: the
 * clean boot 0 and the boot into a plan's baseline are both boot 0, but two sessions. */
struct reports_seen {
	unsigned session;
	char *signature;
};

struct reports_state {
	unsigned session;          /* the boot in progress, counting from 0 */
	bool installing;           /* the versions under test are being (or were) installed */
	unsigned install_session;  /* the session they were installed in */
	off_t install_offset;      /* where its console stood when their install began */
	struct reports_seen *seen; /* recorded already: one record per report and session */
	size_t n_seen;
	char **before;             /* signatures of the reports made before their install */
	size_t n_before;
	size_t n_new;              /* reports after install that were not made before it */
	unsigned new_sessions, last_new_session;
	unsigned first_boot;       /* the first of them: its boot, and the evidence */
	char *first_what, *first_evidence;
};

struct attempt {
	struct cell_env *env;
	const struct cell *cell;
	int64_t cell_id;
	unsigned number;
	const struct image *img;
	const struct hardware_profile *hw;
	const struct package *sensor, *content;
	char *key, *dir, *overlay, *console, *domain_name;
	struct lab_domain *dom;
	struct transport_session *session;
	struct transport_target target;
	int port;
	char boot_id[64];
	/* shared with the event hook, which runs on the lab's event thread */
	pthread_mutex_t lock;
	unsigned boot;          /* the boot in progress */
	bool crashed;           /* the hook recorded a crash of this boot */
	bool reboot_requested;  /* REBOOT events are ours until the reset has happened */
	off_t console_offset;   /* where this boot's console output starts */
	enum boot_outcome outcomes[MAX_BOOTS];
	size_t n_outcomes;
	int64_t guest_uptime_ms; /* the guest kernel's uptime when its agent first answered */
	bool in_baseline;        /* booted into the plan's baseline versions, before the candidates */
	struct perf_state perf;
	struct reports_state reports;
	/* outcome of the attempt */
	enum verdict verdict;
	unsigned boot_index;
	char *reason;
	char *evidence;
	const char *perf_outcome; /* "pass", "regression", "inconclusive"; NULL when not measured */
	bool interrupted;
	bool control;             /* a performance plan's control VM, not the cell's own */
};

/* True once the run is being stopped (the attempt is then interrupted). */
bool cell_stopping(struct attempt *a);

/* Deadlines on a guest count the time it could run: the wall time since the deadline's start
 * minus what its vCPUs waited for a host CPU meanwhile (libvirt's vcpu.N.delay). A busy host
 * stretches them, up to GUEST_WAIT_CAP deadlines of wall time; beyond that the host is too busy
 * to tell a hang from a starved guest, and no product verdict is given. */
#define GUEST_WAIT_CAP 4
enum guest_deadline {
	GUEST_DEADLINE_RUNNING, /* not passed yet */
	GUEST_DEADLINE_PASSED,  /* the guest could run for the whole deadline */
	GUEST_DEADLINE_STARVED, /* the cap passed first: the host kept the guest waiting */
};
enum guest_deadline cell_guest_deadline(int64_t elapsed_ms, int64_t waited_ms, int64_t deadline_ms);
/* Sets the attempt's verdict once (takes reason and evidence); later calls are ignored. */
void cell_conclude(struct attempt *a, enum verdict v, unsigned boot, char *reason, char *evidence);
#define infra(a, ...) cell_conclude((a), VERDICT_INFRA_ERROR, 0, xasprintf(__VA_ARGS__), NULL)
/* Runs the agent with args; parses its JSON answer into *out. Returns the exit status (>= 0)
 * or a negative errno when the transport failed (*why says why). */
int cell_agent_call(struct attempt *a, const char *args, int64_t timeout_ms, struct json **out, char **why);

/* The console output of the current boot (the last CONSOLE_READ_MAX bytes of it), NUL-terminated;
 * *start says where in the console file it begins (may be NULL). */
char *cell_console_of_boot(struct attempt *a, size_t *len, off_t *start);

/* cell-reports.c */
/* Records the reports the kernel made and survived on the current boot that are not recorded yet
 * (crashes are the crash path's). Cheap enough to call at every step: the console of one boot is
 * read again. */
void reports_scan(struct attempt *a);
/* The versions under test are about to be installed: reports from here on count. */
void reports_install_begins(struct attempt *a);
/* Called once the boots after install passed (and the performance comparison, if any): a report
 * after install that was not made before it makes the cell KERNEL_WARNING, unless the plan only
 * records them. A verdict already reached stands, but a PASS (performance inconclusive) yields. */
void reports_judge(struct attempt *a);
void reports_state_clear(struct reports_state *rs);

/* A performance plan's control VM: the same image and hardware, never given the sensor, started
 * beside the cell's own (cell-perf.c pairs every repetition with it). Its crashes are not
 * recorded as the cell's. NULL when it did not start (logged). */
struct attempt *cell_control_start(struct attempt *a);
/* Waits for the control's agent. 0, or -EIO with *why. */
int cell_control_ready(struct attempt *c, char **why);
/* Destroys the control VM and frees it; NULL is fine. */
void cell_control_stop(struct attempt *c);

/* cell-perf.c */
/* The guest at rest: memory, CPU busy share (performance plans) and, after install, the kernel
 * modules the install added. Only these metrics are lost when the guest does not answer. */
void perf_resources(struct attempt *a, bool after_install);
/* The workload of a phase, `plan.workload_reps` repetitions kept. 0; -EIO when the agent
 * failed (the verdict is set: CRASH when the guest crashed meanwhile, else INFRA_ERROR). */
int perf_measure(struct attempt *a, enum perf_phase phase);
/* Compares after install with before and sets a->perf_outcome; on a slowdown beyond the
 * threshold, a second round confirms it first. Concludes PERF_REGRESSION when confirmed;
 * returns < 0 when the confirmation round could not run (verdict set). */
int perf_judge(struct attempt *a);
void perf_state_clear(struct perf_state *p);

/* One round of the comparison, for one workload: the slowdown over the paired figures. */
struct perf_round {
	bool valid;
	struct stats_comparison stats;
	double slowdown, low, high; /* fractions: 0.25 = 25 % slower; 95 % interval */
	double host_speed;          /* the calibration's change between the phases: how much the host moved */
};
/* A repetition's figure for workload `kind` (0 processes, 1 files): each VM's rate in units of
 * the speed the host gave it then (its calibration), the cell's against the control's. */
double perf_pair(const struct perf_rep *r, int kind);
/* Compares the paired figures of workload `kind`.
 * -EINVAL with fewer than 3 repetitions on a side. */
int perf_compare_pairs(const struct perf_rep *before, size_t nb, const struct perf_rep *after, size_t na, int kind,
		       struct perf_round *out);
/* The outcome of the rounds: "regression" when a workload's whole interval lies above the
 * threshold in the first round and again in the second; "inconclusive" when the second round
 * does not confirm it, when an estimate lies above the threshold but its interval does not, or
 * when a workload could not be compared; "pass" otherwise. With second NULL, a slowdown beyond the threshold sets *confirm and returns
 * NULL: a second round must be measured first. */
const char *perf_decide(const struct perf_round first[2], const struct perf_round *second, double thr, bool *confirm);
