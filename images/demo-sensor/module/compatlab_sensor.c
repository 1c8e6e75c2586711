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
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/kernel_read_file.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define SENSOR_INPUTS 20
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

enum field_type { FIELD_STR, FIELD_INT, FIELD_REF };

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

	len = kernel_read_file_from_path(path, 0, &buf, CONTENT_MAX, &size, READING_UNKNOWN);
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
		if (strncmp(line, "field ", 6) != 0)
			continue;
		if (n == FIELDS_MAX || field_parse(line, &fields[n]) < 0) {
			snprintf(status, sizeof(status), "content field %u is malformed", n);
			goto out;
		}
		n++;
	}
	pr_info("compatlab_sensor: content %s: %u fields\n", path, n);

	/* evaluate every field against its input: the count comes from the content */
	for (i = 0; i < n; i++) {
		const struct field *f = field_resolve(fields, n, &fields[i]);
		const char *input = inputs[i];

		if (f->type == FIELD_STR && strcmp(input, f->str) == 0)
			fields_matched++;
		else if (f->type == FIELD_INT && (long)strlen(input) == f->num)
			fields_matched++;
	}
	fields_loaded = n;
	snprintf(status, sizeof(status), "ok");
out:
	kfree(fields);
	kfree(text);
	return 0;
}

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
	vfree(inputs_page);
}

module_init(compatlab_sensor_init);
module_exit(compatlab_sensor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("compatlab demo sensor: parses typed-field content at boot");
