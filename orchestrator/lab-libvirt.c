/* lab-libvirt.c: the hypervisor backend on libvirt: transient domains with direct kernel boot,
 * a qcow2 overlay, a serial console file, pvpanic and a loopback SSH port forward; libvirt's
 * event loop runs on its own thread and queues each domain's events for its cell. */
#include "lab.h"
#include "log.h"
#include "png.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <linux/kvm.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define OWNER_NS "urn:compatlab:owner:1"
#define OWNER_PREFIX "compatlab"
#define EVENT_QUEUE 64

struct lab_domain {
	struct lab *lab;
	char *name;
	char *xml;
	virDomainPtr dom;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct lab_event queue[EVENT_QUEUE];
	size_t head, count;
	struct lab_domain *next; /* in the lab's list, for event dispatch */
	void (*on_event)(const struct lab_event *ev, void *data);
	void *event_data;
	struct guest_panic panic; /* from GUEST_PANICKED, handed to the CRASHED event that follows */
};

struct lab_libvirt {
	virConnectPtr conn;
	pthread_t thread;
	bool stop;
	int cb_lifecycle, cb_reboot, cb_panic, timer;
	pthread_mutex_t lock; /* guards domains */
	struct lab_domain *domains;
	bool accel_auto;
};

static struct lab_libvirt *priv(struct lab *lab) { return lab->priv; }

/* libvirt reports errors through a callback; keep them out of stderr and read them per call */
static void quiet_errors(void *data, virErrorPtr err) {}

static char *last_error(void)
{
	virErrorPtr e = virGetLastError();
	return xstrdup(e && e->message ? e->message : "unknown libvirt error");
}

static void *event_thread(void *data)
{
	struct lab_libvirt *lv = data;
	while (!__atomic_load_n(&lv->stop, __ATOMIC_ACQUIRE)) {
		if (virEventRunDefaultImpl() < 0)
			log_warnx("libvirt event loop: %s", virGetLastErrorMessage());
	}
	return NULL;
}

static void tick(int timer, void *data) {}

static void push_event(struct lab *lab, const char *name, enum lab_event_kind kind, int detail, const char *what)
{
	struct lab_libvirt *lv = priv(lab);
	int64_t wall = now_wall_ms(), mono = now_mono_ms();

	pthread_mutex_lock(&lv->lock);
	for (struct lab_domain *d = lv->domains; d; d = d->next) {
		if (!streq(d->name, name))
			continue;
		struct lab_event ev = { .kind = kind, .detail = detail, .wall_ms = wall, .mono_ms = mono };
		snprintf(ev.what, sizeof(ev.what), "%s", what);
		if (kind == LAB_EVENT_CRASHED)
			ev.panic = d->panic;
		if (d->on_event)
			d->on_event(&ev, d->event_data);
		pthread_mutex_lock(&d->lock);
		if (d->count < EVENT_QUEUE) {
			d->queue[(d->head + d->count++) % EVENT_QUEUE] = ev;
			pthread_cond_signal(&d->cond);
		}
		pthread_mutex_unlock(&d->lock);
		log_debug("%s: event %s", name, what);
	}
	pthread_mutex_unlock(&lv->lock);
}

static const char *lifecycle_name(int event)
{
	static const char *const names[] = { "DEFINED", "UNDEFINED", "STARTED", "SUSPENDED", "RESUMED",
					     "STOPPED", "SHUTDOWN", "PMSUSPENDED", "CRASHED" };
	return event >= 0 && (size_t)event < ARRAY_LENGTH(names) ? names[event] : "UNKNOWN";
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *data)
{
	enum lab_event_kind kind = LAB_EVENT_OTHER;
	char what[64];

	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED: kind = LAB_EVENT_STARTED; break;
	case VIR_DOMAIN_EVENT_STOPPED:
		/* only the orchestrator destroys its domains: that stop is expected */
		kind = detail == VIR_DOMAIN_EVENT_STOPPED_DESTROYED ? LAB_EVENT_OTHER : LAB_EVENT_STOPPED;
		break;
	case VIR_DOMAIN_EVENT_CRASHED: kind = LAB_EVENT_CRASHED; break;
	}
	if (event == VIR_DOMAIN_EVENT_CRASHED)
		snprintf(what, sizeof(what), "CRASHED/%s", detail == VIR_DOMAIN_EVENT_CRASHED_PANICKED ? "PANICKED" :
			 detail == VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED ? "CRASHLOADED" : "OTHER");
	else
		snprintf(what, sizeof(what), "%s/%d", lifecycle_name(event), detail);
	push_event(data, virDomainGetName(dom), kind, detail, what);
	return 0;
}

/* QEMU's GUEST_PANICKED, through libvirt-qemu: with hv-crash, the Windows stop code and its four
 * parameters. It arrives before libvirt's CRASHED lifecycle event, which carries it on. */
static void on_guest_panicked(virConnectPtr conn, virDomainPtr dom, const char *event, long long seconds,
			      unsigned int micros, const char *details, void *data)
{
	struct lab *lab = data;
	struct lab_libvirt *lv = priv(lab);
	struct guest_panic panic;
	const char *name = virDomainGetName(dom);
	if (!details || guest_panic_parse_qmp(details, strnlen(details, 65536), &panic) < 0)
		return;
	pthread_mutex_lock(&lv->lock);
	for (struct lab_domain *d = lv->domains; d; d = d->next)
		if (streq(d->name, name))
			d->panic = panic;
	pthread_mutex_unlock(&lv->lock);
	if (panic.has_args)
		log_info("%s: guest panicked: bugcheck 0x%08X %s", name, panic.code, bugcheck_name(panic.code));
}

static void on_reboot(virConnectPtr conn, virDomainPtr dom, void *data)
{
	push_event(data, virDomainGetName(dom), LAB_EVENT_REBOOT, 0, "REBOOT");
}

/* KVM_RUN of a few real-mode instructions: rules out a missing or unusable /dev/kvm cheaply. */
static bool kvm_ioctl_probe(void)
{
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 }; /* mov al,0x42; out 0x10,al; hlt */
	bool ok = false;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm = -1, vcpu = -1;
	void *mem = MAP_FAILED, *run = MAP_FAILED;
	long run_size = 0;

	if (kvm < 0 || ioctl(kvm, KVM_GET_API_VERSION, 0) != 12)
		goto out;
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		goto out;
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		goto out;
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000, .userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 || (vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		goto out;
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0 || (run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0)) == MAP_FAILED)
		goto out;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 0x2 };
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		goto out;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		goto out;
	struct kvm_run *r = run;
	for (int i = 0; i < 4; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			goto out;
		if (r->exit_reason == KVM_EXIT_IO && r->io.port == 0x10 &&
		    *((uint8_t *)run + r->io.data_offset) == 0x42)
			continue;
		ok = r->exit_reason == KVM_EXIT_HLT;
		break;
	}
out:
	if (run != MAP_FAILED)
		munmap(run, (size_t)run_size);
	if (mem != MAP_FAILED)
		munmap(mem, 0x1000);
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
	return ok;
}

/* Boots kernel under QEMU with KVM and no root file system: a working KVM prints the kernel's
 * "VFS: Unable to mount root fs" panic within a second or two; a broken one hangs silently. */
static bool kvm_boot_probe(const char *kernel)
{
	char out[] = "/tmp/compatlab-kvm-probe-XXXXXX";
	int fd = mkstemp(out);
	bool ok = false;
	if (fd < 0)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(fd, 1);
		dup2(devnull, 2);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-m", "256",
		       "-nodefaults", "-display", "none", "-no-reboot", "-serial", "stdio", "-kernel", kernel,
		       "-append", "console=ttyS0 panic=-1 root=/dev/nonexistent", (char *)NULL);
		_exit(127);
	}
	close(fd);
	for (int64_t deadline = now_mono_ms() + 8000; pid > 0 && now_mono_ms() < deadline;) {
		_cleanup_free_ char *text = NULL;
		sleep_ms(200);
		if (read_file(out, 1 << 20, &text, NULL) == 0 && strstr(text, "Kernel panic")) {
			ok = true;
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = 0;
			break;
		}
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	unlink(out);
	return ok;
}

bool lab_kvm_works(const char *kernel, const char *cache_dir)
{
	struct utsname u;
	_cleanup_free_ char *qemu = NULL, *cache = NULL, *cached = NULL;
	if (!kvm_ioctl_probe())
		return false;
	if (!kernel)
		return true;
	uname(&u);
	cache = xasprintf("%s/kvm-probe", cache_dir);
	_cleanup_free_ char *key = xasprintf("%s %s %s", u.release, u.version, kernel);
	if (read_file(cache, 4096, &cached, NULL) == 0 && strstartswith(cached, key))
		return strendswith(cached, " yes\n");
	bool ok = kvm_boot_probe(kernel);
	_cleanup_free_ char *line = xasprintf("%s %s\n", key, ok ? "yes" : "no");
	write_file(cache, line, strlen(line), 0644);
	return ok;
}

int lab_free_port(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -EADDRNOTAVAIL;
	if (fd < 0)
		return -errno;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void xml_elem(struct strbuf *sb, const char *indent, const char *tag, const char *text)
{
	strbuf_printf(sb, "%s<%s>", indent, tag);
	strbuf_put_escaped(sb, text);
	strbuf_printf(sb, "</%s>\n", tag);
}

char *lab_libvirt_domain_xml(const struct lab_domain_spec *spec, bool kvm)
{
	const struct hardware_profile *hw = spec->hw;
	bool sata = streq(hw->disk_bus, "sata");
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_printf(&sb, "<domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n",
		      kvm ? "kvm" : "qemu");
	xml_elem(&sb, "  ", "name", spec->name);
	strbuf_puts(&sb, "  <metadata>\n    <compatlab:owner xmlns:compatlab='" OWNER_NS "'>");
	strbuf_put_escaped(&sb, spec->owner);
	strbuf_puts(&sb, "</compatlab:owner>\n  </metadata>\n");
	strbuf_printf(&sb, "  <memory unit='MiB'>%llu</memory>\n", (unsigned long long)hw->memory_mib);
	strbuf_printf(&sb, "  <vcpu>%u</vcpu>\n", hw->vcpus);
	strbuf_printf(&sb, "  <os%s>\n    <type arch='x86_64' machine='%s'>hvm</type>\n",
		      hw->firmware == FIRMWARE_UEFI ? " firmware='efi'" : "", hw->machine);
	if (hw->firmware == FIRMWARE_UEFI) {
		/* libvirt picks the OVMF build from QEMU's firmware descriptors by these features */
		const char *sb_on = hw->secure_boot ? "yes" : "no";
		strbuf_printf(&sb, "    <firmware>\n      <feature enabled='%s' name='secure-boot'/>\n"
				   "      <feature enabled='%s' name='enrolled-keys'/>\n    </firmware>\n", sb_on, sb_on);
		if (hw->secure_boot)
			strbuf_puts(&sb, "    <loader secure='yes'/>\n");
	}
	if (spec->kernel) {
		xml_elem(&sb, "    ", "kernel", spec->kernel);
		if (spec->initrd)
			xml_elem(&sb, "    ", "initrd", spec->initrd);
		if (spec->cmdline)
			xml_elem(&sb, "    ", "cmdline", spec->cmdline);
	} else {
		strbuf_puts(&sb, "    <boot dev='hd'/>\n");
	}
	strbuf_printf(&sb, "  </os>\n  <features><acpi/>%s</features>\n", hw->secure_boot ? "<smm state='on'/>" : "");
	if (kvm)
		strbuf_puts(&sb, "  <cpu mode='host-passthrough'/>\n");
	strbuf_puts(&sb, "  <clock offset='utc'/>\n"
			 "  <on_poweroff>destroy</on_poweroff>\n"
			 "  <on_reboot>restart</on_reboot>\n"
			 "  <on_crash>preserve</on_crash>\n"
			 "  <devices>\n"
			 "    <disk type='file' device='disk'>\n"
			 "      <driver name='qemu' type='qcow2' cache='unsafe'/>\n"
			 "      <source file='");
	strbuf_put_escaped(&sb, spec->disk);
	strbuf_printf(&sb, "'/>\n      <target dev='%s' bus='%s'/>\n    </disk>\n", sata ? "sda" : "vda",
		      sata ? "sata" : "virtio");
	if (spec->seed) {
		/* the seed CD: IDE on pc, SATA on q35 (which has no IDE) */
		bool q35 = streq(hw->machine, "q35");
		strbuf_puts(&sb, "    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n"
				 "      <source file='");
		strbuf_put_escaped(&sb, spec->seed);
		strbuf_printf(&sb, "'/>\n      <target dev='%s' bus='%s'/>\n      <readonly/>\n    </disk>\n",
			      q35 ? "sdb" : "hdc", q35 ? "sata" : "ide");
	}
	strbuf_puts(&sb, "    <serial type='file'>\n      <source path='");
	strbuf_put_escaped(&sb, spec->console_path);
	/* appended across power cycles: each boot's console starts at the offset noted before it */
	strbuf_puts(&sb, "' append='on'/>\n      <target port='0'/>\n    </serial>\n"
			 "    <console type='file'>\n      <target type='serial' port='0'/>\n    </console>\n"
			 "    <video><model type='vga' vram='16384' heads='1'/></video>\n");
	if (hw->panic_device)
		strbuf_puts(&sb, "    <panic model='isa'/>\n");
	strbuf_puts(&sb, "    <memballoon model='none'/>\n"
			 "  </devices>\n");
	/* user-mode networking, restricted: the guest reaches nothing; the host reaches its port 22
	 * through a loopback forward */
	strbuf_printf(&sb, "  <qemu:commandline>\n"
			   "    <qemu:arg value='-netdev'/>\n"
			   "    <qemu:arg value='user,id=n0,restrict=on,hostfwd=tcp:%s:%d-:22'/>\n"
			   "    <qemu:arg value='-device'/>\n"
			   "    <qemu:arg value='virtio-net-pci,netdev=n0,addr=0x9'/>\n"
			   "  </qemu:commandline>\n"
			   "</domain>\n",
		      spec->ssh_addr, spec->ssh_port);
	return strbuf_steal(&sb);
}

static void domain_unlink(struct lab_domain *d)
{
	struct lab_libvirt *lv = priv(d->lab);
	pthread_mutex_lock(&lv->lock);
	for (struct lab_domain **p = &lv->domains; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	pthread_mutex_unlock(&lv->lock);
}

static int lv_domain_start(struct lab *lab, const struct lab_domain_spec *spec, struct lab_domain **out, char **why)
{
	struct lab_libvirt *lv = priv(lab);
	struct lab_domain *d = xzalloc(sizeof(*d));

	d->lab = lab;
	d->name = xstrdup(spec->name);
	d->on_event = spec->on_event;
	d->event_data = spec->event_data;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	/* registered before the start, so that no early event is lost */
	pthread_mutex_lock(&lv->lock);
	d->next = lv->domains;
	lv->domains = d;
	pthread_mutex_unlock(&lv->lock);

	d->xml = lab_libvirt_domain_xml(spec, lab->kvm);
	d->dom = virDomainCreateXML(lv->conn, d->xml, 0);
	if (!d->dom && lab->kvm && lv->accel_auto) {
		_cleanup_free_ char *err = last_error();
		log_warnx("KVM domain did not start (%s); using TCG from now on", err);
		lab->kvm = false;
		free(d->xml);
		d->xml = lab_libvirt_domain_xml(spec, false);
		d->dom = virDomainCreateXML(lv->conn, d->xml, 0);
	}
	if (!d->dom) {
		*why = last_error();
		domain_unlink(d);
		free(d->xml);
		free(d->name);
		free(d);
		return -EIO;
	}
	*out = d;
	return 0;
}

static int lv_domain_power_cycle(struct lab_domain *d, char **why)
{
	struct lab_libvirt *lv = priv(d->lab);
	virDomainDestroy(d->dom);
	virDomainFree(d->dom);
	d->dom = virDomainCreateXML(lv->conn, d->xml, 0);
	if (!d->dom) {
		*why = last_error();
		return -EIO;
	}
	return 0;
}

static int lv_domain_wait_event(struct lab_domain *d, int64_t deadline, struct lab_event *ev)
{
	int r = 0;
	pthread_mutex_lock(&d->lock);
	while (d->count == 0) {
		int64_t left = deadline - now_mono_ms();
		if (left <= 0) {
			r = -ETIMEDOUT;
			goto out;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->cond, &d->lock, &ts);
	}
	*ev = d->queue[d->head];
	d->head = (d->head + 1) % EVENT_QUEUE;
	d->count--;
out:
	pthread_mutex_unlock(&d->lock);
	return r;
}

#define SCREENSHOT_MAX (64u << 20)

static int screenshot_sink(virStreamPtr st, const char *data, size_t n, void *opaque)
{
	struct strbuf *sb = opaque;
	if (sb->len + n > SCREENSHOT_MAX)
		return -1;
	strbuf_add(sb, data, n);
	return (int)n; /* bytes consumed */
}

static int lv_domain_screenshot(struct lab_domain *d, const char *png_path)
{
	struct lab_libvirt *lv = priv(d->lab);
	struct strbuf raw, png;
	int r = -EIO;
	virStreamPtr st = virStreamNew(lv->conn, 0);
	if (!st || !d->dom)
		goto out_stream;
	char *mime = virDomainScreenshot(d->dom, st, 0, 0);
	if (!mime) {
		log_debug("%s: screenshot: %s", d->name, virGetLastErrorMessage());
		goto out_stream;
	}
	strbuf_init(&raw);
	strbuf_init(&png);
	if (virStreamRecvAll(st, screenshot_sink, &raw) == 0 && virStreamFinish(st) == 0) {
		if (streq(mime, "image/png"))
			r = write_file(png_path, raw.buf, raw.len, 0644);
		else if ((r = png_from_ppm(raw.buf, raw.len, &png)) == 0)
			r = write_file(png_path, png.buf, png.len, 0644);
	} else {
		log_debug("%s: screenshot stream: %s", d->name, virGetLastErrorMessage());
		virStreamAbort(st);
	}
	strbuf_release(&raw);
	strbuf_release(&png);
	free(mime);
out_stream:
	if (st)
		virStreamFree(st);
	return r;
}

static void lv_domain_destroy(struct lab_domain *d)
{
	if (!d)
		return;
	domain_unlink(d);
	if (d->dom) {
		virDomainDestroy(d->dom);
		virDomainFree(d->dom);
	}
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->xml);
	free(d->name);
	free(d);
}

static int lv_list_owned(struct lab *lab, const char *prefix, void (*fn)(const char *, const char *, void *), void *data)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(priv(lab)->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0)
		return -EIO;
	for (int i = 0; i < n; i++) {
		const char *name = virDomainGetName(doms[i]);
		if (name && strstartswith(name, prefix)) {
			char *owner = virDomainGetMetadata(doms[i], VIR_DOMAIN_METADATA_ELEMENT, OWNER_NS, 0);
			fn(name, owner ? owner : "", data);
			free(owner);
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	return 0;
}

static int lv_destroy_by_name(struct lab *lab, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(priv(lab)->conn, name);
	if (!dom)
		return -ENOENT;
	int r = virDomainDestroy(dom) == 0 ? 0 : -EIO;
	virDomainFree(dom);
	return r;
}

static void lv_close(struct lab *lab)
{
	struct lab_libvirt *lv = priv(lab);
	if (!lv)
		return;
	if (lv->conn) {
		virConnectDomainEventDeregisterAny(lv->conn, lv->cb_lifecycle);
		virConnectDomainEventDeregisterAny(lv->conn, lv->cb_reboot);
		if (lv->cb_panic >= 0)
			virConnectDomainQemuMonitorEventDeregister(lv->conn, lv->cb_panic);
	}
	__atomic_store_n(&lv->stop, true, __ATOMIC_RELEASE);
	pthread_join(lv->thread, NULL);
	virEventRemoveTimeout(lv->timer);
	if (lv->conn)
		virConnectClose(lv->conn);
	pthread_mutex_destroy(&lv->lock);
	free(lv);
	free(lab);
}

int64_t lab_read_pressure(const char *path)
{
	char buf[512];
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int64_t total = -1;
	while (fgets(buf, sizeof(buf), f)) {
		const char *t = strstr(buf, "total=");
		if (strstartswith(buf, "some ") && t) {
			char *end;
			long long v = strtoll(t + 6, &end, 10);
			if (end != t + 6 && v >= 0)
				total = v;
			break;
		}
	}
	fclose(f);
	return total;
}

/* libvirt's "vcpu.N.delay": the vCPU threads' run-queue wait from the host's schedstat (remote too). */
static int lv_domain_cpu_wait(struct lab_domain *d, int64_t *wait_ms)
{
	virDomainPtr doms[] = { d->dom, NULL };
	virDomainStatsRecordPtr *records = NULL;
	if (virDomainListGetStats(doms, VIR_DOMAIN_STATS_VCPU, &records, 0) != 1) {
		virDomainStatsRecordListFree(records);
		return -ENOTSUP;
	}
	unsigned long long total = 0;
	unsigned n = 0;
	for (int i = 0; i < records[0]->nparams; i++) {
		const virTypedParameter *tp = &records[0]->params[i];
		if (strstartswith(tp->field, "vcpu.") && strendswith(tp->field, ".delay") &&
		    tp->type == VIR_TYPED_PARAM_ULLONG) {
			total += tp->value.ul;
			n++;
		}
	}
	virDomainStatsRecordListFree(records);
	if (!n)
		return -ENOTSUP;
	*wait_ms = (int64_t)(total / n / 1000000);
	return 0;
}

/* CPU time from libvirt (works for remote hosts too); pressure from /proc when the host is ours. */
static int lv_host_load(struct lab *lab, struct lab_host_load *out)
{
	struct lab_libvirt *lv = priv(lab);
	*out = (struct lab_host_load){ .mono_ms = now_mono_ms(), .cpu_busy_ns = -1, .cpu_total_ns = -1,
				       .cpu_iowait_ns = -1, .psi_cpu_us = -1, .psi_io_us = -1 };
	int n = 0;
	if (virNodeGetCPUStats(lv->conn, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &n, 0) == 0 && n > 0 && n <= 16) {
		virNodeCPUStats stats[16];
		if (virNodeGetCPUStats(lv->conn, VIR_NODE_CPU_STATS_ALL_CPUS, stats, &n, 0) == 0) {
			int64_t busy = 0, idle = -1, iowait = -1;
			for (int i = 0; i < n; i++) {
				int64_t v = (int64_t)stats[i].value;
				if (streq(stats[i].field, VIR_NODE_CPU_STATS_IDLE))
					idle = v;
				else if (streq(stats[i].field, VIR_NODE_CPU_STATS_IOWAIT))
					iowait = v;
				else if (streq(stats[i].field, VIR_NODE_CPU_STATS_KERNEL) ||
					 streq(stats[i].field, VIR_NODE_CPU_STATS_USER))
					busy += v;
			}
			if (idle >= 0) {
				out->cpu_busy_ns = busy;
				out->cpu_total_ns = busy + idle + (iowait > 0 ? iowait : 0);
				out->cpu_iowait_ns = iowait;
			}
		}
	}
	if (lab->local) {
		out->psi_cpu_us = lab_read_pressure("/proc/pressure/cpu");
		out->psi_io_us = lab_read_pressure("/proc/pressure/io");
	}
	return out->cpu_total_ns < 0 && out->psi_cpu_us < 0 ? -ENOTSUP : 0;
}

static const struct lab_ops libvirt_ops = {
	.name = "libvirt",
	.domain_start = lv_domain_start,
	.domain_power_cycle = lv_domain_power_cycle,
	.domain_wait_event = lv_domain_wait_event,
	.domain_screenshot = lv_domain_screenshot,
	.domain_destroy = lv_domain_destroy,
	.list_owned = lv_list_owned,
	.destroy_by_name = lv_destroy_by_name,
	.host_load = lv_host_load,
	.domain_cpu_wait = lv_domain_cpu_wait,
	.close = lv_close,
};

struct lab *lab_libvirt_open(const char *uri, const char *accel, const char *probe_kernel, const char *cache_dir,
			     char **why)
{
	static int event_impl;

	struct lab *lab = xzalloc(sizeof(*lab));
	struct lab_libvirt *lv = xzalloc(sizeof(*lv));
	lv->cb_panic = -1;
	lab->ops = &libvirt_ops;
	lab->priv = lv;
	pthread_mutex_init(&lv->lock, NULL);
	*why = NULL;

	if (!__atomic_exchange_n(&event_impl, 1, __ATOMIC_ACQ_REL)) {
		virSetErrorFunc(NULL, quiet_errors);
		if (virEventRegisterDefaultImpl() < 0) {
			*why = last_error();
			goto fail_early;
		}
	}
	lv->timer = virEventAddTimeout(250, tick, NULL, NULL);
	if (pthread_create(&lv->thread, NULL, event_thread, lv) != 0) {
		*why = xstrdup("cannot start the libvirt event thread");
		goto fail_early;
	}
	lv->conn = virConnectOpen(uri);
	if (!lv->conn) {
		_cleanup_free_ char *err = last_error();
		*why = xasprintf("cannot connect to libvirt at %s: %s (is libvirtd running?)", uri, err);
		goto fail;
	}
	virConnectSetKeepAlive(lv->conn, 5, 3);
	lv->cb_lifecycle = virConnectDomainEventRegisterAny(lv->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
							    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), lab, NULL);
	lv->cb_reboot = virConnectDomainEventRegisterAny(lv->conn, NULL, VIR_DOMAIN_EVENT_ID_REBOOT,
							 VIR_DOMAIN_EVENT_CALLBACK(on_reboot), lab, NULL);
	/* QEMU-only: the details of a guest panic; a remote or non-QEMU connection may refuse it */
	lv->cb_panic = virConnectDomainQemuMonitorEventRegister(lv->conn, NULL, "GUEST_PANICKED", on_guest_panicked, lab,
								NULL, 0);
	if (lv->cb_panic < 0)
		log_debug("no GUEST_PANICKED events from %s", uri);
	if (lv->cb_lifecycle < 0 || lv->cb_reboot < 0) {
		*why = last_error();
		goto fail;
	}
	lv->accel_auto = streq(accel, "auto");
	/* the probe runs on this host: for a remote URI, KVM is used only when asked for */
	bool local = strstartswith(uri, "qemu:///");
	lab->local = local;
	lab->kvm = streq(accel, "kvm") || (lv->accel_auto && local && lab_kvm_works(probe_kernel, cache_dir));
	log_info("libvirt %s: domains use %s", uri, lab->kvm ? "KVM" : "TCG (no working KVM)");
	return lab;
fail:
	lv_close(lab);
	return NULL;
fail_early:
	free(lv);
	free(lab);
	return NULL;
}
