/* test-parse.c: the parsers that read untrusted guest output (agent JSON, console), text
 * sanitising, and SHA-256 against the FIPS 180-4 vectors. */
#include <string.h>

#include "console.h"
#include "json.h"
#include "sha256.h"
#include "test-common.h"

START_TEST(test_json_agent_answer)
{
	const char *text = "{\"ok\":true,\"exit\":0,\"output\":\"line\\n\\u00e9\\ud83d\\ude00\",\"n\":-1.5e3,"
			   "\"list\":[1,\"two\",null,false],\"nested\":{\"a\":{}}}\n";
	char *err = NULL;
	struct json *j = json_parse(text, strlen(text), &err);
	ck_assert_msg(j, "%s", err ? err : "?");
	ck_assert(json_get_bool(j, "ok", false));
	ck_assert_str_eq(json_get_string(j, "output", ""), "line\n\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert(json_get_number(j, "n", 0) == -1500);
	const struct json *list = json_get(j, "list");
	ck_assert_uint_eq(list->n, 4);
	ck_assert_int_eq(list->items[2]->type, JSON_NULL);
	ck_assert_ptr_null(json_get(j, "missing"));
	ck_assert_str_eq(json_get_string(j, "ok", "fallback"), "fallback");
	json_free(j);
}
END_TEST

static const char *const bad_json[] = {
	"", "{", "{\"a\" 1}", "{\"a\":1,}", "[1,2", "\"unterminated", "{\"a\":tru}", "nul", "01x", "1e999",
	"{\"a\":1} trailing", "\"ctrl\x01\"", "\"bad \\x escape\"", "\"\\u12\"", "[1]]",
};

START_TEST(test_json_rejects)
{
	char *err = NULL;
	struct json *j = json_parse(bad_json[_i], strlen(bad_json[_i]), &err);
	ck_assert_msg(j == NULL, "accepted '%s'", bad_json[_i]);
	ck_assert_ptr_nonnull(err);
	ck_assert(strstartswith(err, "invalid JSON"));
	free(err);
}
END_TEST

START_TEST(test_json_limits)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < JSON_MAX_DEPTH + 5; i++)
		strbuf_putc(&sb, '[');
	for (int i = 0; i < JSON_MAX_DEPTH + 5; i++)
		strbuf_putc(&sb, ']');
	char *err = NULL;
	ck_assert_ptr_null(json_parse(sb.buf, sb.len, &err));
	ck_assert_msg(strstr(err, "nested too deeply"), "%s", err);
	free(err);
	strbuf_reset(&sb);
	strbuf_putc(&sb, '[');
	for (int i = 0; i < JSON_MAX_NODES + 10; i++)
		strbuf_puts(&sb, i ? ",0" : "0");
	strbuf_putc(&sb, ']');
	err = NULL;
	ck_assert_ptr_null(json_parse(sb.buf, sb.len, &err));
	ck_assert_msg(strstr(err, "too many values"), "%s", err);
	free(err);
	/* embedded NUL inside the buffer is not the end of the input */
	ck_assert_ptr_null(json_parse("{}\0{}", 5, NULL));
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_json_writer_escapes)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_put_json_string(&sb, "a\"b\\c\n</script>\x01");
	ck_assert_str_eq(sb.buf, "\"a\\\"b\\\\c\\n\\u003c/script>\\u0001\"");
	char *err = NULL;
	struct json *j = json_parse(sb.buf, sb.len, &err);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(j->string, "a\"b\\c\n</script>\x01");
	json_free(j);
	strbuf_release(&sb);
}
END_TEST

static char *load(const char *rel, size_t *len)
{
	_cleanup_free_ char *path = test_data(rel);
	char *text = NULL;
	ck_assert_int_eq(read_file(path, 1 << 20, &text, len), 0);
	return text;
}

START_TEST(test_console_real_oops)
{
	size_t len;
	_cleanup_free_ char *text = load("console/linux-oob-bootloop.log", &len);
	struct console_crash c;
	console_classify(text, len, &c);
	ck_assert(c.crashed);
	ck_assert_str_eq(c.kind, "bug");
	ck_assert(strstartswith(c.title, "BUG: unable to handle page fault for address: "));
	ck_assert_str_eq(c.function, "compatlab_sensor_init");
	ck_assert_str_eq(c.module, "compatlab_sensor");
	ck_assert_str_eq(c.reason, "Fatal exception");
}
END_TEST

START_TEST(test_console_clean_boots)
{
	static const char *const clean[] = { "console/linux-clean-3boots.log", "console/linux-hang.log" };
	for (size_t i = 0; i < ARRAY_LENGTH(clean); i++) {
		size_t len;
		_cleanup_free_ char *text = load(clean[i], &len);
		struct console_crash c;
		console_classify(text, len, &c);
		ck_assert_msg(!c.crashed, "%s: false positive '%s'", clean[i], c.title);
	}
	size_t len;
	_cleanup_free_ char *text = load("console/linux-hang.log", &len);
	_cleanup_free_ char *last = console_last_line(text, len);
	ck_assert(strstartswith(last, "compatlab-guest: boot-start drivers"));
}
END_TEST

START_TEST(test_console_hostile)
{
	/* escape sequences, NUL, invalid UTF-8 and a huge title are bounded and cleaned */
	struct strbuf sb;
	strbuf_init(&sb);
	static const char head[] = "[    1.0] BUG: unable to handle \x1b[31m<script>\xff\xfe";
	strbuf_add(&sb, head, sizeof(head) - 1);
	strbuf_add(&sb, "\0", 1);
	for (int i = 0; i < 10000; i++)
		strbuf_putc(&sb, 'A');
	strbuf_puts(&sb, "\nRIP: 0010:evil+0x1/0x2 [mod\x1b]\n");
	struct console_crash c;
	console_classify(sb.buf, sb.len, &c);
	ck_assert(c.crashed);
	ck_assert(strlen(c.title) < sizeof(c.title));
	ck_assert_ptr_null(strchr(c.title, '\x1b'));
	ck_assert_ptr_nonnull(strstr(c.title, "\xef\xbf\xbd")); /* U+FFFD for the bad bytes */
	ck_assert_str_eq(c.function, "evil");
	ck_assert_str_eq(c.module, ""); /* "[mod\x1b]" is no module name */
	_cleanup_free_ char *tail = console_tail(sb.buf, sb.len, 10, 512);
	ck_assert_uint_le(strlen(tail), 512 + 64);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_sanitize)
{
	_cleanup_free_ char *a = sanitize_text("ok\ttab\r\n\x1b[0m\x7f" "end", 16, 100);
	ck_assert_str_eq(a, "ok\ttab\n[0mend");
	_cleanup_free_ char *b = sanitize_text("\xc3\xa9\xed\xa0\x80", 5, 100); /* é, then a UTF-16 surrogate */
	ck_assert_str_eq(b, "\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	_cleanup_free_ char *c = sanitize_text("abcdef", 6, 3);
	ck_assert_str_eq(c, "abc\n[... 3 bytes truncated]");
	ck_assert_uint_eq(str_distance("vcpu", "vcpus"), 1);
	ck_assert_uint_eq(str_distance("memory", "memroy"), 2);
}
END_TEST

START_TEST(test_sha256_vectors)
{
	static const struct { const char *in; const char *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(v); i++) {
		struct sha256 s;
		char hex[65];
		sha256_init(&s);
		sha256_update(&s, v[i].in, strlen(v[i].in));
		sha256_final_hex(&s, hex);
		ck_assert_str_eq(hex, v[i].hex);
	}
	/* a million 'a's, fed in uneven pieces */
	struct sha256 s;
	char hex[65], chunk[997];
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		sha256_update(&s, chunk, n);
		left -= n;
	}
	sha256_final_hex(&s, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_json_agent_answer);
	tcase_add_loop_test(tc, test_json_rejects, 0, ARRAY_LENGTH(bad_json));
	tcase_add_test(tc, test_json_limits);
	tcase_add_test(tc, test_json_writer_escapes);
	tcase_add_test(tc, test_console_real_oops);
	tcase_add_test(tc, test_console_clean_boots);
	tcase_add_test(tc, test_console_hostile);
	tcase_add_test(tc, test_sanitize);
	tcase_add_test(tc, test_sha256_vectors);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(parse_suite)
