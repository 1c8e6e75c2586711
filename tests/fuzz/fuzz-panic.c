/* fuzz-panic.c: the hypervisor's panic reports: QMP GUEST_PANICKED data and libvirt's log line. */
#include "../forensics-samples.h"
#include "bugcheck.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_panic p;
	guest_panic_parse_qmp((const char *)data, size, &p);
	guest_panic_parse_log((const char *)data, size, &p);
	return 0;
}

size_t fuzz_seeds(struct fuzz_seed **out)
{
	*out = xcalloc(2, sizeof(**out));
	(*out)[0].data = (uint8_t *)xstrdup(sample_guest_panicked);
	(*out)[0].len = strlen(sample_guest_panicked);
	(*out)[1].data = (uint8_t *)xstrdup(sample_panic_log);
	(*out)[1].len = strlen(sample_panic_log);
	return 2;
}
