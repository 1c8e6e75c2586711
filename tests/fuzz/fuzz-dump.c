/* fuzz-dump.c: Windows kernel dump and minidump parsing on arbitrary bytes. */
#include "../forensics-samples.h"
#include "dump.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dump_info d;
	char *why = NULL;
	if (dump_parse(data, size, &d, &why) == 0) {
		struct strbuf sb;
		strbuf_init(&sb);
		dump_to_json(&d, &sb);
		strbuf_release(&sb);
	}
	free(why);
	return 0;
}

size_t fuzz_seeds(struct fuzz_seed **out)
{
	*out = xcalloc(2, sizeof(**out));
	(*out)[0].data = sample_kernel_dump(&(*out)[0].len);
	(*out)[1].data = sample_minidump(&(*out)[1].len);
	return 2;
}
