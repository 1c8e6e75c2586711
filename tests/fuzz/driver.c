/* driver.c: runs a fuzz target without libFuzzer: its seeds, the files given on the command line,
 * then deterministic mutations of them (byte flips, truncations, insertions, splices). Every input
 * is a fresh allocation of its exact size, so valgrind or ASan catch a read past the end.
 * usage: fuzz-TARGET [--iterations N] [--write-seeds DIR] [FILE...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

static uint64_t state = 0x2545F4914F6CDD1Dull;

static uint32_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 11);
}

static void run(const uint8_t *data, size_t len)
{
	uint8_t *copy = xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

int main(int argc, char **argv)
{
	long iterations = 20000;
	const char *write_dir = NULL;
	struct fuzz_seed *seeds;
	size_t n = fuzz_seeds(&seeds);
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (streq(argv[i], "--iterations") && i + 1 < argc)
			iterations = atol(argv[++i]);
		else if (streq(argv[i], "--write-seeds") && i + 1 < argc)
			write_dir = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--iterations N] [--write-seeds DIR] [FILE...]\n", argv[0]);
			return 2;
		}
	}
	if (write_dir) {
		mkdir_p(write_dir, 0755);
		for (size_t k = 0; k < n; k++) {
			char *path = xasprintf("%s/seed-%zu", write_dir, k);
			write_file(path, seeds[k].data, seeds[k].len, 0644);
			free(path);
		}
		return 0;
	}
	for (; i < argc; i++) {
		char *text = NULL;
		size_t len;
		if (read_file(argv[i], 16u << 20, &text, &len) < 0) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			return 2;
		}
		seeds = xreallocarray(seeds, n + 1, sizeof(*seeds));
		seeds[n++] = (struct fuzz_seed){ (uint8_t *)text, len };
	}
	for (size_t k = 0; k < n; k++)
		run(seeds[k].data, seeds[k].len);
	for (long it = 0; it < iterations; it++) {
		const struct fuzz_seed *s = &seeds[next() % n];
		size_t len = s->len;
		uint8_t *buf = xmalloc(len + 64);
		memcpy(buf, s->data, len);
		switch (next() % 4) {
		case 0: /* flip bytes */
			for (int f = 1 + (int)(next() % 8); f > 0 && len; f--)
				buf[next() % len] = (uint8_t)next();
			break;
		case 1: /* truncate */
			len = len ? next() % len : 0;
			break;
		case 2: { /* insert interesting bytes */
			static const uint8_t bytes[] = { 0, 0xFF, '"', '\\', '\n', '[', '{', '0', 'x', 0x80 };
			size_t at = len ? next() % len : 0, k = 1 + next() % 16;
			memmove(buf + at + k, buf + at, len - at);
			for (size_t b = 0; b < k; b++)
				buf[at + b] = bytes[next() % sizeof(bytes)];
			len += k;
			break;
		}
		default: { /* splice the head of another seed in */
			const struct fuzz_seed *o = &seeds[next() % n];
			size_t k = o->len < 64 ? o->len : 64, at = len ? next() % len : 0;
			if (at + k > len)
				k = len - at;
			memcpy(buf + at, o->data, k);
			break;
		}
		}
		run(buf, len);
		free(buf);
	}
	printf("%s: %zu seeds, %ld mutations, no crash\n", argv[0], n, iterations);
	for (size_t k = 0; k < n; k++)
		free(seeds[k].data);
	free(seeds);
	return 0;
}
