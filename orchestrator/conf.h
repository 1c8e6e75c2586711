/* conf.h: typed, position-aware access to YAML documents (matrices, catalog entries, manifests). */
#pragma once

#include <stdint.h>
#include <yaml.h>

#include "util.h"

/* A user-facing error in an input file: "file:line:column: reason". */
struct conf_error {
	char *file;
	int line;   /* 1-based, 0 when unknown */
	int column; /* 1-based, 0 when unknown */
	char *reason;
};

/* Where a value sits in its file (1-based; 0 when unknown). */
struct conf_pos {
	int line, column;
};

void conf_error_clear(struct conf_error *err);
/* Sets err (first error wins) and returns -EINVAL. */
int conf_error_set(struct conf_error *err, const char *file, int line, int column,
		   const char *fmt, ...) PRINTF_LIKE(5, 6);
/* "file:line:column: reason" (or "file: reason" when there is no position). */
char *conf_error_format(const struct conf_error *err);

struct conf_doc {
	char *file;
	yaml_document_t doc;
	bool loaded;
};

/* Loads a YAML file of at most 4 MiB. 0 or negative errno with err set. */
int conf_load(const char *path, struct conf_doc **out, struct conf_error *err);
/* Loads YAML from memory; name is used in error messages. */
int conf_load_buffer(const char *name, const char *data, size_t len, struct conf_doc **out,
		     struct conf_error *err);
void conf_free(struct conf_doc *doc);

yaml_node_t *conf_root(struct conf_doc *doc);
/* The node's position (zero for NULL). */
struct conf_pos conf_pos_of(yaml_node_t *node);
/* Error positioned at a node. Returns -EINVAL. */
int conf_fail(struct conf_doc *doc, yaml_node_t *node, struct conf_error *err,
	      const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Fails unless node is a mapping whose keys are all in allowed (NULL-terminated);
 * an unknown key gets a "did you mean" hint. Duplicated keys are refused too. */
int conf_check_map(struct conf_doc *doc, yaml_node_t *node, const char *what,
		   const char *const *allowed, struct conf_error *err);
/* Value of key in a mapping, NULL when absent. */
yaml_node_t *conf_get(struct conf_doc *doc, yaml_node_t *map, const char *key);
/* Number of items of a sequence node, and item i. */
size_t conf_seq_len(yaml_node_t *seq);
yaml_node_t *conf_seq_item(struct conf_doc *doc, yaml_node_t *seq, size_t i);
/* Fails unless node is a non-empty sequence. */
int conf_require_seq(struct conf_doc *doc, yaml_node_t *node, const char *what,
		     struct conf_error *err);

/* Scalar readers; each fails with a positioned error when the value is of the wrong kind.
 * When required is false and node is NULL, they leave *out unchanged and return 0. */
int conf_string(struct conf_doc *doc, yaml_node_t *map, const char *key, bool required,
		char **out, struct conf_error *err);
int conf_uint(struct conf_doc *doc, yaml_node_t *map, const char *key, uint64_t min,
	      uint64_t max, uint64_t *out, struct conf_error *err);
int conf_bool(struct conf_doc *doc, yaml_node_t *map, const char *key, bool *out,
	      struct conf_error *err);
/* "90", "90s", "2m", "1500ms" → milliseconds. */
int conf_duration_ms(struct conf_doc *doc, yaml_node_t *map, const char *key, int64_t min_ms,
		     int64_t max_ms, int64_t *out, struct conf_error *err);
/* "256", "256M", "1G" → MiB. */
int conf_size_mib(struct conf_doc *doc, yaml_node_t *map, const char *key, uint64_t min,
		  uint64_t max, uint64_t *out, struct conf_error *err);
/* "25%" or "25" → 0.25, between min and max (fractions). */
int conf_percent(struct conf_doc *doc, yaml_node_t *map, const char *key, double min, double max, double *out,
		 struct conf_error *err);
/* Scalar text of a node, or NULL when it is not a scalar. */
const char *conf_scalar(yaml_node_t *node);
