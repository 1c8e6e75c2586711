/* conf.c: typed, position-aware access to YAML documents. */
#include "conf.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CONF_MAX_FILE (4u << 20)

void conf_error_clear(struct conf_error *err)
{
	if (!err)
		return;
	free(err->file);
	free(err->reason);
	*err = (struct conf_error){ 0 };
}

int conf_error_set(struct conf_error *err, const char *file, int line, int column,
		   const char *fmt, ...)
{
	if (!err || err->reason)
		return -EINVAL;
	va_list ap;
	va_start(ap, fmt);
	err->reason = xvasprintf(fmt, ap);
	va_end(ap);
	err->file = xstrdup(file ? file : "<input>");
	err->line = line;
	err->column = column;
	return -EINVAL;
}

char *conf_error_format(const struct conf_error *err)
{
	if (err->line > 0)
		return xasprintf("%s:%d:%d: %s", err->file, err->line, err->column, err->reason);
	return xasprintf("%s: %s", err->file, err->reason ? err->reason : "unknown error");
}

int conf_load_buffer(const char *name, const char *data, size_t len, struct conf_doc **out,
		     struct conf_error *err)
{
	yaml_parser_t parser;
	struct conf_doc *doc = xzalloc(sizeof(*doc));

	doc->file = xstrdup(name);
	if (!yaml_parser_initialize(&parser))
		fatal("cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc->doc)) {
		int r = conf_error_set(err, name, (int)parser.problem_mark.line + 1,
				       (int)parser.problem_mark.column + 1, "invalid YAML: %s%s%s",
				       parser.problem ? parser.problem : "syntax error",
				       parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		conf_free(doc);
		return r;
	}
	doc->loaded = true;
	yaml_parser_delete(&parser);
	if (!yaml_document_get_root_node(&doc->doc)) {
		conf_free(doc);
		return conf_error_set(err, name, 0, 0, "the file is empty");
	}
	*out = doc;
	return 0;
}

int conf_load(const char *path, struct conf_doc **out, struct conf_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = read_file(path, CONF_MAX_FILE, &data, &len);
	if (r < 0)
		return conf_error_set(err, path, 0, 0, "%s", r == -EFBIG ? "file larger than 4 MiB" : strerror(-r)), r;
	return conf_load_buffer(path, data, len, out, err);
}

void conf_free(struct conf_doc *doc)
{
	if (!doc)
		return;
	if (doc->loaded)
		yaml_document_delete(&doc->doc);
	free(doc->file);
	free(doc);
}

yaml_node_t *conf_root(struct conf_doc *doc) { return yaml_document_get_root_node(&doc->doc); }

struct conf_pos conf_pos_of(yaml_node_t *node)
{
	if (!node)
		return (struct conf_pos){ 0, 0 };
	return (struct conf_pos){ (int)node->start_mark.line + 1, (int)node->start_mark.column + 1 };
}

int conf_fail(struct conf_doc *doc, yaml_node_t *node, struct conf_error *err, const char *fmt, ...)
{
	if (!err || err->reason)
		return -EINVAL;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *reason = xvasprintf(fmt, ap);
	va_end(ap);
	struct conf_pos pos = conf_pos_of(node);
	return conf_error_set(err, doc->file, pos.line, pos.column, "%s", reason);
}

const char *conf_scalar(yaml_node_t *node)
{
	if (!node || node->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)node->data.scalar.value;
}

static const char *kind_name(yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "empty";
	}
}

int conf_check_map(struct conf_doc *doc, yaml_node_t *node, const char *what,
		   const char *const *allowed, struct conf_error *err)
{
	if (!node || node->type != YAML_MAPPING_NODE)
		return conf_fail(doc, node, err, "%s must be a mapping, not %s", what,
				 node ? kind_name(node) : "missing");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc->doc, p->key);
		const char *key = conf_scalar(k);
		if (!key)
			return conf_fail(doc, k, err, "%s: keys must be plain names", what);
		bool known = false;
		const char *best = NULL;
		size_t best_d = SIZE_MAX;
		for (const char *const *a = allowed; *a; a++) {
			if (streq(*a, key)) {
				known = true;
				break;
			}
			size_t d = str_distance(*a, key);
			if (d < best_d) {
				best_d = d;
				best = *a;
			}
		}
		if (!known) {
			if (best && best_d <= 2)
				return conf_fail(doc, k, err, "unknown key '%s' in %s (did you mean '%s'?)", key, what, best);
			_cleanup_free_ char *list = NULL;
			struct strbuf sb;
			strbuf_init(&sb);
			for (const char *const *a = allowed; *a; a++)
				strbuf_printf(&sb, "%s%s", a == allowed ? "" : ", ", *a);
			list = strbuf_steal(&sb);
			return conf_fail(doc, k, err, "unknown key '%s' in %s (known keys: %s)", key, what, list);
		}
		for (yaml_node_pair_t *q = node->data.mapping.pairs.start; q < p; q++) {
			if (streq(conf_scalar(yaml_document_get_node(&doc->doc, q->key)), key))
				return conf_fail(doc, k, err, "key '%s' appears twice in %s", key, what);
		}
	}
	return 0;
}

yaml_node_t *conf_get(struct conf_doc *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		if (streq(conf_scalar(yaml_document_get_node(&doc->doc, p->key)), key))
			return yaml_document_get_node(&doc->doc, p->value);
	}
	return NULL;
}

size_t conf_seq_len(yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *conf_seq_item(struct conf_doc *doc, yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(&doc->doc, seq->data.sequence.items.start[i]);
}

int conf_require_seq(struct conf_doc *doc, yaml_node_t *node, const char *what, struct conf_error *err)
{
	if (!node || node->type != YAML_SEQUENCE_NODE)
		return conf_fail(doc, node, err, "'%s' must be a list%s", what, node ? "" : " (it is missing)");
	if (conf_seq_len(node) == 0)
		return conf_fail(doc, node, err, "'%s' must list at least one entry", what);
	return 0;
}

/* Finds key's value node; returns 1 when present, 0 when absent (and allowed), <0 on error. */
static int scalar_value(struct conf_doc *doc, yaml_node_t *map, const char *key, bool required,
			const char **out, yaml_node_t **node, struct conf_error *err)
{
	*node = conf_get(doc, map, key);
	if (!*node) {
		if (required)
			return conf_fail(doc, map, err, "missing required key '%s'", key);
		return 0;
	}
	*out = conf_scalar(*node);
	if (!*out)
		return conf_fail(doc, *node, err, "'%s' must be a single value, not %s", key, kind_name(*node));
	if (!**out && required)
		return conf_fail(doc, *node, err, "'%s' must not be empty", key);
	return 1;
}

int conf_string(struct conf_doc *doc, yaml_node_t *map, const char *key, bool required, char **out,
		struct conf_error *err)
{
	const char *v;
	yaml_node_t *n;
	int r = scalar_value(doc, map, key, required, &v, &n, err);
	if (r <= 0)
		return r;
	if (strlen(v) != n->data.scalar.length)
		return conf_fail(doc, n, err, "'%s' contains a NUL byte", key);
	free(*out);
	*out = xstrdup(v);
	return 0;
}

static int parse_u64(const char *s, uint64_t *out, const char **rest)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	*out = v;
	*rest = end;
	return 0;
}

int conf_uint(struct conf_doc *doc, yaml_node_t *map, const char *key, uint64_t min, uint64_t max,
	      uint64_t *out, struct conf_error *err)
{
	const char *v, *rest;
	yaml_node_t *n;
	uint64_t val;
	int r = scalar_value(doc, map, key, false, &v, &n, err);
	if (r <= 0)
		return r;
	if (parse_u64(v, &val, &rest) < 0 || *rest)
		return conf_fail(doc, n, err, "'%s' must be a whole number, not '%s'", key, v);
	if (val < min || val > max)
		return conf_fail(doc, n, err, "'%s' must be between %" PRIu64 " and %" PRIu64 ", not %" PRIu64,
				 key, min, max, val);
	*out = val;
	return 0;
}

int conf_bool(struct conf_doc *doc, yaml_node_t *map, const char *key, bool *out, struct conf_error *err)
{
	const char *v;
	yaml_node_t *n;
	int r = scalar_value(doc, map, key, false, &v, &n, err);
	if (r <= 0)
		return r;
	if (streq(v, "true") || streq(v, "yes") || streq(v, "on"))
		*out = true;
	else if (streq(v, "false") || streq(v, "no") || streq(v, "off"))
		*out = false;
	else
		return conf_fail(doc, n, err, "'%s' must be true or false, not '%s'", key, v);
	return 0;
}

int conf_duration_ms(struct conf_doc *doc, yaml_node_t *map, const char *key, int64_t min_ms,
		     int64_t max_ms, int64_t *out, struct conf_error *err)
{
	const char *v, *rest;
	yaml_node_t *n;
	uint64_t val, mult;
	int r = scalar_value(doc, map, key, false, &v, &n, err);
	if (r <= 0)
		return r;
	if (parse_u64(v, &val, &rest) < 0)
		goto bad;
	if (!*rest || streq(rest, "s"))
		mult = 1000;
	else if (streq(rest, "ms"))
		mult = 1;
	else if (streq(rest, "m"))
		mult = 60000;
	else if (streq(rest, "h"))
		mult = 3600000;
	else
		goto bad;
	if (val > (uint64_t)max_ms / mult || (int64_t)(val * mult) < min_ms)
		return conf_fail(doc, n, err, "'%s' must be between %" PRId64 "s and %" PRId64 "s, not %s",
				 key, min_ms / 1000, max_ms / 1000, v);
	*out = (int64_t)(val * mult);
	return 0;
bad:
	return conf_fail(doc, n, err, "'%s' must be a duration such as 90s, 2m or 1500ms, not '%s'", key, v);
}

int conf_percent(struct conf_doc *doc, yaml_node_t *map, const char *key, double min, double max, double *out,
		 struct conf_error *err)
{
	const char *v;
	yaml_node_t *n;
	int r = scalar_value(doc, map, key, false, &v, &n, err);
	if (r <= 0)
		return r;
	char *end;
	errno = 0;
	double p = strtod(v, &end);
	if (end == v || errno || !(streq(end, "%") || !*end) || !isfinite(p) || p / 100 < min || p / 100 > max)
		return conf_fail(doc, n, err, "'%s' must be a percentage between %g%% and %g%%, such as 25%%, not '%s'", key,
				 min * 100, max * 100, v);
	*out = p / 100;
	return 0;
}

int conf_size_mib(struct conf_doc *doc, yaml_node_t *map, const char *key, uint64_t min, uint64_t max,
		  uint64_t *out, struct conf_error *err)
{
	const char *v, *rest;
	yaml_node_t *n;
	uint64_t val;
	int r = scalar_value(doc, map, key, false, &v, &n, err);
	if (r <= 0)
		return r;
	if (parse_u64(v, &val, &rest) < 0)
		goto bad;
	if (streq(rest, "G") || streq(rest, "GiB")) {
		if (val > max / 1024)
			goto range;
		val *= 1024;
	} else if (*rest && !streq(rest, "M") && !streq(rest, "MiB")) {
		goto bad;
	}
	if (val < min || val > max)
		goto range;
	*out = val;
	return 0;
range:
	return conf_fail(doc, n, err, "'%s' must be between %" PRIu64 "M and %" PRIu64 "M, not %s", key, min, max, v);
bad:
	return conf_fail(doc, n, err, "'%s' must be a size such as 512M or 2G, not '%s'", key, v);
}
