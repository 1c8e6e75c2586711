/* fuzz.h: what each fuzz target provides: the libFuzzer entry point and its seed inputs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_seed {
	uint8_t *data;
	size_t len;
};

/* Seeds built in memory (owned by the caller). Returns their number. */
size_t fuzz_seeds(struct fuzz_seed **out);
