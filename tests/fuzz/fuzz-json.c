/* fuzz-json.c: the parser of the agent's (untrusted) JSON answers. */
#include <string.h>

#include "fuzz.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json *j = json_parse((const char *)data, size, NULL);
	if (j) {
		json_get_string(j, "boot_id", "");
		json_get_bool(j, "healthy", false);
		json_get_number(j, "exit", 0);
	}
	json_free(j);
	return 0;
}

size_t fuzz_seeds(struct fuzz_seed **out)
{
	static const char *const seeds[] = {
		"{\"ok\":true,\"exit\":0,\"output\":\"a\\nb\\u00e9\",\"n\":-1.5e3}",
		"{\"packages\":[{\"name\":\"s\",\"healthy\":false,\"output\":\"x\"}],\"healthy\":false}",
		"[1,[2,[3,{\"a\":null}]]]",
	};
	*out = xcalloc(ARRAY_LENGTH(seeds), sizeof(**out));
	for (size_t i = 0; i < ARRAY_LENGTH(seeds); i++) {
		(*out)[i].data = (uint8_t *)xstrdup(seeds[i]);
		(*out)[i].len = strlen(seeds[i]);
	}
	return ARRAY_LENGTH(seeds);
}
