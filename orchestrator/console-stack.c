/* console-stack.c: stack frames in every format the kernel prints them (x86 RIP/IP/EIP and call
 * traces with or without addresses, ARM "PC is at" and "(f) from (g)", arm64 "pc : f", powerpc
 * NIP/LR, s390 Krnl PSW, MIPS and RISC-V epc), and the lists of functions that report a bug
 * rather than cause it: the guilty frame is the first frame not on them. */
#include "console-private.h"

#include <stdio.h>
#include <string.h>

static bool is_symchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '$';
}

static bool is_hexchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *skip_hex(const char *p, const char *end)
{
	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	while (p < end && is_hexchar(*p))
		p++;
	return p;
}

static void set_field(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

struct symbol {
	const char *end;  /* after the symbol, its offset and its module */
	bool offset;      /* "+0x1e/0x40" followed the name */
	bool module;      /* " [mod]" followed */
};

/* "f+0x1e/0x40 [mod]", "f [mod]", "f", 2.6's ":mod:f+0x1e/0x40", ppc64's ".f+0x1e/0x40": fills
 * f->function (without GCC's ".isra.0", ".constprop.0", ".part.0", ".cold" suffixes) and
 * f->module. False when p is not a symbol. */
static bool parse_symbol(const char *p, const char *end, struct console_frame *f, struct symbol *s)
{
	memset(s, 0, sizeof(*s));
	f->function[0] = f->module[0] = '\0';
	if (p < end && *p == ':') { /* ":acme:acme_rx+0x24/0x90" */
		const char *m = p + 1, *colon = memchr(m, ':', (size_t)(end - m));
		if (!colon || colon == m || colon - m > 55)
			return false;
		set_field(f->module, sizeof(f->module), m, (size_t)(colon - m));
		p = colon + 1;
	}
	if (p < end && *p == '.' && end - p > 1 && (p[1] == '_' || (p[1] >= 'a' && p[1] <= 'z')))
		p++;
	if (p >= end || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
		return false;
	const char *name = p;
	while (p < end && is_symchar(*p))
		p++;
	const char *dot = memchr(name, '.', (size_t)(p - name));
	set_field(f->function, sizeof(f->function), name, (size_t)((dot ? dot : p) - name));
	if (end - p >= 3 && p[0] == '+' && p[1] == '0' && p[2] == 'x') {
		p = skip_hex(p + 1, end);
		if (p < end && *p == '/')
			p = skip_hex(p + 1, end);
		s->offset = true;
	}
	const char *q = skip_spaces(p, end);
	if (q < end && *q == '[') {
		const char *close = memchr(q, ']', (size_t)(end - q));
		if (close && close > q + 1 && close - q <= 56) {
			bool ok = true;
			for (const char *c = q + 1; c < close; c++)
				ok &= is_symchar(*c) || *c == '-';
			if (ok && !console_starts(q, end, "[inline]")) {
				set_field(f->module, sizeof(f->module), q + 1, (size_t)(close - q - 1));
				s->module = true;
				p = close + 1;
			}
		}
	}
	s->end = p;
	return true;
}

/* " path/file.c:123" after a symbol: a symbolized frame */
static bool source_location(const char *p, const char *end)
{
	if (p >= end || *p != ' ')
		return false;
	p = skip_spaces(p, end);
	const char *tok = p;
	while (p < end && *p != ' ') {
		if (*p == '=' || *p == ',')
			return false;
		p++;
	}
	for (const char *c = tok; c + 1 < p; c++)
		if (*c == ':' && c[1] >= '0' && c[1] <= '9' && c > tok && memchr(tok, '.', (size_t)(c - tok)))
			return true;
	return false;
}

/* "[<ffffffff81234567>]" or powerpc's "[c000000000123456]": the position after it, or NULL */
static const char *skip_address(const char *p, const char *end)
{
	if (p >= end || *p != '[')
		return NULL;
	const char *q = p + 1;
	if (q < end && *q == '<')
		q++;
	const char *h = q;
	while (q < end && is_hexchar(*q))
		q++;
	if (q - h < 4)
		return NULL;
	if (q < end && *q == '>')
		q++;
	if (q >= end || *q != ']')
		return NULL;
	return q + 1;
}

bool console_frame_parse(const char *p, const char *end, struct console_frame *f)
{
	memset(f, 0, sizeof(*f));
	p = skip_spaces(p, end);
	bool addressed = false;
	for (int i = 0; i < 4 && p < end; i++) {
		if (console_starts(p, end, "? ")) {
			f->flags |= CONSOLE_FRAME_UNRELIABLE;
			p = skip_spaces(p + 2, end);
		} else if (*p == '(' && end - p > 1 && p[1] == '[') { /* s390: "([<...>] f+0x1/0x2)" */
			f->flags |= CONSOLE_FRAME_UNRELIABLE;
			p++;
		} else {
			const char *q = skip_address(p, end);
			if (!q)
				break;
			addressed = true;
			p = skip_spaces(q, end);
		}
	}
	struct symbol s;
	if (addressed && p < end && *p == '(') { /* ARM: "[<c0123456>] (f+0x24/0x90) from [<...>] (g)" */
		if (!parse_symbol(p + 1, end, f, &s) || !console_find(s.end, end, " from "))
			return false;
		return true;
	}
	if (!parse_symbol(p, end, f, &s))
		return false;
	if (console_find(s.end, end, "(unreliable)"))
		f->flags |= CONSOLE_FRAME_UNRELIABLE;
	if (s.offset)
		return true;
	/* ARM since 5.x: " f from g+0x1/0x2"; symbolized reports: "f mm/slub.c:123 [inline]" */
	return console_starts(s.end, end, " from ") || source_location(s.end, end);
}

/* after "RIP: 0010:", "IP: ", "EIP: ", "NIP [c...] ": the symbol, skipping addresses */
static bool location_symbol(const char *p, const char *end, struct console_frame *f)
{
	p = skip_spaces(p, end);
	for (int i = 0; i < 2; i++) {
		const char *q = skip_address(p, end);
		if (!q)
			break;
		p = skip_spaces(q, end);
	}
	struct symbol s;
	return parse_symbol(p, end, f, &s) && s.offset;
}

int console_location_parse(const char *p, const char *end, struct console_frame *f)
{
	memset(f, 0, sizeof(*f));
	p = skip_spaces(p, end);
	if (console_starts(p, end, "RIP: ") || console_starts(p, end, "EIP: ")) {
		const char *q = p + 5;
		const char *colon = q;
		while (colon < end && is_hexchar(*colon))
			colon++;
		if (colon < end && *colon == ':' && colon - q == 4) /* the code segment */
			q = colon + 1;
		return location_symbol(q, end, f) ? 1 : 0;
	}
	if (console_starts(p, end, "RIP  [<") || console_starts(p, end, "IP: "))
		return location_symbol(p + 4, end, f) ? 1 : 0;
	static const struct {
		const char *prefix;
		int which;
	} simple[] = {
		{ "EIP is at ", 1 }, { "PC is at ", 1 }, { "LR is at ", 2 }, { "pc : ", 1 }, { "lr : ", 2 },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(simple); i++)
		if (console_starts(p, end, simple[i].prefix))
			return location_symbol(p + strlen(simple[i].prefix), end, f) ? simple[i].which : 0;
	if (console_starts(p, end, "NIP [") || console_starts(p, end, "LR [")) {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return 0;
		return location_symbol(close + 1, end, f) ? (p[0] == 'N' ? 1 : 2) : 0;
	}
	if (console_starts(p, end, "Krnl PSW : ")) {
		const char *open = memchr(p, '(', (size_t)(end - p));
		struct symbol s;
		return open && parse_symbol(open + 1, end, f, &s) && s.offset ? 1 : 0;
	}
	/* MIPS "epc   : ffffffffc0123456 f+0x24/0x90 [m]", RISC-V "epc : f+0x24/0x90 [m]", " ra : g" */
	if (console_starts(p, end, "epc ") || console_starts(p, end, "ra ")) {
		int which = p[0] == 'e' ? 1 : 2;
		const char *q = p + 3;
		q = skip_spaces(q, end);
		if (q >= end || *q != ':')
			return 0;
		q = skip_spaces(q + 1, end);
		const char *h = q;
		while (q < end && is_hexchar(*q))
			q++;
		if (q - h >= 8 && q < end && *q == ' ')
			h = q;
		return location_symbol(h, end, f) ? which : 0;
	}
	return 0;
}

bool console_title_frame(const char *p, const char *end, struct console_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->rank = CONSOLE_RANK_TITLE;
	const char *q = NULL;
	if (console_starts(p, end, "WARNING: ")) {
		/* "WARNING: CPU: 1 PID: 2 at drivers/x.c:12 f+0x1c/0x30 [m]", "WARNING: at x.c:12 f()" */
		const char *at = console_find(p, end, " at ");
		if (!at)
			return false;
		q = at + 4;
		while (q < end && *q != ' ')
			q++;
	} else {
		static const char *const markers[] = { "KASAN: ", "KFENCE: ", "KMSAN: ", "KCSAN: ", "AddressSanitizer: " };
		for (size_t i = 0; i < ARRAY_LENGTH(markers) && !q; i++) {
			const char *m = console_find(p, end, markers[i]);
			if (m && m - p < 8) {
				const char *in = console_find(m, end, " in ");
				q = in ? in + 3 : NULL;
				if (!q)
					return false;
			}
		}
		if (!q) {
			const char *m = console_find(p, end, "corrupted in: ");
			if (!m)
				return false;
			q = m + strlen("corrupted in:");
		}
	}
	q = skip_spaces(q, end);
	struct symbol s;
	if (!parse_symbol(q, end, f, &s))
		return false;
	/* "in drivers/acme/rules.c:12" (UBSAN) names a file, not a function */
	if (s.end < end && *s.end == '/')
		return false;
	if (s.offset || s.module)
		return true;
	const char *after = skip_spaces(s.end, end);
	/* KCSAN's "in f / g", 2.6's "at x.c:12 f()", old KASAN's "in f at addr ..." */
	return after >= end || *after == '/' || console_starts(s.end, end, "()") || console_starts(after, end, "at addr") ||
	       source_location(s.end, end);
}

/* Functions that report a bug, or that bugs only pass through. An entry ending in '*' is a prefix. */
static const char *const machinery[] = {
	/* reports and their stacks */
	"dump_stack*", "__dump_stack", "show_stack*", "show_regs*", "show_trace*", "sched_show_task", "dump_backtrace*",
	"unwind_backtrace", "arch_stack_walk", "stack_trace_save*", "__warn*", "warn_slowpath*", "report_bug", "handle_bug",
	"panic", "nmi_panic", "vpanic", "check_panic_on_warn", "print_*", "printk*", "_printk", "vprintk*", "__stack_chk_fail*",
	"fortify_panic", "__fortify_*", "kasan_*", "__kasan_*", "kmsan_*", "__kmsan_*", "__msan_*", "kcsan_*", "__kcsan_*",
	"__tsan_*", "kfence_*", "__kfence_*", "ubsan_*", "__ubsan_*", "check_memory_region*", "__asan_*", "asan_*",
	"lock_acquire*", "lock_release", "lock_acquired", "lock_contended", "__lock_acquire", "__lock_release", "lockdep_*",
	"__lockdep_*", "check_noncircular", "check_prev_add", "check_prevs_add", "check_deadlock", "check_irq_usage",
	"validate_chain", "mark_lock*", "mark_usage", "mark_held_locks", "valid_state", "debug_check_no_locks_*",
	"debug_show_*", "__might_sleep", "___might_sleep", "__might_resched", "__might_fault", "might_fault", "__cant_sleep",
	"__cant_migrate", "__schedule_bug", "check_object_size", "__check_object_size", "check_heap_object",
	"__check_heap_object", "check_stack_object", "check_kernel_text_object", "usercopy_abort", "usercopy_warn",
	"refcount_*", "__refcount_*", "__list_*", "list_add*", "list_del*", "list_move*", "hlist_*", "__hlist_*",
	"kmemleak_*", "bad_page", "free_page_is_bad*", "print_bad_pte", "spin_dump", "spin_bug", "rwlock_bug",
	"debug_spin_*", "do_raw_spin_*", "do_raw_read_*", "do_raw_write_*", "_raw_spin_*", "_raw_read_*", "_raw_write_*",
	"__raw_spin_*", "queued_spin_lock_slowpath", "native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath",
	"pv_queued_spin_lock_slowpath", "queued_read_lock_slowpath", "queued_write_lock_slowpath", "arch_spin_lock",
	"spin_lock*", "mutex_lock*", "__mutex_lock*", "mutex_unlock", "__mutex_unlock_slowpath", "down_read*", "down_write*",
	"up_read", "up_write", "down", "down_interruptible", "down_killable", "down_trylock", "__down*", "up", "rwsem_*",
	"__rwsem_*", "rt_spin_lock", "rt_mutex_*", "__rt_mutex_*",
	/* generic helpers */
	"memcpy*", "__memcpy*", "memmove*", "__memmove*", "memset*", "__memset*", "memcmp", "__memcmp", "bcmp", "memchr*",
	"memscan", "strcpy", "strncpy", "strlcpy", "strscpy*", "sized_strscpy", "strlen", "strnlen", "strcmp", "strncmp",
	"strcasecmp", "strncasecmp", "strchr", "strnchr", "strrchr", "strstr", "strnstr", "strcat", "strncat", "strlcat",
	"strsep", "strpbrk", "kstrto*", "simple_strto*", "sprintf", "snprintf", "vsnprintf", "vsprintf", "scnprintf",
	"vscnprintf", "format_decode", "string", "string_nocheck", "number", "pointer", "__copy_user*", "copy_user_*",
	"_copy_to_user", "_copy_from_user", "copy_to_user", "copy_from_user", "__copy_to_user*", "__copy_from_user*",
	"raw_copy_*", "_copy_to_iter", "_copy_from_iter", "copy_page_to_iter", "copy_page_from_iter", "instrument_copy_*",
	"__arch_copy_*", "__get_user*", "__put_user*", "strncpy_from_user", "strnlen_user", "clear_user", "__clear_user",
	"kfree*", "kvfree*", "kzfree", "kmem_cache_*", "__kmem_cache_*", "slab_*", "__slab_*", "___slab_*", "do_slab_free",
	"kmalloc*", "__kmalloc*", "__do_kmalloc*", "kzalloc*", "kcalloc", "krealloc*", "__krealloc", "kmemdup*", "kstrdup*",
	"kstrndup", "kvmalloc*", "kvzalloc", "__kvmalloc*", "kvcalloc", "kvrealloc", "vmalloc*", "__vmalloc*", "vzalloc*",
	"vfree*", "__vfree", "alloc_pages*", "__alloc_pages*", "__get_free_pages", "get_zeroed_page", "free_pages*",
	"__free_pages*", "__free_one_page", "free_unref_page*", "__folio_alloc*", "folio_alloc*", "alloc_slab_page",
	"new_slab", "allocate_slab", "setup_object", "init_object", "should_fail*", "__should_failslab", "should_failslab",
	"obj_cgroup_*", "memcg_slab_*", "__memcg_slab_*", "mempool_*",
	/* traps and their entry */
	"exc_*", "asm_exc_*", "do_error_trap", "do_invalid_op", "invalid_op", "do_trap*", "die", "__die*", "die_body",
	"oops_*", "page_fault_oops", "no_context", "__bad_area*", "bad_area*", "kernelmode_fixup_or_oops",
	"do_kern_addr_fault", "spurious_kernel_fault", "do_user_addr_fault", "page_fault", "do_page_fault",
	"__do_page_fault", "handle_page_fault", "bad_page_fault", "__bad_page_fault", "___do_page_fault",
	"do_general_protection", "general_protection", "do_divide_error", "divide_error", "do_int3*", "do_double_fault",
	"handle_stack_overflow", "__do_kernel_fault", "do_translation_fault", "do_mem_abort", "do_DataAbort",
	"do_PrefetchAbort", "__dabt_svc", "__pabt_svc", "__und_svc*", "do_undefinstr", "do_bad_area", "do_sect_fault",
	"el1_abort", "el1_da", "el1_ia", "el1_sync*", "el1h_64_sync*", "el1_dbg", "el1_undef", "el1_inv", "el1_bti",
	"el1_pc", "el1_sp_pc", "do_el1_*", "bug_handler", "brk_handler", "bug_brk_handler", "call_break_hook",
	"call_el1_break_hook", "do_debug_exception", "do_bad", "die_kernel_fault", "arm64_force_sig*", "do_alignment",
	"do_sp_pc_abort", "program_check_exception", "program_check_common*", "data_access_common*",
	"instruction_access_common*", "interrupt_return*", "_exception*", "bad_kernel_fault", "__do_hash_fault",
	"do_hash_fault", "machine_check_*", "do_report_trap", "illegal_op", "pgm_check_handler", "__do_pgm_check",
	"do_no_context", "do_low_address", "do_dat_exception", "do_fault_error", "do_exception", "report_user_fault",
	"do_protection_exception", "monitor_event_exception", "__x86_return_thunk", "__x86_indirect_thunk*",
	"srso_return_thunk", "retbleed_return_thunk", "zen_untrain_ret",
	/* interrupts, timers, the watchdogs and RCU */
	"asm_sysvec_*", "sysvec_*", "__sysvec_*", "apic_timer_interrupt", "smp_apic_timer_interrupt",
	"local_apic_timer_interrupt", "asm_common_interrupt", "common_interrupt", "ret_from_intr", "irq_exit*",
	"__irq_exit_rcu", "do_IRQ", "__do_softirq", "handle_softirqs", "do_softirq*", "__local_bh_enable_ip",
	"invoke_softirq", "el1_interrupt", "el1h_64_irq*", "el1_irq", "gic_handle_irq", "generic_handle_*",
	"handle_domain_irq", "__handle_domain_irq", "handle_irq_event*", "__handle_irq_event_percpu", "handle_edge_irq",
	"handle_level_irq", "handle_fasteoi_irq", "__irq_svc", "__irq_usr", "asm_do_IRQ", "default_do_nmi", "do_nmi",
	"nmi_handle", "nmi_cpu_backtrace*", "nmi_trigger_cpumask_backtrace", "arch_trigger_cpumask_backtrace",
	"trigger_*backtrace*", "dump_cpu_task", "perf_event_nmi_handler", "watchdog_*", "__watchdog_*",
	"hrtimer_interrupt", "__hrtimer_run_queues", "hrtimer_run_queues", "tick_*", "update_process_times",
	"rcu_*", "__rcu_*", "check_cpu_stall", "print_cpu_stall", "print_other_cpu_stall",
	/* where every stack starts */
	"kthread", "ret_from_fork*", "worker_thread", "process_one_work", "process_scheduled_works", "smpboot_thread_fn",
	"run_ksoftirqd", "do_syscall_64", "do_syscall_32_irqs_on", "do_int80_syscall_32", "do_fast_syscall_32",
	"entry_SYSCALL*", "entry_SYSENTER*", "entry_INT80*", "syscall_call", "sysenter_do_call", "system_call*",
	"x64_sys_call", "invoke_syscall", "el0_svc*", "el0t_*", "do_el0_svc", "el0_sync*", "ret_fast_syscall",
	"start_kernel", "rest_init", "kernel_init*", "do_one_initcall", "do_init_module", "load_module",
	"__do_sys_finit_module", "__se_sys_finit_module", "__x64_sys_finit_module", "__ia32_sys_finit_module",
	"__arm64_sys_finit_module", "init_module_from_file", "idempotent_init_module", "do_initcalls", "do_basic_setup",
	"kernel_init_freeable", "do_exit", "do_group_exit", "make_task_dead", "rewind_stack_*", "get_signal",
	"arch_do_signal*", "do_signal", "exit_to_user_mode*", "syscall_exit_to_user_mode*", "__x64_sys_exit_group",
	"__do_sys_exit_group",
};

/* where a blocked or sleeping task waits */
static const char *const waiting[] = {
	"__schedule", "schedule*", "io_schedule*", "preempt_schedule*", "__cond_resched", "_cond_resched", "__switch_to*",
	"context_switch", "__wait_for_common", "wait_for_common*", "do_wait_for_common", "wait_for_completion*",
	"__wait_event*", "__wait_on_*", "wait_on_*", "out_of_line_wait_on_bit*", "bit_wait*", "__wait_rcu_gp", "wait_rcu_gp",
	"synchronize_rcu*", "synchronize_srcu*", "__synchronize_srcu", "synchronize_sched*", "msleep*", "usleep_range*",
	"ssleep", "schedule_hrtimeout*", "do_nanosleep", "hrtimer_nanosleep", "__flush_work", "flush_work",
	"flush_workqueue", "__flush_workqueue", "flush_delayed_work", "__cancel_work_timer", "__cancel_work_sync",
	"cancel_work_sync", "cancel_delayed_work_sync", "kthread_stop*", "folio_wait_bit*", "__folio_lock*", "folio_lock*",
	"__lock_page*", "lock_page*", "wait_on_page_bit*", "__wait_on_buffer", "__lock_buffer", "percpu_down_write",
	"percpu_rwsem_wait", "__percpu_down_read", "percpu_down_read*", "__refrigerator", "do_wait", "kernel_wait4",
	"wait_woken", "prepare_to_wait*", "finish_wait", "__wake_up*", "woken_wake_function",
};

/* how memory ran out: the allocator and the page fault that asked */
static const char *const oom_paths[] = {
	"out_of_memory", "oom_kill_process", "dump_header", "__oom_kill_process", "mem_cgroup_out_of_memory",
	"mem_cgroup_oom", "try_charge*", "__mem_cgroup_charge", "charge_memcg", "mem_cgroup_charge*", "handle_mm_fault",
	"__handle_mm_fault", "handle_pte_fault", "do_anonymous_page", "do_fault", "do_read_fault", "do_cow_fault",
	"do_shared_fault", "__do_fault", "filemap_fault", "page_cache_ra_*", "ondemand_readahead", "__page_cache_alloc",
	"filemap_alloc_folio*", "__filemap_get_folio", "pagecache_get_page", "vma_alloc_folio*", "alloc_anon_folio",
	"__pte_alloc", "pte_alloc_one", "do_huge_pmd_anonymous_page", "pagefault_out_of_memory", "do_swap_page",
	"__read_swap_cache_async", "swap_cluster_readahead", "swapin_readahead",
};

/* an idle CPU is not stuck */
static const char *const idle[] = {
	"default_idle*", "native_safe_halt", "safe_halt", "arch_cpu_idle*", "cpu_idle*", "do_idle", "cpu_startup_entry",
	"intel_idle*", "acpi_idle*", "acpi_safe_halt", "mwait_idle*", "poll_idle", "cpuidle_enter*", "call_cpuidle",
	"start_secondary", "secondary_startup_64*", "arch_call_rest_init", "x86_64_start_*", "cpu_do_idle",
	"default_idle_call", "psci_cpu_suspend_enter", "cpu_v7_do_idle", "arch_cpu_idle_enter",
};

static bool listed(const char *const *list, size_t n, const char *fn)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = list[i];
		size_t len = strlen(e);
		if (e[len - 1] == '*' ? strncmp(fn, e, len - 1) == 0 : streq(fn, e))
			return true;
	}
	return false;
}

#define LISTED(list, fn) listed(list, ARRAY_LENGTH(list), fn)

static bool kind_in(const char *kind, const char *const *kinds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(kind, kinds[i]))
			return true;
	return false;
}

bool console_kind_irq_detector(const char *kind)
{
	static const char *const k[] = { "rcu-stall", "soft-lockup", "hard-lockup" };
	return kind_in(kind, k, ARRAY_LENGTH(k));
}

bool console_kind_has_messenger(const char *kind)
{
	static const char *const k[] = { "rcu-stall", "soft-lockup", "hard-lockup", "hung-task", "oom", "oom-kill", "kmemleak" };
	return !kind_in(kind, k, ARRAY_LENGTH(k));
}

bool console_frame_skipped(const char *kind, const struct console_frame *f)
{
	const char *fn = f->function;
	if (!fn[0] || LISTED(machinery, fn))
		return true;
	static const char *const waits[] = { "hung-task", "atomic-sleep", "lockdep", "spinlock" };
	if (kind_in(kind, waits, ARRAY_LENGTH(waits)) && LISTED(waiting, fn))
		return true;
	if ((streq(kind, "oom") || streq(kind, "oom-kill")) && LISTED(oom_paths, fn))
		return true;
	if (console_kind_irq_detector(kind) && LISTED(idle, fn))
		return true;
	return false;
}
