/* lab.h: the hypervisor behind one small table of operations (OpenSMTPD-style backends):
 * libvirt for real (lab-libvirt.c), a scripted backend for unit tests of the cell logic. */
#pragma once

#include <stdint.h>

#include "bugcheck.h"
#include "matrix.h"

struct lab;
struct lab_domain;

enum lab_event_kind {
	LAB_EVENT_STARTED,
	LAB_EVENT_STOPPED,  /* the domain is gone (destroyed, shut down, QEMU died) */
	LAB_EVENT_CRASHED,  /* guest panic reported by the hypervisor (pvpanic, hv-crash) */
	LAB_EVENT_REBOOT,   /* the guest reset itself */
	LAB_EVENT_OTHER,
};

struct lab_event {
	enum lab_event_kind kind;
	int detail;       /* the hypervisor's own detail code */
	char what[64];    /* readable "CRASHED/PANICKED" */
	int64_t wall_ms;  /* when the event thread received it */
	int64_t mono_ms;
	struct guest_panic panic; /* CRASHED: what the hypervisor said of the panic (Hyper-V registers) */
};

/* What a cell's VM is made of. Paths are absolute. */
struct lab_domain_spec {
	const char *name;
	const struct hardware_profile *hw;
	const char *kernel, *initrd, *cmdline; /* direct kernel boot; NULL for a disk boot */
	const char *disk;                      /* the cell's qcow2 overlay */
	const char *seed;                      /* a read-only CD (cloud-init NoCloud seed ISO), or NULL */
	const char *console_path;              /* serial console written here */
	const char *ssh_addr;                  /* loopback address and port forwarded to guest port 22 */
	int ssh_port;
	const char *owner;                     /* ownership record stored in the domain's metadata */
	/* Called on the event thread for every event of the domain, before it is queued: a crash is
	 * recorded there at once, whatever the cell's own thread is blocked on. */
	void (*on_event)(const struct lab_event *ev, void *data);
	void *event_data;
};

/* The host's load, as cumulative counters: two readings give the load between them. */
struct lab_host_load {
	int64_t mono_ms;                 /* when read */
	int64_t cpu_busy_ns, cpu_total_ns, cpu_iowait_ns; /* all CPUs; -1 when the host does not say */
	int64_t psi_cpu_us, psi_io_us;   /* /proc/pressure "some" totals; -1 where not readable (remote) */
};

struct lab_ops {
	const char *name;
	/* Starts the domain; events for it are queued from then on. */
	int (*domain_start)(struct lab *lab, const struct lab_domain_spec *spec, struct lab_domain **out, char **why);
	/* Power-cycles: the domain is destroyed and started again from the same definition. */
	int (*domain_power_cycle)(struct lab_domain *d, char **why);
	/* Waits for the next event until deadline (monotonic ms): 0 with *ev, or -ETIMEDOUT. */
	int (*domain_wait_event)(struct lab_domain *d, int64_t deadline, struct lab_event *ev);
	/* Saves the guest's screen as a PNG file (bounded). 0 or negative errno. */
	int (*domain_screenshot)(struct lab_domain *d, const char *png_path);
	/* Stops the domain and forgets it. NULL is fine. */
	void (*domain_destroy)(struct lab_domain *d);
	/* Calls fn for each domain of this lab whose name starts with prefix, with its owner record. */
	int (*list_owned)(struct lab *lab, const char *prefix,
			  void (*fn)(const char *name, const char *owner, void *data), void *data);
	/* Destroys a domain by name (cleanup of what a dead run left). */
	int (*destroy_by_name)(struct lab *lab, const char *name);
	/* Time the domain's vCPUs spent runnable but waiting for a host CPU (the guest's steal time),
	 * cumulative, averaged over its vCPUs, in ms. 0, or a negative errno (-ENOTSUP). */
	int (*domain_cpu_wait)(struct lab_domain *d, int64_t *wait_ms);
	/* Reads the host's load counters (struct lab_host_load). 0, or a negative errno. */
	int (*host_load)(struct lab *lab, struct lab_host_load *out);
	void (*close)(struct lab *lab);
};

struct lab {
	const struct lab_ops *ops;
	bool kvm;   /* domains use KVM; TCG otherwise */
	bool local; /* the host is this machine: its /proc is ours to read */
	void *priv;
};

/* Connects to libvirt at uri and starts the event thread. accel: "auto", "kvm" or "tcg"; with
 * "auto" on a local URI, KVM is used when lab_kvm_works(probe_kernel, cache_dir). */
struct lab *lab_libvirt_open(const char *uri, const char *accel, const char *probe_kernel, const char *cache_dir,
			     char **why);
/* True when KVM can run a guest here: an ioctl probe, then (with a kernel) a short boot of that
 * kernel under QEMU with KVM. The answer is cached in cache_dir per host kernel and guest kernel. */
bool lab_kvm_works(const char *kernel, const char *cache_dir);
/* Writes the libvirt domain XML for spec. Exposed for tests. */
char *lab_libvirt_domain_xml(const struct lab_domain_spec *spec, bool kvm);
/* The "some" total (µs) of a /proc/pressure file, -1 when unreadable. Exposed for tests. */
int64_t lab_read_pressure(const char *path);
/* Picks a free TCP port on addr. */
int lab_free_port(const char *addr);
