/* json.h: a bounded JSON parser for what the guest agent prints (untrusted), and JSON writing helpers. */
#pragma once

#include "util.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	double number;
	char *string; /* NUL-terminated; may contain NUL bytes (len says) */
	size_t len;
	struct json **items; /* array items or object values */
	char **keys;         /* object keys */
	size_t n;
};

#define JSON_MAX_DEPTH 32
#define JSON_MAX_NODES 100000

/* Parses exactly one JSON value (surrounding white space allowed). NULL and *err on failure. */
struct json *json_parse(const char *text, size_t len, char **err);
void json_free(struct json *j);
/* Member of an object, NULL when absent or j is not an object. */
const struct json *json_get(const struct json *j, const char *key);
/* Typed members with a fallback. */
const char *json_get_string(const struct json *j, const char *key, const char *fallback);
bool json_get_bool(const struct json *j, const char *key, bool fallback);
double json_get_number(const struct json *j, const char *key, double fallback);

/* Appends s as a JSON string literal. */
void strbuf_put_json_string(struct strbuf *sb, const char *s);
