// SPDX-License-Identifier: GPL-2.0
/*
 * compatlab_sensor: the demo stand-in for a kernel-mode security sensor.
 *
 * At load (every boot, as a boot-start driver) it reads its content file, a template of typed
 * fields, and evaluates each field against the input values the sensor supplies. Like the
 * sensor of July 2024 it trusts the content's field count: content with more fields than the
 * sensor has inputs reads past the input array. The array ends exactly at a vmalloc page, so
 * that read lands in the guard page and faults, every time. A "ref" field names another field;
 * the template engine follows references without a cycle check, so a cycle stalls the boot.
 *
 * Other content mistakes reach other sensor bugs, each a real kernel failure:
 *   "template-version N"  anything but 1 trips a BUG_ON (kernel BUG, invalid opcode)
 *   "field handler NAME"  an unknown handler name is looked up to NULL and dereferenced
 *   "field spin SECONDS"  evaluation spins with preemption off: a soft lockup
 *   "field freeze SECONDS" a worker thread stops the CPU with interrupts off after SECONDS:
 *                         the guest hangs after it has booted
 *   "field cost-us N"     hooks process creation and file opens (kprobes on the execve and
 *                         openat system calls) and spends N microseconds in each: the cost
 *                         a sensor's inspection adds to the operations it watches
 * and some reach bugs the kernel reports but survives:
 *   "field limit N"       a negative match limit trips a WARN_ON (a kernel WARNING); the sensor
 *                         clamps it and goes on
 *   "field wait SECONDS"  starts a scan worker that waits, uninterruptibly, for a start signal
 *                         nobody sends (a lost wake-up) for SECONDS: the hung-task detector
 *                         reports the blocked worker while the guest runs on
 * Writing 1 to the "reload" parameter parses the content file again in the running sensor:
 * a live content push, as rapid-response content reaches a sensor without a reboot.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/kernel.h>
#include <linux/kernel_read_file.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define SENSOR_INPUTS 20
#define SENSOR_TEMPLATE_VERSION 1
#define CONTENT_MAX (64 * 1024)
#define FIELDS_MAX 256

static char *content = "";
module_param(content, charp, 0444);
MODULE_PARM_DESC(content, "path of the content file parsed at load");

static char status[96] = "loading";
module_param_string(status, status, sizeof(status), 0444);
MODULE_PARM_DESC(status, "ok, or why the sensor is not healthy");

static unsigned int fields_loaded;
module_param(fields_loaded, uint, 0444);
static unsigned int fields_matched;
module_param(fields_matched, uint, 0444);

enum field_type {
	FIELD_STR, FIELD_INT, FIELD_REF, FIELD_HANDLER, FIELD_SPIN, FIELD_FREEZE, FIELD_COST, FIELD_LIMIT, FIELD_WAIT
};

static unsigned int cost_us;
static unsigned int hooks;
module_param(hooks, uint, 0444);
MODULE_PARM_DESC(hooks, "operations hooked");

static int hook_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (cost_us)
		udelay(cost_us);
	return 0;
}

static struct kprobe probes[] = {
	{ .symbol_name = "__x64_sys_execve", .pre_handler = hook_pre },
	{ .symbol_name = "__x64_sys_openat", .pre_handler = hook_pre },
};
static bool probe_registered[ARRAY_SIZE(probes)];

static void hooks_install(unsigned int us)
{
	size_t i;

	cost_us = us;
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (probe_registered[i])
			continue;
		if (register_kprobe(&probes[i]) == 0) {
			probe_registered[i] = true;
			hooks++;
		} else {
			pr_warn("compatlab_sensor: cannot hook %s\n", probes[i].symbol_name);
		}
	}
}

static void hooks_remove(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		if (probe_registered[i])
			unregister_kprobe(&probes[i]);
}

struct handler {
	const char *name;
	int weight;
};

static const struct handler handlers[] = { { "hash", 2 }, { "signer", 3 }, { "path", 1 } };

static const struct handler *handler_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(handlers); i++)
		if (strcmp(handlers[i].name, name) == 0)
			return &handlers[i];
	return NULL;
}

static DEFINE_MUTEX(content_lock);
static struct task_struct *freezer;

static struct task_struct *scanner;
static DECLARE_COMPLETION(scan_start);
static long match_limit;
module_param(match_limit, long, 0444);

/* The scan worker waits for its start signal; the content's "wait" rule never sends it. */
static int scan_fn(void *data)
{
	unsigned long seconds = (unsigned long)data;

	if (!wait_for_completion_timeout(&scan_start, seconds * HZ))
		pr_info("compatlab_sensor: scan worker gave up waiting\n");
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int freezer_fn(void *data)
{
	unsigned long seconds = (unsigned long)data;

	msleep(seconds * 1000);
	pr_info("compatlab_sensor: freezing the CPU\n");
	local_irq_disable();
	for (;;)
		cpu_relax();
	return 0;
}

struct field {
	enum field_type type;
	long num;
	char str[64];
};

static const char *const input_values[SENSOR_INPUTS] = {
	"process.image", "process.cmdline", "process.parent", "process.user", "process.integrity",
	"file.path", "file.hash", "file.signer", "file.size", "file.entropy",
	"net.remote", "net.port", "net.proto", "reg.key", "reg.value",
	"module.path", "module.signer", "pipe.name", "script.body", "script.host",
};

static void *inputs_page;
static const char **inputs;

static int inputs_setup(void)
{
	int i;

	inputs_page = vmalloc(PAGE_SIZE);
	if (!inputs_page)
		return -ENOMEM;
	/* the array ends at the end of the page: the guard page follows it */
	inputs = (const char **)((char *)inputs_page + PAGE_SIZE - SENSOR_INPUTS * sizeof(*inputs));
	for (i = 0; i < SENSOR_INPUTS; i++)
		inputs[i] = input_values[i];
	return 0;
}

static const struct field *field_resolve(const struct field *fields, unsigned int n, const struct field *f)
{
	unsigned long steps = 0;

	while (f->type == FIELD_REF) {
		f = &fields[(unsigned long)f->num % n];
		if (++steps % 1024 == 0)
			msleep(10);
	}
	return f;
}

static int field_parse(char *line, struct field *f)
{
	if (sscanf(line, "field str %63s", f->str) == 1) {
		f->type = FIELD_STR;
		return 0;
	}
	if (sscanf(line, "field int %ld", &f->num) == 1) {
		f->type = FIELD_INT;
		return 0;
	}
	if (sscanf(line, "field ref %ld", &f->num) == 1 && f->num >= 0) {
		f->type = FIELD_REF;
		return 0;
	}
	if (sscanf(line, "field handler %63s", f->str) == 1) {
		f->type = FIELD_HANDLER;
		return 0;
	}
	if (sscanf(line, "field spin %ld", &f->num) == 1 && f->num > 0 && f->num <= 300) {
		f->type = FIELD_SPIN;
		return 0;
	}
	if (sscanf(line, "field freeze %ld", &f->num) == 1 && f->num >= 0 && f->num <= 3600) {
		f->type = FIELD_FREEZE;
		return 0;
	}
	if (sscanf(line, "field cost-us %ld", &f->num) == 1 && f->num >= 0 && f->num <= 1000) {
		f->type = FIELD_COST;
		return 0;
	}
	if (sscanf(line, "field limit %ld", &f->num) == 1) {
		f->type = FIELD_LIMIT;
		return 0;
	}
	if (sscanf(line, "field wait %ld", &f->num) == 1 && f->num > 0 && f->num <= 3600) {
		f->type = FIELD_WAIT;
		return 0;
	}
	return -EINVAL;
}

static int content_load(const char *path)
{
	void *buf = NULL;
	size_t size = 0;
	ssize_t len;
	struct field *fields;
	char *text, *line;
	unsigned int n = 0, i;
	int version = SENSOR_TEMPLATE_VERSION;

	len = kernel_read_file_from_path(path, 0, &buf, CONTENT_MAX, &size, READING_UNKNOWN);
	if (len == -ENOENT) {
		snprintf(status, sizeof(status), "ok");
		return 0; /* no content yet: the sensor runs with no rules */
	}
	if (len < 0) {
		snprintf(status, sizeof(status), "cannot read content %s: %zd", path, len);
		return (int)len;
	}
	text = kzalloc(len + 1, GFP_KERNEL);
	fields = kcalloc(FIELDS_MAX, sizeof(*fields), GFP_KERNEL);
	if (!text || !fields) {
		vfree(buf);
		kfree(text);
		kfree(fields);
		return -ENOMEM;
	}
	memcpy(text, buf, len);
	vfree(buf);

	while ((line = strsep(&text, "\n")) != NULL) {
		if (sscanf(line, "template-version %d", &version) == 1)
			continue;
		if (strncmp(line, "field ", 6) != 0)
			continue;
		if (n == FIELDS_MAX || field_parse(line, &fields[n]) < 0) {
			snprintf(status, sizeof(status), "content field %u is malformed", n);
			goto out;
		}
		n++;
	}
	pr_info("compatlab_sensor: content %s: %u fields, template version %d\n", path, n, version);
	/* the sensor was written for one template version and asserts it */
	BUG_ON(version != SENSOR_TEMPLATE_VERSION);

	/* evaluate every field against its input: the count comes from the content */
	for (i = 0; i < n; i++) {
		const struct field *f = field_resolve(fields, n, &fields[i]);
		const char *input = inputs[i];

		if (f->type == FIELD_STR && strcmp(input, f->str) == 0) {
			fields_matched++;
		} else if (f->type == FIELD_INT && (long)strlen(input) == f->num) {
			fields_matched++;
		} else if (f->type == FIELD_HANDLER) {
			const struct handler *h = handler_find(f->str);

			fields_matched += h->weight; /* no check: an unknown name is a NULL handler */
		} else if (f->type == FIELD_SPIN) {
			unsigned long until = jiffies + f->num * HZ;

			preempt_disable();
			while (time_before(jiffies, until))
				cpu_relax();
			preempt_enable();
		} else if (f->type == FIELD_COST) {
			hooks_install((unsigned int)f->num);
		} else if (f->type == FIELD_LIMIT) {
			/* the sensor asserts a sane limit, then clamps it and goes on */
			match_limit = WARN_ON(f->num < 0) ? 0 : f->num;
		} else if (f->type == FIELD_WAIT && !scanner) {
			scanner = kthread_run(scan_fn, (void *)(unsigned long)f->num, "compatlab_scan");
			if (IS_ERR(scanner))
				scanner = NULL;
		} else if (f->type == FIELD_FREEZE && !freezer) {
			freezer = kthread_run(freezer_fn, (void *)(unsigned long)f->num, "compatlab_freeze");
			if (IS_ERR(freezer))
				freezer = NULL;
		}
	}
	fields_loaded = n;
	snprintf(status, sizeof(status), "ok");
out:
	kfree(fields);
	kfree(text);
	return 0;
}

static int reload_set(const char *val, const struct kernel_param *kp)
{
	if (!content || !content[0])
		return -ENOENT;
	mutex_lock(&content_lock);
	fields_loaded = 0;
	fields_matched = 0;
	pr_info("compatlab_sensor: live content push\n");
	content_load(content);
	mutex_unlock(&content_lock);
	return 0;
}

static const struct kernel_param_ops reload_ops = { .set = reload_set };
module_param_cb(reload, &reload_ops, NULL, 0200);
MODULE_PARM_DESC(reload, "write 1 to parse the content file again now (live content push)");

static int __init compatlab_sensor_init(void)
{
	int err = inputs_setup();

	if (err)
		return err;
	if (content && content[0])
		content_load(content);
	else
		snprintf(status, sizeof(status), "ok");
	pr_info("compatlab_sensor: loaded, status %s\n", status);
	return 0;
}

static void __exit compatlab_sensor_exit(void)
{
	if (scanner) {
		complete(&scan_start);
		kthread_stop(scanner);
	}
	hooks_remove();
	vfree(inputs_page);
}

module_init(compatlab_sensor_init);
module_exit(compatlab_sensor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("compatlab demo sensor: parses typed-field content at boot");
