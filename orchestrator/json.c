/* json.c: a recursive-descent JSON parser with depth and node limits, and string escaping. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct parser {
	const char *p, *end;
	size_t nodes;
	char *err;
};

static void *parse_fail(struct parser *ps, const char *what)
{
	if (!ps->err)
		ps->err = xstrdup(what);
	return NULL;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct json *node_new(struct parser *ps, enum json_type type)
{
	if (++ps->nodes > JSON_MAX_NODES)
		return parse_fail(ps, "too many values");
	struct json *j = xzalloc(sizeof(*j));
	j->type = type;
	return j;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
	char b[4];
	if (cp < 0x80) {
		strbuf_putc(sb, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[2] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, b, 4);
	}
}

static char *parse_string_raw(struct parser *ps, size_t *len)
{
	struct strbuf sb;
	strbuf_init(&sb);
	ps->p++; /* opening quote */
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		if (c < 0x20) {
			strbuf_release(&sb);
			return parse_fail(ps, "control character in string");
		}
		if (c != '\\') {
			strbuf_putc(&sb, (char)c);
			ps->p++;
			continue;
		}
		if (ps->end - ps->p < 2)
			break;
		char e = ps->p[1];
		ps->p += 2;
		switch (e) {
		case '"': strbuf_putc(&sb, '"'); break;
		case '\\': strbuf_putc(&sb, '\\'); break;
		case '/': strbuf_putc(&sb, '/'); break;
		case 'b': strbuf_putc(&sb, '\b'); break;
		case 'f': strbuf_putc(&sb, '\f'); break;
		case 'n': strbuf_putc(&sb, '\n'); break;
		case 'r': strbuf_putc(&sb, '\r'); break;
		case 't': strbuf_putc(&sb, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0) {
				strbuf_release(&sb);
				return parse_fail(ps, "bad \\u escape");
			}
			ps->p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
			    hex4(ps->p + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				ps->p += 6;
			} else if (cp >= 0xD800 && cp <= 0xDFFF) {
				cp = 0xFFFD;
			}
			put_utf8(&sb, cp);
			break;
		}
		default:
			strbuf_release(&sb);
			return parse_fail(ps, "bad escape in string");
		}
	}
	if (ps->p >= ps->end) {
		strbuf_release(&sb);
		return parse_fail(ps, "unterminated string");
	}
	ps->p++;
	*len = sb.len;
	return strbuf_steal(&sb);
}

static struct json *parse_value(struct parser *ps, int depth);

static struct json *parse_container(struct parser *ps, int depth, bool object)
{
	struct json *j = node_new(ps, object ? JSON_OBJECT : JSON_ARRAY);
	if (!j)
		return NULL;
	char close = object ? '}' : ']';
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				goto fail_msg;
			if (!(key = parse_string_raw(ps, &klen)))
				goto fail;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				goto fail_msg;
			}
			ps->p++;
		}
		struct json *v = parse_value(ps, depth + 1);
		if (!v) {
			free(key);
			goto fail;
		}
		j->items = xreallocarray(j->items, j->n + 1, sizeof(*j->items));
		if (object)
			j->keys = xreallocarray(j->keys, j->n + 1, sizeof(*j->keys));
		j->items[j->n] = v;
		if (object)
			j->keys[j->n] = key;
		j->n++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return j;
		}
		goto fail_msg;
	}
fail_msg:
	parse_fail(ps, object ? "expected a key, ',' or '}'" : "expected ',' or ']'");
fail:
	json_free(j);
	return NULL;
}

static struct json *parse_value(struct parser *ps, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return parse_fail(ps, "nested too deeply");
	skip_ws(ps);
	if (ps->p >= ps->end)
		return parse_fail(ps, "unexpected end");
	char c = *ps->p;
	if (c == '{' || c == '[')
		return parse_container(ps, depth, c == '{');
	if (c == '"') {
		struct json *j = node_new(ps, JSON_STRING);
		if (j && !(j->string = parse_string_raw(ps, &j->len))) {
			json_free(j);
			return NULL;
		}
		return j;
	}
	static const struct { const char *word; enum json_type type; bool value; } words[] = {
		{ "true", JSON_BOOL, true }, { "false", JSON_BOOL, false }, { "null", JSON_NULL, false },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(words); i++) {
		size_t n = strlen(words[i].word);
		if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i].word, n) == 0) {
			ps->p += n;
			struct json *j = node_new(ps, words[i].type);
			if (j)
				j->boolean = words[i].value;
			return j;
		}
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		char buf[64];
		size_t n = 0;
		while (ps->p + n < ps->end && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", ps->p[n]))
			n++;
		memcpy(buf, ps->p, n);
		buf[n] = '\0';
		char *end;
		errno = 0;
		double v = strtod(buf, &end);
		if (end != buf + n || errno || !isfinite(v))
			return parse_fail(ps, "bad number");
		ps->p += n;
		struct json *j = node_new(ps, JSON_NUMBER);
		if (j)
			j->number = v;
		return j;
	}
	return parse_fail(ps, "unexpected character");
}

struct json *json_parse(const char *text, size_t len, char **err)
{
	struct parser ps = { .p = text, .end = text + len };
	const char *start = text;
	struct json *j = parse_value(&ps, 0);
	if (j) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			json_free(j);
			j = NULL;
			ps.err = xstrdup("trailing data");
		}
	}
	if (!j && err)
		*err = xasprintf("invalid JSON: %s near byte %zu", ps.err ? ps.err : "syntax error", (size_t)(ps.p - start));
	free(ps.err);
	return j;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->string);
	free(j);
}

const struct json *json_get(const struct json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (streq(j->keys[i], key))
			return j->items[i];
	return NULL;
}

const char *json_get_string(const struct json *j, const char *key, const char *fallback)
{
	const struct json *v = json_get(j, key);
	return v && v->type == JSON_STRING ? v->string : fallback;
}

bool json_get_bool(const struct json *j, const char *key, bool fallback)
{
	const struct json *v = json_get(j, key);
	return v && v->type == JSON_BOOL ? v->boolean : fallback;
}

double json_get_number(const struct json *j, const char *key, double fallback)
{
	const struct json *v = json_get(j, key);
	return v && v->type == JSON_NUMBER ? v->number : fallback;
}

void strbuf_put_json_string(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': strbuf_puts(sb, "\\\""); break;
		case '\\': strbuf_puts(sb, "\\\\"); break;
		case '\n': strbuf_puts(sb, "\\n"); break;
		case '\t': strbuf_puts(sb, "\\t"); break;
		case '\r': strbuf_puts(sb, "\\r"); break;
		case '<': strbuf_puts(sb, "\\u003c"); break; /* safe to embed in HTML */
		default:
			if (*p < 0x20 || *p == 0x7F)
				strbuf_printf(sb, "\\u%04x", *p);
			else
				strbuf_putc(sb, (char)*p);
		}
	}
	strbuf_putc(sb, '"');
}
