/* synthetic.h: result runs built in memory, for report and gate tests and benchmarks. */
#pragma once

#include <string.h>

#include "store.h"
#include "util.h"

/* A run of n_images x n_hardware x n_sensors x n_contents cells; verdict_of(i) picks each verdict. */
static inline struct result_run *synthetic_run(int64_t id, size_t n_images, size_t n_hardware, size_t n_sensors,
					       size_t n_contents, enum verdict (*verdict_of)(size_t i))
{
	struct result_run *run = xzalloc(sizeof(*run));
	size_t n = n_images * n_hardware * n_sensors * n_contents;
	run->id = id;
	run->matrix_name = xstrdup("synthetic");
	run->matrix_file = xstrdup("synthetic.yaml");
	run->matrix_sha256 = xstrdup("00");
	run->host = xstrdup("host");
	run->status = xstrdup("finished");
	run->started_ms = 1700000000000;
	run->finished_ms = run->started_ms + 3600000;
	run->cells = xcalloc(n, sizeof(*run->cells));
	run->n_cells = n;
	size_t i = 0;
	for (size_t a = 0; a < n_images; a++)
		for (size_t b = 0; b < n_hardware; b++)
			for (size_t s = 0; s < n_sensors; s++)
				for (size_t c = 0; c < n_contents; c++, i++) {
					struct result_cell *cell = &run->cells[i];
					cell->id = (int64_t)i + 1;
					cell->image = xasprintf("image-%zu", a);
					cell->hardware = xasprintf("hw-%zu", b);
					cell->sensor = xasprintf("sensor-%zu", s);
					cell->content = xasprintf("content-%zu", c);
					cell->key = xasprintf("%s/%s/%s/%s", cell->image, cell->hardware, cell->sensor, cell->content);
					cell->verdict = verdict_of(i);
					cell->state = xstrdup("done");
					cell->attempts = 1;
					cell->started_ms = run->started_ms + (int64_t)i * 1000;
					cell->finished_ms = cell->started_ms + 30000;
					cell->reason = xstrdup(verdict_name(cell->verdict));
					cell->n_boots = 3;
					cell->boots = xcalloc(3, sizeof(*cell->boots));
					for (unsigned bt = 0; bt < 3; bt++) {
						bool crashed = bt > 0 && (cell->verdict == VERDICT_CRASH || cell->verdict == VERDICT_BOOT_LOOP);
						cell->boots[bt] = (struct result_boot){ 1, bt, cell->started_ms + bt * 9000,
											crashed ? -1 : 7000 + (int64_t)bt * 100,
											xstrdup(crashed ? "crashed" : "ok"), NULL };
					}
					if (cell->verdict == VERDICT_CRASH || cell->verdict == VERDICT_BOOT_LOOP) {
						cell->n_crashes = 1;
						cell->crashes = xcalloc(1, sizeof(*cell->crashes));
						struct result_crash *x = &cell->crashes[0];
						x->attempt = 1;
						x->boot = 1;
						x->fatal = true;
						x->kind = xstrdup("bug");
						x->source = xstrdup("pvpanic");
						x->title = xasprintf("BUG: unable to handle page fault for address: %016zx", 0xffff0000u + i);
						x->module = xasprintf("sensor_%zu", s);
						x->function = xstrdup("sensor_init");
						x->signature = xasprintf("BUG: unable to handle page fault for address: N in sensor_init [sensor_%zu]", s);
						x->reason = xstrdup("Fatal exception");
						x->console = xstrdup("[ 1.0] BUG: ...\n[ 1.1] Kernel panic - not syncing: Fatal exception\n");
						x->event_ms = cell->started_ms + 9500;
						x->recorded_ms = x->event_ms + 1;
					}
					if (cell->verdict == VERDICT_KERNEL_WARNING) {
						/* a WARNING the kernel survived, on every boot after install */
						cell->n_reports = 2;
						cell->reports = xcalloc(2, sizeof(*cell->reports));
						for (unsigned k = 0; k < 2; k++) {
							struct result_crash *x = &cell->reports[k];
							x->attempt = 1;
							x->boot = k + 1;
							x->line = 420;
							x->kind = xstrdup("warning");
							x->source = xstrdup("console");
							x->title = xasprintf("WARNING: CPU: 0 PID: %zu at rules.c:12 rule_check+0x1a/0x40 [sensor_%zu]",
									     100 + i, s);
							x->module = xasprintf("sensor_%zu", s);
							x->function = xstrdup("rule_check");
							x->signature = xasprintf("WARNING: CPU: N PID: N at rules.c:N rule_check in rule_check [sensor_%zu]", s);
							x->console = xstrdup("[ 3.0] ------------[ cut here ]------------\n[ 3.0] WARNING: ...\n");
							x->event_ms = x->recorded_ms = cell->started_ms + 9500 + k * 9000;
						}
					}
				}
	run->n_packages = 1;
	run->packages = xcalloc(1, sizeof(*run->packages));
	run->packages[0] = (struct result_package){ .name = xstrdup("sensor-0"), .version = xstrdup("1.0"),
						    .kind = xstrdup("sensor"), .sha256 = xstrdup("ab12"), .size = 100,
						    .path = xstrdup("/p") };
	return run;
}
