/* cell-reports.c: the kernel reports a cell's guest made and survived (WARNINGs, hung tasks,
 * lockdep, sanitizers, stalls ...): every one recorded once per boot, and those made after the
 * versions under test were installed, but not before, make the cell KERNEL_WARNING.
 *
 *   boot 0 (clean; and a baseline's boot)  ──► reports before install: recorded, "known"
 *   boot 0 from the install on (push too)  ─┐
 *   boots 1..N                             ─┴─► a signature not made before install: "new"
 *
 * Signatures (console.h) make the comparison: the same bug gives the same signature on every
 * boot, so an image's own warnings never count against the product. */
#include "cell-internal.h"
#include "console.h"
#include "log.h"

#include <string.h>
#include <sys/stat.h>

#define REPORTS_MAX 64
#define EXCERPT_BEFORE 10

static bool has_signature(char *const *list, size_t n, const char *sig)
{
	for (size_t i = 0; i < n; i++)
		if (streq(list[i], sig))
			return true;
	return false;
}

static bool seen_before(const struct reports_state *rs, const char *sig)
{
	for (size_t i = 0; i < rs->n_seen; i++)
		if (rs->seen[i].session == rs->session && streq(rs->seen[i].signature, sig))
			return true;
	return false;
}

void reports_install_begins(struct attempt *a)
{
	struct stat st;
	reports_scan(a); /* what the kernel said so far was said before the install */
	a->reports.installing = true;
	a->reports.install_session = a->reports.session;
	a->reports.install_offset = a->console && stat(a->console, &st) == 0 ? st.st_size : 0;
}

void reports_scan(struct attempt *a)
{
	struct reports_state *rs = &a->reports;
	size_t len;
	off_t start;

	if (!a->console)
		return;
	_cleanup_free_ char *text = cell_console_of_boot(a, &len, &start);
	if (!len)
		return;
	pthread_mutex_lock(&a->lock);
	unsigned boot = a->boot;
	pthread_mutex_unlock(&a->lock);
	struct console_report *reps = xcalloc(REPORTS_MAX, sizeof(*reps));
	size_t n = console_reports(text, len, reps, REPORTS_MAX);
	if (n > REPORTS_MAX) {
		log_warnx("%s: boot %u: %zu kernel reports, the first %d recorded", a->key, boot, n, REPORTS_MAX);
		n = REPORTS_MAX;
	}
	for (size_t i = 0; i < n; i++) {
		const struct console_report *rep = &reps[i];
		/* a fatal report is the crash path's, recorded when the crash was signalled */
		if (rep->fatal || !rep->signature[0] || seen_before(rs, rep->signature))
			continue;
		rs->seen = xreallocarray(rs->seen, rs->n_seen + 1, sizeof(*rs->seen));
		rs->seen[rs->n_seen++] = (struct reports_seen){ rs->session, xstrdup(rep->signature) };
		bool before = !rs->installing || (rs->session == rs->install_session &&
						   start + (off_t)rep->offset < rs->install_offset);
		bool known = before || has_signature(rs->before, rs->n_before, rep->signature);
		if (before && !has_signature(rs->before, rs->n_before, rep->signature)) {
			rs->before = xreallocarray(rs->before, rs->n_before + 1, sizeof(char *));
			rs->before[rs->n_before++] = xstrdup(rep->signature);
		}
		_cleanup_free_ char *excerpt = console_excerpt(text, len, rep->offset, EXCERPT_BEFORE, EXCERPT_LINES,
							       EXCERPT_BYTES);
		int64_t now = now_wall_ms();
		struct store_crash rec = {
			.attempt = a->number, .boot = boot, .fatal = false, .known = known, .line = (unsigned)rep->line,
			.kind = rep->kind, .source = "console", .title = rep->title,
			.module = rep->module[0] ? rep->module : NULL, .reason = rep->reason[0] ? rep->reason : NULL,
			.event_ms = now, .recorded_ms = now, .console = excerpt,
			.function = rep->function[0] ? rep->function : NULL, .signature = rep->signature,
		};
		store_crash_add(a->env->store, a->cell_id, &rec);
		_cleanup_free_ char *what = xasprintf("%s%s%s%s%s%s", rep->title, rep->function[0] ? " in " : "", rep->function,
						      rep->module[0] ? " [" : "", rep->module, rep->module[0] ? "]" : "");
		log_info("%s: boot %u: kernel report (%s%s): %s", a->key, boot, rep->kind,
			 known ? before ? ", before install" : ", made before install too" : ", new", what);
		if (known)
			continue;
		if (!rs->n_new++) {
			rs->first_boot = boot;
			rs->first_what = xasprintf("%s%s%s%s%s%s", rep->kind, rep->function[0] ? " in " : "", rep->function,
						   rep->module[0] ? " [" : "", rep->module, rep->module[0] ? "]" : "");
			rs->first_evidence = xasprintf("console on boot %u: %s", boot, what);
		}
		if (rs->new_sessions == 0 || rs->last_new_session != rs->session) {
			rs->new_sessions++;
			rs->last_new_session = rs->session;
		}
	}
	free(reps);
}

void reports_judge(struct attempt *a)
{
	struct reports_state *rs = &a->reports;
	if (!rs->n_new || (a->verdict != VERDICT_NONE && a->verdict != VERDICT_PASS))
		return;
	_cleanup_free_ char *count = xasprintf("%zu new report%s on %u boot%s", rs->n_new, rs->n_new == 1 ? "" : "s",
					       rs->new_sessions, rs->new_sessions == 1 ? "" : "s");
	if (a->env->matrix->plan.kernel_reports == KERNEL_REPORTS_RECORD) {
		cell_conclude(a, VERDICT_PASS, 0,
			      xasprintf("%zu boots after install, all healthy; kernel reports after install recorded, not judged "
					"(plan.kernel_reports: record): %s, the first %s", a->n_outcomes, count, rs->first_what),
			      NULL);
		return;
	}
	char *reason = xasprintf("the kernel reported on boot %u %s what it had not before: %s (%s)", rs->first_boot,
				 rs->first_boot ? "after install" : "during install", rs->first_what, count);
	if (a->verdict == VERDICT_PASS) {
		/* a PASS that only says the performance could not be judged: the report outranks it */
		char *both = xasprintf("%s; %s", reason, a->reason ? a->reason : "");
		free(reason);
		free(a->reason);
		free(a->evidence);
		a->verdict = VERDICT_KERNEL_WARNING;
		a->boot_index = rs->first_boot;
		a->reason = both;
		a->evidence = xstrdup(rs->first_evidence);
		return;
	}
	cell_conclude(a, VERDICT_KERNEL_WARNING, rs->first_boot, reason, xstrdup(rs->first_evidence));
}

void reports_state_clear(struct reports_state *rs)
{
	for (size_t i = 0; i < rs->n_seen; i++)
		free(rs->seen[i].signature);
	for (size_t i = 0; i < rs->n_before; i++)
		free(rs->before[i]);
	free(rs->seen);
	free(rs->before);
	free(rs->first_what);
	free(rs->first_evidence);
	*rs = (struct reports_state){ 0 };
}
