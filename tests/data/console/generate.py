#!/usr/bin/env python3
"""tests/data/console/generate.py: writes the gen-*.log fixtures and their rows of expected.tsv.

Each fixture is a kernel report written from the kernel's published formats (the printk
formats of die(), __warn(), lockdep, KASAN/KMSAN/KCSAN/KFENCE, UBSAN, kmemleak, the watchdogs,
RCU, the OOM killer, the architectures' oops handlers) with varied modules, functions,
addresses, kernels, console prefixes and damage (truncation, interleaving, cut lines, CRLF,
invalid UTF-8). The output is committed: read the .log files, not this script, to see a case.
Run from anywhere: python3 tests/data/console/generate.py
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
R = random.Random(20261122)

VENDORS = ["acme_sensor", "ksentry", "edrmon", "hookguard", "vsec_core", "procwatch", "netwarden", "threatlens",
           "shieldkm", "fsaudit", "av_filter", "lsm_probe", "kprotect", "sysguard_lx", "falcon_lx", "obsidian"]
VERBS = ["scan", "eval", "hook", "parse", "match", "update", "flush", "lookup", "insert", "release", "walk", "notify",
         "filter", "queue", "load", "check", "commit", "resolve", "verify", "dispatch"]
NOUNS = ["rule", "event", "proc", "file", "sock", "table", "entry", "ctx", "buf", "cache", "policy", "sig", "inode",
         "path", "msg", "ring", "hash", "exec", "net", "task"]
COMMS = ["scanner", "edr-agent", "kworker/1:2", "systemd", "sshd", "python3", "insmod", "bash", "nginx", "java",
         "containerd", "auditd", "rsyslogd", "dockerd", "swapper/0", "kworker/u8:3", "cron", "postgres"]
INTREE = [  # (module, function, source file)
    ("ext4", "ext4_xattr_ibody_get", "fs/ext4/xattr.c"), ("", "tcp_recvmsg_locked", "net/ipv4/tcp.c"),
    ("xfs", "xfs_inode_item_format", "fs/xfs/xfs_inode_item.c"), ("", "shmem_undo_range", "mm/shmem.c"),
    ("nf_tables", "nft_set_elem_destroy", "net/netfilter/nf_tables_api.c"),
    ("i915", "intel_atomic_commit_tail", "drivers/gpu/drm/i915/display/intel_display.c"),
    ("btrfs", "btrfs_del_csums", "fs/btrfs/file-item.c"), ("", "kernfs_remove_by_name_ns", "fs/kernfs/dir.c"),
    ("e1000e", "e1000_clean_rx_irq", "drivers/net/ethernet/intel/e1000e/netdev.c"),
    ("", "__skb_flow_dissect", "net/core/flow_dissector.c"), ("mlx5_core", "mlx5_cmd_exec", "drivers/net/ethernet/mellanox/mlx5/core/cmd.c"),
    ("nvme", "nvme_queue_rq", "drivers/nvme/host/pci.c"), ("", "dev_watchdog", "net/sched/sch_generic.c"),
    ("bluetooth", "hci_conn_del", "net/bluetooth/hci_conn.c"), ("", "inet_csk_get_port", "net/ipv4/inet_connection_sock.c"),
    ("cifs", "cifs_readv_receive", "fs/smb/client/transport.c"), ("overlay", "ovl_copy_up_one", "fs/overlayfs/copy_up.c"),
    ("", "blk_mq_dispatch_rq_list", "block/blk-mq.c"), ("virtio_net", "virtnet_poll", "drivers/net/virtio_net.c"),
    ("", "do_mount", "fs/namespace.c"), ("kvm", "kvm_mmu_page_fault", "arch/x86/kvm/mmu/mmu.c"),
    ("usbcore", "usb_hcd_submit_urb", "drivers/usb/core/hcd.c"), ("", "sock_def_readable", "net/core/sock.c"),
]
INTREE_MODS = ["ext4", "mbcache", "jbd2", "xfs", "libcrc32c", "nf_tables", "nfnetlink", "virtio_net", "net_failover",
               "failover", "virtio_blk", "ahci", "libahci", "libata", "scsi_mod", "crc32c_intel", "i915", "drm_kms_helper",
               "e1000e", "nvme", "nvme_core", "bluetooth", "cifs", "overlay", "kvm_intel", "kvm", "usbcore", "sd_mod"]

# call chains below the guilty frames, per architecture family
CONTEXTS = {
    "x86_64": [["__x64_sys_ioctl", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"],
               ["vfs_read", "ksys_read", "__x64_sys_read", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"],
               ["do_one_initcall", "do_init_module", "load_module", "__do_sys_finit_module", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"],
               ["process_one_work", "worker_thread", "kthread", "ret_from_fork", "ret_from_fork_asm"],
               ["security_bprm_check", "bprm_execve", "do_execveat_common.isra.0", "__x64_sys_execve", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"],
               ["security_file_open", "do_dentry_open", "vfs_open", "path_openat", "do_filp_open", "do_sys_openat2", "__x64_sys_openat", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"]],
    "i386": [["vfs_read", "ksys_read", "sys_read", "do_int80_syscall_32", "entry_INT80_32"],
             ["do_one_initcall", "do_init_module", "load_module", "sys_finit_module", "do_fast_syscall_32", "entry_SYSENTER_32"],
             ["process_one_work", "worker_thread", "kthread", "ret_from_fork"]],
    "arm": [["vfs_read", "ksys_read", "ret_fast_syscall"], ["do_one_initcall", "do_init_module", "load_module", "sys_finit_module", "ret_fast_syscall"],
            ["process_one_work", "worker_thread", "kthread", "ret_from_fork"]],
    "arm64": [["__arm64_sys_ioctl", "invoke_syscall", "el0_svc_common.constprop.0", "do_el0_svc", "el0_svc", "el0t_64_sync_handler", "el0t_64_sync"],
              ["vfs_read", "ksys_read", "__arm64_sys_read", "invoke_syscall", "el0_svc_common.constprop.0", "do_el0_svc", "el0_svc", "el0t_64_sync_handler", "el0t_64_sync"],
              ["process_one_work", "worker_thread", "kthread", "ret_from_fork"]],
    "ppc64": [["sys_ioctl", "system_call_exception", "system_call_vectored_common"],
              ["vfs_read", "ksys_read", "system_call_exception", "system_call_common"],
              ["process_one_work", "worker_thread", "kthread", "start_kernel_thread"]],
    "s390x": [["__s390x_sys_ioctl", "__do_syscall", "system_call"], ["vfs_read", "ksys_read", "__do_syscall", "system_call"],
              ["process_one_work", "worker_thread", "kthread", "__ret_from_fork", "ret_from_fork"]],
}
KERNELS = {
    "x86_64": ["6.1.0-18-amd64 #1 Debian 6.1.76-1", "6.8.0-45-generic #45-Ubuntu", "5.15.0-105-generic #115-Ubuntu",
               "5.14.0-362.el9.x86_64 #1", "6.10.3-200.fc40.x86_64 #1", "4.19.0-26-amd64 #1 Debian 4.19.304-1",
               "5.10.0-28-amd64 #1 Debian 5.10.209-2"],
    "i386": ["4.19.0-21-686-pae #1 Debian 4.19.249-2", "5.10.0-28-686 #1 Debian 5.10.209-2", "6.1.0-18-686-pae #1 Debian 6.1.76-1"],
    "arm": ["6.1.21-v7+ #1642", "5.10.103-v7l+ #1529", "4.19.97-v7+ #1294", "6.6.20+rpt-rpi-v7 #1"],
    "arm64": ["6.1.0-18-arm64 #1 Debian 6.1.76-1", "5.15.0-1050-aws #55-Ubuntu", "6.6.31-linuxkit #1", "5.4.0-1108-raspi #120-Ubuntu"],
    "ppc64": ["5.14.0-362.el9.ppc64le #1", "6.1.0-18-powerpc64le #1 Debian 6.1.76-1", "4.18.0-513.el8.ppc64le #1"],
    "s390x": ["5.14.0-362.el9.s390x #1", "6.1.0-18-s390x #1 Debian 6.1.76-1", "5.10.0-28-s390x #1 Debian 5.10.209-2"],
}
HARDWARE = {"x86_64": ["QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.3-debian-1.16.3-2 04/01/2014", "Dell Inc. PowerEdge R640/0CRT1G, BIOS 2.19.1 06/12/2023",
                       "VMware, Inc. VMware Virtual Platform/440BX Desktop Reference Platform, BIOS 6.00 11/12/2020", "Amazon EC2 m5.large/, BIOS 1.0 10/16/2017"],
            "i386": ["QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014"],
            "arm": ["BCM2835", "Generic DT based system", "Freescale i.MX6 Quad/DualLite (Device Tree)"],
            "arm64": ["linux,dummy-virt (DT)", "Amazon EC2 m6g.large/, BIOS 1.0 11/1/2018", "Raspberry Pi 4 Model B Rev 1.4 (DT)"],
            "ppc64": ["IBM pSeries (emulated by qemu) POWER9 (raw) 0x4e1202 0xf000005 of:SLOF,HEAD pSeries"],
            "s390x": ["IBM 3906 M04 704 (z/VM 7.1.0)", "IBM 8561 LT1 400 (KVM/Linux)"]}
ARCHES = ["x86_64", "x86_64", "x86_64", "arm64", "arm64", "i386", "arm", "ppc64", "s390x"]


def hx(bits=64):
    return "%0*x" % (bits // 4, R.getrandbits(bits))


def kaddr(arch, module=False):
    if arch == "x86_64":
        return "ffffffffc0%06x" % R.getrandbits(24) if module else "ffffffff8%07x" % R.getrandbits(28)
    if arch == "i386":
        return "f8%06x" % R.getrandbits(24) if module else "c1%06x" % R.getrandbits(24)
    if arch == "arm":
        return "bf%06x" % R.getrandbits(24) if module else "c0%06x" % R.getrandbits(24)
    if arch == "arm64":
        return "ffff8000%08x" % R.getrandbits(32)
    if arch == "ppc64":
        return "c00800000%07x" % R.getrandbits(28) if module else "c000000000%06x" % R.getrandbits(24)
    return "000003ff8%07x" % R.getrandbits(28) if module else "0000000000%06x" % R.getrandbits(24)


def vfunc(mod):
    short = mod.split("_")[0]
    return "%s_%s_%s" % (short, R.choice(NOUNS), R.choice(VERBS))


def off():
    size = R.randrange(0x40, 0x600)
    return "+0x%x/0x%x" % (R.randrange(1, size), size)


class Case:
    """One fixture: its lines and the reports it holds."""

    def __init__(self, arch, era):
        self.arch, self.era = arch, era
        self.lines = []
        self.expect = []  # (fatal, kind, title prefix, module, function)
        self.vendor = R.choice(VENDORS)
        self.comm = R.choice(COMMS)
        self.pid = R.randrange(2, 40000)
        self.cpu = R.randrange(0, 8)
        self.kernel = R.choice(KERNELS[arch])
        self.flags = R.choice(["OE", "O", "E", "POE"])
        self.vendor_only = False

    def add(self, *lines):
        self.lines.extend(lines)

    def cpu_line(self, tainted=True):
        taint = "Tainted: %s" % ("G           %-6s" % self.flags if "P" not in self.flags else "P           %-6s" % self.flags.replace("P", "")) \
            if tainted else "Not tainted"
        if self.era == "old" and self.arch == "x86_64" and R.random() < 0.3:
            return "Pid: %d, comm: %s %s %s" % (self.pid, self.comm[:15], taint, self.kernel)
        uid = "UID: 0 " if self.era == "new" and R.random() < 0.2 else ""
        return "CPU: %d %sPID: %d Comm: %s %s %s" % (self.cpu, uid, self.pid, self.comm[:15], taint, self.kernel)

    def modules_line(self, extra=()):
        mods = list(extra) + R.sample(INTREE_MODS, R.randrange(3, 12))
        if self.era == "old" and self.arch == "x86_64" and R.random() < 0.3:
            return "Modules linked in: %s(U) %s" % (self.vendor, " ".join(mods))
        return "Modules linked in: %s(%s) %s" % (self.vendor, self.flags, " ".join(mods))

    def hw(self):
        return "Hardware name: " + R.choice(HARDWARE[self.arch])

    # -- stacks --
    def frame(self, func, mod="", unreliable=False):
        m = " [%s]" % mod if mod else ""
        q = "? " if unreliable else ""
        a, e = self.arch, self.era
        if a == "x86_64":
            if e == "new":
                return " %s%s%s%s" % (q, func, off(), m)
            if e == "2.6":
                return " [<%s>] %s%s%s" % (kaddr(a, bool(mod)), q, (":%s:" % mod if mod else "") + func, off())
            return " [<%s>] %s%s%s%s" % (kaddr(a, bool(mod)), q, func, off(), m)
        if a == "i386":
            return " [<%s>] %s%s%s%s" % (kaddr(a, bool(mod)), q, func, off(), m) if e == "old" else " %s%s%s%s" % (q, func, off(), m)
        if a == "arm64":
            return " %s%s%s" % (func, off(), m) if e != "old" else "[<%s>] %s%s%s" % (kaddr(a), func, off(), m)
        if a == "ppc64":
            return "[c0000000%08x] [%s] %s%s%s%s" % (R.getrandbits(32), kaddr(a, bool(mod)), "." if e == "old" else "", func, off(), m)
        if a == "s390x":
            return " [<%s>] %s%s%s " % (kaddr(a, bool(mod)), func, off(), m)
        raise ValueError(a)

    def arm_trace(self, frames):
        """ARM's "(f) from (g)" pairs: one line per frame."""
        out = []
        for (f, m), (g, n) in zip(frames, frames[1:] + [("ret_from_fork", "")]):
            fm = " [%s]" % m if m else ""
            gm = " [%s]" % n if n else ""
            if self.era == "new":
                out.append(" %s%s from %s%s%s" % (f, fm, g, off(), gm))
            else:
                out.append("[<%s>] (%s%s) from [<%s>] (%s%s%s)" % (kaddr("arm", bool(m)), f, fm, kaddr("arm", bool(n)), g, off(), gm))
        return out

    def trace(self, frames, header=True, task=True):
        """frames: [(func, module)] from the top."""
        out = []
        a = self.arch
        if a == "arm":
            out.append("Backtrace: " if self.era == "old" and R.random() < 0.5 else "Call trace: ")
            out = [out[0].strip()] + self.arm_trace(frames)
            return out
        if header:
            out.append("Call trace:" if a == "arm64" else "Call Trace:")
        wrap = a == "x86_64" and self.era == "new" and task
        if wrap:
            out.append(" <TASK>")
        for i, (f, m) in enumerate(frames):
            if a == "s390x" and i == 1 and R.random() < 0.5:  # the frame from r14, not reliable
                out.append("([<%s>] %s%s%s)" % (kaddr(a, bool(m)), f, off(), " [%s]" % m if m else ""))
            out.append(self.frame(f, m))
            if a in ("x86_64", "i386") and self.era != "new" and R.random() < 0.25:
                out.append(self.frame(R.choice(["vfs_write", "do_sys_open", "__fput", "rcu_process_callbacks"]), "", True))
        if a == "ppc64" and frames:  # the first entry, from the link register, is not reliable
            out.insert(1, self.frame(*frames[0]) + " (unreliable)")
        if wrap:
            out.append(" </TASK>")
        return out

    def location(self, func, mod, caller=None):
        a, e, m = self.arch, self.era, " [%s]" % mod if mod else ""
        c = caller or ("ret_from_fork", "")
        cm = " [%s]" % c[1] if c[1] else ""
        if a == "x86_64":
            if e == "new":
                return ["RIP: 0010:%s%s%s" % (func, off(), m)]
            if e == "2.6":
                return ["RIP: 0010:[<%s>]  [<%s>] %s%s" % ((kaddr(a, True),) * 2 + ((":%s:" % mod if mod else "") + func, off()))]
            return ["RIP: 0010:[<%s>]  [<%s>] %s%s%s" % (kaddr(a, bool(mod)), kaddr(a, bool(mod)), func, off(), m)]
        if a == "i386":
            if e == "old":
                return ["EIP: 0060:[<%s>] EFLAGS: 00010246 CPU: %d" % (kaddr(a, bool(mod)), self.cpu), "EIP is at %s%s%s" % (func, off(), m)]
            return ["EIP: %s%s%s" % (func, off(), m)]
        if a == "arm":
            return ["PC is at %s%s%s" % (func, off(), m), "LR is at %s%s%s" % (c[0], off(), cm),
                    "pc : [<%s>]    lr : [<%s>]    psr: 60000013" % (kaddr(a, True), kaddr(a, True))]
        if a == "arm64":
            if e == "old":
                return ["PC is at %s%s%s" % (func, off(), m), "LR is at %s%s%s" % (c[0], off(), cm),
                        "pc : [<%s>] lr : [<%s>] pstate: 60000145" % (kaddr(a), kaddr(a))]
            return ["pstate: 60400005 (nZCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)", "pc : %s%s%s" % (func, off(), m),
                    "lr : %s%s%s" % (c[0], off(), cm), "sp : ffff8000%08x" % R.getrandbits(32)]
        if a == "ppc64":
            dot = "." if e == "old" else ""
            return ["NIP:  %s LR: %s CTR: %s" % (kaddr(a, True), kaddr(a, True), kaddr(a)),
                    "REGS: c0000000%08x TRAP: 0300   Tainted: G           %s  (%s)" % (R.getrandbits(32), self.flags, self.kernel.split()[0]),
                    "MSR:  800000000280b033 <SF,VEC,VSX,EE,FP,ME,IR,DR,RI,LE>  CR: 28002222  XER: 20040000",
                    "GPR00: %s %s %s %s" % (hx(), hx(), hx(), hx()),
                    "NIP [%s] %s%s%s%s" % (kaddr(a, bool(mod)), dot, func, off(), m), "LR [%s] %s%s%s%s" % (kaddr(a, bool(c[1])), dot, c[0], off(), cm)]
        return ["Krnl PSW : 0704e00180000000 %s (%s%s%s)" % (kaddr(a, bool(mod)), func, off(), m),
                "           R:0 T:1 IO:1 EX:0 Key:0 M:1 W:0 P:0 AS:3 CC:2 PM:0 RI:0 EA:3",
                "Krnl GPRS: %s %s %s %s" % (hx(), hx(), hx(), hx())]

    def regs(self):
        a = self.arch
        if a == "x86_64":
            return ["Code: " + " ".join("%02x" % R.getrandbits(8) for _ in range(20)) + " <0f> 0b " + " ".join("%02x" % R.getrandbits(8) for _ in range(10)),
                    "RSP: 0018:ffffb2c0%08x EFLAGS: 00010246" % R.getrandbits(32),
                    "RAX: %s RBX: %s RCX: %s" % (hx(), hx(), hx()), "RDX: %s RSI: %s RDI: %s" % (hx(), hx(), hx()),
                    "R13: %s R14: %s R15: %s" % (hx(), hx(), hx()),
                    "FS:  00007f%010x(0000) GS:ffff8881%08x(0000) knlGS:0000000000000000" % (R.getrandbits(40), R.getrandbits(32)),
                    "CR2: %s CR3: %s CR4: 00000000003706f0" % (hx(), hx())]
        if a == "i386":
            return ["EAX: %s EBX: %s ECX: %s EDX: %s" % (hx(32), hx(32), hx(32), hx(32)),
                    " DS: 007b ES: 007b FS: 00d8 GS: 00e0 SS: 0068 EFLAGS: 00010246"]
        if a == "arm":
            return ["sp : d8a3fe48  ip : 00000000  fp : d8a3fe6c", "r10: %s  r9 : %s  r8 : %s" % (hx(32), hx(32), hx(32)),
                    "Flags: nZCv  IRQs on  FIQs on  Mode SVC_32  ISA ARM  Segment user"]
        if a == "arm64":
            return ["x29: %s x28: %s x27: %s" % (hx(), hx(), hx()), "x2 : %s x1 : %s x0 : %s" % (hx(), hx(), hx())]
        if a == "ppc64":
            return ["GPR04: %s %s %s %s" % (hx(), hx(), hx(), hx())]
        return ["Krnl Code: %s: e31020000004\tlg\t%%r1,0(%%r2)" % kaddr(a, True)]

    def end_trace(self):
        return "---[ end trace %s ]---" % ("0000000000000000" if self.era == "new" else hx())


def stack_for(case, guilty, in_vendor=True, hook_vendor=False):
    """A stack whose top is `guilty` ([(func, mod)]) and whose rest is a context of the arch."""
    ctx = [(f, "") for f in R.choice(CONTEXTS[case.arch])]
    frames = list(guilty)
    if in_vendor and R.random() < 0.7:
        frames.append((vfunc(case.vendor), case.vendor))
    if hook_vendor:
        frames.append((vfunc(case.vendor), case.vendor))
    return frames + ctx


def guilty_stack(case, vendor_share=0.7, attributable=True):
    """A stack with its expected guilty frame: a vendor frame, or an in-tree one (with, when the
    report names the out-of-tree modules, a vendor frame below it that takes the blame)."""
    top, emod, efunc = pick_guilty(case, vendor_share)
    ctx = [(f, "") for f in R.choice(CONTEXTS[case.arch])]
    frames = list(top)
    if emod == case.vendor:
        if R.random() < 0.6:
            frames.append((vfunc(case.vendor), case.vendor))
    elif attributable and R.random() < 0.5:
        vf = vfunc(case.vendor)
        frames += [(R.choice(["security_file_open", "nf_hook_slow", "notifier_call_chain", "fsnotify"]), ""), (vf, case.vendor)]
        emod, efunc = case.vendor, vf
    return frames + ctx, emod, efunc


def pick_guilty(case, vendor_share=0.7):
    """(frames at the top, expected module, expected function)"""
    if case.vendor_only or R.random() < vendor_share:
        f = vfunc(case.vendor)
        return [(f, case.vendor)], case.vendor, f
    mod, f, _ = R.choice(INTREE)
    return [(f, mod)], mod or "-", f


# -------------------------------------------------------------------- report builders

def oops(case, fatal="panic"):
    """A page fault, NULL dereference or paging request, in the architecture's format."""
    a, e = case.arch, case.era
    frames, emod, efunc = guilty_stack(case)
    # sometimes the fault is in a helper (memcpy, strlen) called by the guilty frame
    helper = R.random() < 0.25
    if helper:
        frames = [(R.choice(["memcpy_orig", "__memcpy", "strlen", "memset_orig", "strncpy_from_user" if a == "x86_64" else "memcpy"]), "")] + frames
    addr = R.choice(["0000000000000008", "0000000000000010", "00000000000000c8", hx()])
    null = addr.startswith("00000000000")
    L = []
    if a == "x86_64":
        if e == "new":
            t = ("BUG: kernel NULL pointer dereference, address: %s" % addr) if null else ("BUG: unable to handle page fault for address: %s" % addr)
            L += [t, "#PF: supervisor %s access in kernel mode" % R.choice(["read", "write"]), "#PF: error_code(0x0000) - not-present page",
                  "PGD 0 P4D 0", R.choice(["Oops: 0000 [#1] PREEMPT SMP NOPTI", "Oops: Oops: 0000 [#1] PREEMPT SMP PTI", "Oops: 0002 [#1] SMP NOPTI"]),
                  case.cpu_line(), case.hw()] + case.location(*frames[0]) + case.regs() + case.trace(frames[1:] if not helper else frames[1:]) + \
                 [case.modules_line(), "CR2: " + addr, case.end_trace()] + case.location(*frames[0]) + case.regs()
            title = t.split(":")[0] + ":"
        elif e == "old":
            t = ("BUG: unable to handle kernel NULL pointer dereference at %s" % addr) if null else ("BUG: unable to handle kernel paging request at %s" % addr)
            L += [t, "IP: [<%s>] %s%s%s" % (kaddr(a, True), frames[0][0], off(), " [%s]" % frames[0][1] if frames[0][1] else ""),
                  "PGD 1f8067 PUD 1f9067 PMD 0 ", "Oops: 0000 [#1] SMP ", case.modules_line(), case.cpu_line(), case.hw(),
                  "task: ffff8800%08x ti: ffff8800%08x task.ti: ffff8800%08x" % (R.getrandbits(32), R.getrandbits(32), R.getrandbits(32))] + \
                 case.location(*frames[0]) + case.regs()[1:] + ["Stack:", " %s %s %s %s" % (hx(), hx(), hx(), hx())] + case.trace(frames[1:]) + \
                 [case.regs()[0], "RIP  [<%s>] %s%s%s" % (kaddr(a, True), frames[0][0], off(), " [%s]" % frames[0][1] if frames[0][1] else ""),
                  " RSP <ffff8800%08x>" % R.getrandbits(32), "CR2: " + addr, case.end_trace()]
            title = t[:40]
        else:  # 2.6
            t = "Unable to handle kernel NULL pointer dereference at %s RIP: " % addr
            L += [t, " [<%s>] %s%s" % (kaddr(a, True), (":%s:" % frames[0][1] if frames[0][1] else "") + frames[0][0], off()),
                  "PGD 3a6c4067 PUD 3a6c5067 PMD 0 ", "Oops: 0000 [1] SMP ", "last sysfs file: /devices/pci0000:00/0000:00:1f.2/host0/target0:0:0/0:0:0:0/vendor",
                  "CPU %d " % case.cpu, case.modules_line(), "Pid: %d, comm: %s Tainted: G      2.6.18-398.el5 #1" % (case.pid, case.comm[:15])] + \
                 case.location(*frames[0]) + case.regs()[1:4] + ["Process %s (pid: %d, threadinfo ffff81003c5ac000, task ffff81003c5a8000)" % (case.comm[:15], case.pid),
                                                              "Stack:  %s %s %s" % (hx(), hx(), hx())] + case.trace(frames[1:]) + \
                 ["", "", case.regs()[0], "RIP  [<%s>] %s%s" % (kaddr(a, True), (":%s:" % frames[0][1] if frames[0][1] else "") + frames[0][0], off()),
                  " RSP <ffff81003c5afd28>", "CR2: " + addr]
            title = "Unable to handle kernel NULL pointer dereference at"
    elif a == "i386":
        addr = addr[-8:]
        t = ("BUG: unable to handle kernel NULL pointer dereference at %s" % addr) if null else ("BUG: unable to handle kernel paging request at %s" % addr)
        if e == "new":
            t = ("BUG: kernel NULL pointer dereference, address: %s" % addr) if null else ("BUG: unable to handle page fault for address: %s" % addr)
            L += [t, "#PF: supervisor read access in kernel mode", "#PF: error_code(0x0000) - not-present page", "*pde = 00000000 ",
                  "Oops: 0000 [#1] SMP PTI", case.cpu_line(), case.hw()] + case.location(*frames[0]) + case.regs() + case.trace(frames[1:]) + \
                 [case.modules_line(), "CR2: 00000000" + addr, case.end_trace()] + case.location(*frames[0])
        else:
            L += [t, "IP: [<%s>] %s%s%s" % (kaddr(a, True), frames[0][0], off(), " [%s]" % frames[0][1] if frames[0][1] else ""),
                  "*pdpt = 0000000031b6e001 *pde = 0000000000000000 ", "Oops: 0000 [#1] SMP ", case.modules_line(), case.cpu_line()] + \
                 case.location(*frames[0]) + case.regs() + ["Process %s (pid: %d, ti=f5c4a000 task=f5c02a40 task.ti=f5c4a000)" % (case.comm[:15], case.pid),
                                                        "Stack:", " %s %s %s %s" % (hx(32), hx(32), hx(32), hx(32))] + case.trace(frames[1:]) + \
                 ["Code: 8b 45 f0 8b 50 04 <8b> 02 89 45 ec", "EIP: [<%s>] %s%s%s SS:ESP 0068:f5c4bde8" % (kaddr(a, True), frames[0][0], off(), " [%s]" % frames[0][1] if frames[0][1] else ""),
                  "CR2: 00000000" + addr, case.end_trace()]
        title = t.split(" at")[0].split(",")[0]
    elif a in ("arm", "arm64"):
        if a == "arm":
            addr = addr[-8:]
        t = ("Unable to handle kernel NULL pointer dereference at virtual address %s" % addr) if null else \
            ("Unable to handle kernel paging request at virtual address %s" % addr)
        if a == "arm" and e == "new":
            L.append("8<--- cut here ---")
            t += R.choice([" when read", " when write", ""])
        L.append(t)
        if a == "arm64" and e != "old":
            L += ["Mem abort info:", "  ESR = 0x0000000096000005", "  EC = 0x25: DABT (current EL), IL = 32 bits", "  SET = 0, FnV = 0",
                  "  EA = 0, S1PTW = 0", "  FSC = 0x05: level 1 translation fault", "Data abort info:", "  ISV = 0, ISS = 0x00000005, ISS2 = 0x00000000",
                  "  CM = 0, WnR = 0, TnD = 0, TagAccess = 0", "user pgtable: 4k pages, 48-bit VAs, pgdp=00000000%08x" % R.getrandbits(32),
                  "[%s] pgd=0000000000000000, p4d=0000000000000000" % addr, "Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP"]
        elif a == "arm64":
            L += ["pgd = ffff80003c5a8000", "[%s] *pgd=0000000000000000" % addr, "Internal error: Oops: 96000005 [#1] PREEMPT SMP"]
        else:
            L += ["pgd = %s" % hx(32), "[%s] *pgd=00000000" % addr, "Internal error: Oops: %s [#1] %s" % (R.choice(["17", "5", "805", "817"]), R.choice(["SMP ARM", "PREEMPT SMP ARM", "ARM"]))]
        L += [case.modules_line(), case.cpu_line(), case.hw()] + case.location(frames[0][0], frames[0][1], frames[1]) + case.regs()
        if a == "arm":
            L += ["Process %s (pid: %d, stack limit = 0x%s)" % (case.comm[:15], case.pid, hx(32))]
        L += case.trace(frames) + ["Code: e5933000 e3530000 0a000002 e5932010 (e5923000) ", case.end_trace()]
        title = t.split(" at ")[0]
    elif a == "ppc64":
        if e == "old":
            t = "Unable to handle kernel paging request for data at address 0x%s" % addr
            title = "Unable to handle kernel paging request for data at address"
        else:
            t = "BUG: Kernel NULL pointer dereference on read at 0x%s" % addr[-8:] if null else "BUG: Unable to handle kernel data access on write at 0x%s" % addr
            title = t.split(" at 0x")[0]
        L += [t, "Faulting instruction address: 0x%s" % kaddr(a, True), "Oops: Kernel access of bad area, sig: 11 [#1]",
              "LE PAGE_SIZE=64K MMU=Radix SMP NR_CPUS=2048 NUMA pSeries", case.modules_line(), case.cpu_line()] + \
             case.location(frames[0][0], frames[0][1], frames[1]) + case.trace(frames[1:]) + \
             ["Instruction dump:", "60000000 7c0802a6 fbe1fff8 f8010010 %s" % hx(32), case.end_trace()]
    else:  # s390x
        t = "Unable to handle kernel pointer dereference in virtual kernel address space"
        L += [t, "Failing address: %s TEID: %s" % (addr, hx()), "Fault in home space mode while using kernel ASCE.",
              "AS:0000000001a2c007 R3:00000000ffff0007 S:00000000ffffe800 P:000000000000003d ", "Oops: 0004 ilc:3 [#1] SMP ",
              case.modules_line(), case.cpu_line(), case.hw()] + case.location(*frames[0]) + case.regs() + case.trace(frames) + \
             ["Last Breaking-Event-Address:", " [<%s>] %s%s" % (kaddr(a, True), frames[1][0], off()), case.end_trace()]
        title = t
    ef = efunc
    return L, title, emod, ef


def finish_fatal(case, L, kind, title, emod, efunc, mode):
    """mode: panic (a panic line follows), eof (the output ends), lived (the kernel goes on)."""
    if mode == "panic":
        reason = R.choice(["Fatal exception", "Fatal exception in interrupt"]) if case.arch not in ("arm64", "s390x") else \
            R.choice(["Oops: Fatal exception", "Fatal exception: panic_on_oops", "Fatal exception"])
        L = L + ["Kernel panic - not syncing: " + reason]
        if case.arch == "x86_64" and R.random() < 0.6:
            L += ["Kernel Offset: 0x%x000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)" % R.randrange(1, 60),
                  "---[ end Kernel panic - not syncing: %s ]---" % reason]
        if R.random() < 0.3:
            L += ["Rebooting in %d seconds.." % R.choice([5, 10, 30])]
    elif mode == "lived":
        L = L + ["note: %s[%d] exited with irqs disabled" % (case.comm[:15], case.pid)] * (R.random() < 0.4) + \
            R.sample(NOISE, 4)
    case.add(*L)
    case.expect.append((mode != "lived", kind, title, emod, efunc))


NOISE = ["systemd[1]: Started Journal Service.", "EXT4-fs (vda1): re-mounted. Opts: errors=remount-ro. Quota mode: none.",
         "audit: type=1400 audit(1710000000.123:45): apparmor=\"STATUS\" operation=\"profile_load\" name=\"nvidia_modprobe\"",
         "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
         "systemd-journald[211]: Received client request to flush runtime journal.", "random: crng init done",
         "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready", "usb 1-1: new high-speed USB device number 2 using xhci_hcd",
         "loop0: detected capacity change from 0 to 8", "Bluetooth: hci0: RTL: fw version 0x8a6cfc1b", "kauditd_printk_skb: 12 callbacks suppressed",
         "NFSD: Using nfsdcld client tracking operations.", "br-lan: port 1(eth0) entered forwarding state"]


def warning(case, fatal):
    a, e = case.arch, case.era
    frames, emod, efunc = guilty_stack(case, 0.6)
    path = "drivers/misc/%s/%s.c" % (case.vendor, R.choice(NOUNS)) if frames[0][1] == case.vendor else dict((f, p) for _, f, p in INTREE)[frames[0][0]]
    line = R.randrange(30, 4000)
    at_helper = R.random() < 0.2
    if at_helper:  # WARN in a generic helper: the guilty frame is its caller
        site = R.choice([("__alloc_pages", "mm/page_alloc.c"), ("kmalloc_large_node", "mm/slub.c"), ("__mutex_lock", "kernel/locking/mutex.c"),
                         ("__might_fault", "mm/memory.c")])
        wfunc, wmod, path = site[0], "", site[1]
        frames = [(wfunc, "")] + frames
    else:
        wfunc, wmod = frames[0]
    wm = " [%s]" % wmod if wmod else ""
    if e == "2.6":
        L = ["------------[ cut here ]------------", "WARNING: at %s:%d %s%s%s()" % (path, line, wfunc, off(), wm), case.modules_line(),
             "Pid: %d, comm: %s Tainted: G        W  --------------- 2.6.32-754.el6.x86_64 #1" % (case.pid, case.comm[:15]),
             "Call Trace:"] + [case.frame("warn_slowpath_common", "", True), case.frame("warn_slowpath_null", "", True)] + case.trace(frames, header=False)
        title = "WARNING: at %s:%d" % (path, line)
    elif e == "old" and a != "arm":
        L = ["------------[ cut here ]------------", "WARNING: CPU: %d PID: %d at %s:%d %s%s%s()" % (case.cpu, case.pid, path, line, wfunc, off(), wm),
             case.modules_line(), case.cpu_line(), case.hw(), " %s %s %s" % (hx(), hx(), hx()), "Call Trace:",
             case.frame("dump_stack"), case.frame("warn_slowpath_common"), case.frame("warn_slowpath_null")] + case.trace(frames, header=False) + [case.end_trace()]
        title = "WARNING: CPU: %d PID: %d at %s:%d" % (case.cpu, case.pid, path, line)
    else:
        msg = ["%s: unexpected state %d" % (case.vendor, R.randrange(9))] if R.random() < 0.4 else []
        L = ["------------[ cut here ]------------"] + msg + ["WARNING: CPU: %d PID: %d at %s:%d %s%s%s" % (case.cpu, case.pid, path, line, wfunc, off(), wm),
                                                          case.modules_line(), case.cpu_line(), case.hw()]
        if a == "arm":
            L += case.trace([("dump_stack_lvl", ""), ("__warn", ""), ("warn_slowpath_fmt", "")] + frames)
        else:
            L += case.location(frames[0][0], frames[0][1], frames[1]) + case.regs()
            tr = case.trace(frames[1:] if a == "x86_64" else frames)
            if a == "x86_64":
                tr = tr[:2] + [" ? __warn+0x81/0x130", " ? report_bug+0x171/0x1a0", " ? handle_bug+0x3c/0x80", " ? exc_invalid_op+0x17/0x70",
                               " ? asm_exc_invalid_op+0x1a/0x20"] + tr[2:]
            L += tr
        L += [case.end_trace()]
        title = "WARNING: CPU: %d PID: %d at %s:%d" % (case.cpu, case.pid, path, line)
    if fatal:
        L += ["Kernel panic - not syncing: " + R.choice(["panic_on_warn set ...", "kernel: panic_on_warn set ..."])]
    case.add(*L)
    case.expect.append((fatal, "warning", title, emod, efunc))


def kernel_bug(case, mode):
    a, e = case.arch, case.era
    frames, emod, efunc = guilty_stack(case)
    path = "drivers/misc/%s/%s.c" % (case.vendor, R.choice(NOUNS)) if frames[0][1] == case.vendor else dict((f, p) for _, f, p in INTREE)[frames[0][0]]
    title = "kernel BUG at %s:%d!" % (path, R.randrange(20, 3000))
    die = {"x86_64": R.choice(["invalid opcode: 0000 [#1] SMP NOPTI", "Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", "invalid opcode: 0000 [#1] SMP "]),
           "i386": "invalid opcode: 0000 [#1] SMP", "arm": "Internal error: Oops - BUG: 0 [#1] SMP ARM",
           "arm64": "Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP", "ppc64": "Oops: Exception in kernel mode, sig: 5 [#1]",
           "s390x": R.choice(["illegal operation: 0001 ilc:1 [#1] SMP ", "monitor event: 0040 ilc:2 [#1] SMP "])}[a]
    L = ["------------[ cut here ]------------", title, die, case.modules_line(), case.cpu_line(), case.hw()]
    L += case.location(frames[0][0], frames[0][1], frames[1]) + case.regs() + case.trace(frames[1:] if a in ("x86_64", "i386") else frames) + [case.end_trace()]
    finish_fatal(case, L, "bug", title[:30], emod, efunc, mode)


def gpf(case, mode):
    frames, emod, efunc = guilty_stack(case)
    head = R.choice(["general protection fault: 0000 [#1] SMP PTI", "general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT SMP NOPTI",
                     "Oops: general protection fault, probably for non-canonical address 0xdffffc0000000002: 0000 [#1] PREEMPT SMP KASAN NOPTI",
                     "general protection fault: 0000 [#1] SMP "])
    L = [head]
    if "dffffc" in head:
        L.append("KASAN: null-ptr-deref in range [0x0000000000000010-0x0000000000000017]")
    if case.era == "old":
        L += [case.modules_line(), case.cpu_line(), case.hw()]
    else:
        L += [case.cpu_line(), case.hw()]
    L += case.location(*frames[0]) + case.regs() + case.trace(frames[1:])
    if case.era != "old":
        L.append(case.modules_line())
    L.append(case.end_trace())
    finish_fatal(case, L, "gpf", "general protection fault", emod, efunc, mode)


def trap(case, mode):
    a = case.arch
    frames, emod, efunc = guilty_stack(case)
    if a in ("x86_64", "i386"):
        name = R.choice(["divide error", "int3", "stack segment", "invalid opcode", "double fault"])
        head = ("Oops: " if case.era == "new" and R.random() < 0.5 else "") + "%s: 0000 [#1] %s" % (name, R.choice(["SMP NOPTI", "PREEMPT SMP PTI", "SMP"]))
        title = name
    elif a == "arm":
        head, title = "Internal error: Oops - undefined instruction: 0 [#1] SMP ARM", "Internal error: Oops - undefined instruction"
    elif a == "arm64":
        head, title = "Internal error: undefined instruction: 0000000002000000 [#1] PREEMPT SMP", "Internal error: undefined instruction"
    elif a == "s390x":
        name = R.choice(["specification exception: 0006 ilc:2", "fixed-point divide exception: 0009 ilc:2", "operation exception: 0001 ilc:1"])
        head, title = name + " [#1] SMP ", name.split(":")[0]
    else:
        head, title = "Oops: Exception in kernel mode, sig: 4 [#1]", "Oops: Exception in kernel mode"
    L = [head, case.modules_line(), case.cpu_line(), case.hw()] + case.location(frames[0][0], frames[0][1], frames[1]) + case.regs() + \
        case.trace(frames[1:] if a in ("x86_64", "i386") else frames) + [case.end_trace()]
    kind = "oops" if a == "ppc64" else "trap"
    finish_fatal(case, L, kind, title, emod, efunc, mode)


def stack_overflow(case):
    a = case.arch
    f = vfunc(case.vendor)
    frames = [(f, case.vendor)] * 6 + stack_for(case, [])
    if a == "x86_64":
        L = ["BUG: stack guard page was hit at %s (stack is %s..%s)" % (hx(), hx(), hx()), "kernel stack overflow (double-fault): 0000 [#1] PREEMPT SMP NOPTI",
             case.cpu_line(), case.hw()] + case.location(*frames[0]) + case.regs() + case.trace(frames[1:]) + [case.modules_line(), case.end_trace(),
                                                                                                              "Kernel panic - not syncing: Fatal exception in interrupt"]
        title = "BUG: stack guard page was hit at"
    elif a == "arm64":
        L = ["Insufficient stack space to handle exception!", "ESR: 0x0000000096000047 -- DABT (current EL)", "FAR: ffff80000a1f7ff0",
             "Task stack:     [0xffff80000a1f8000..0xffff80000a1fc000]", "IRQ stack:      [0xffff800008000000..0xffff800008004000]",
             "Overflow stack: [0xffff00007fbc1f60..0xffff00007fbc2f60]", case.cpu_line(), case.hw()] + case.location(frames[0][0], frames[0][1], frames[1]) + \
            case.regs() + ["Kernel panic - not syncing: kernel stack overflow"] + case.trace([("dump_backtrace", ""), ("show_stack", ""), ("dump_stack_lvl", ""), ("panic", ""), ("nmi_panic", ""), ("panic_bad_stack", ""), ("handle_bad_stack", ""), ("__bad_stack", "")] + frames)
        title = "Insufficient stack space to handle exception!"
    elif a == "ppc64":
        L = ["Kernel stack overflow in process %s[%d], r1=c00000000a1b0000" % (case.comm[:15], case.pid), case.cpu_line()] + \
            case.location(frames[0][0], frames[0][1], frames[1]) + case.trace(frames) + ["Kernel panic - not syncing: kernel stack overflow"]
        title = "Kernel stack overflow in process"
    else:
        L = ["Kernel stack overflow.", case.cpu_line(), case.hw()] + case.location(*frames[0]) + case.regs() + case.trace(frames) + \
            ["Kernel panic - not syncing: Corrupt kernel stack, can't continue."]
        title = "Kernel stack overflow."
    case.add(*L)
    case.expect.append((True, "stack-overflow", title, case.vendor, f))


def panic_own(case):
    a = case.arch
    choice = R.randrange(4)
    if choice == 0:
        L = ["VFS: Cannot open root device \"sda1\" or unknown-block(0,0): error -6", "Please append a correct \"root=\" boot option; here are the available partitions:",
             "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)", case.cpu_line(False), case.hw()] + \
            case.trace([("dump_stack_lvl", ""), ("panic", ""), ("mount_root_generic", ""), ("prepare_namespace", ""), ("kernel_init_freeable", ""), ("kernel_init", ""), ("ret_from_fork", "")])
        case.add(*L)
        case.expect.append((True, "panic", "Kernel panic - not syncing: VFS: Unable to mount root fs", "-", "mount_root_generic"))
    elif choice == 1:
        L = ["Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000%d" % R.choice([4, 9, 7, 11]), case.cpu_line(False), case.hw()] + \
            case.trace([("dump_stack_lvl", ""), ("panic", ""), ("do_exit", ""), ("do_group_exit", ""), ("get_signal", ""), ("arch_do_signal_or_restart", ""), ("exit_to_user_mode_prepare", "")])
        case.add(*L)
        case.expect.append((True, "panic", "Kernel panic - not syncing: Attempted to kill init!", "-", "-"))
    elif choice == 2:
        f = vfunc(case.vendor)
        L = ["Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: %s%s [%s]" % (f, off(), case.vendor), case.cpu_line(), case.hw()] + \
            case.trace([("dump_stack_lvl", ""), ("panic", ""), ("__stack_chk_fail", ""), (f, case.vendor)] + stack_for(case, []))
        case.add(*L)
        case.expect.append((True, "stack-corruption", "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in:", case.vendor, f))
    else:
        L = ["Kernel panic - not syncing: Fatal exception", "Kernel Offset: disabled", "Rebooting in 10 seconds.."]
        case.add(*L)
        case.expect.append((True, "panic", "Kernel panic - not syncing: Fatal exception", "-", "-"))


LOCKDEP = [
    ("possible circular locking dependency detected", "circular"), ("possible recursive locking detected", "recursive"),
    ("inconsistent lock state", "inconsistent"), ("suspicious RCU usage", "rcu"), ("bad unlock balance detected!", "unlock"),
    ("held lock freed!", "freed"), ("possible irq lock inversion dependency detected", "inversion"),
]


def lockdep(case, fatal):
    phrase, what = R.choice(LOCKDEP)
    top, emod, efunc = guilty_stack(case, 0.75, False)
    lockfn = {"circular": "__mutex_lock", "recursive": "_raw_spin_lock", "inconsistent": "_raw_spin_lock", "rcu": "lockdep_rcu_suspicious",
              "unlock": "__mutex_unlock_slowpath", "freed": "debug_check_no_locks_freed", "inversion": "_raw_spin_lock_irqsave"}[what]
    lock = "&%s->%s" % (R.choice(["dev", "priv", "ctx", "tbl", "sess"]), R.choice(["lock", "mutex", "list_lock", "stats_lock"]))
    old = case.era == "old" and case.arch in ("x86_64", "i386")
    title = ("INFO: " if what in ("circular", "recursive", "inconsistent", "rcu", "inversion") else "BUG: ") + phrase if old else "WARNING: " + phrase
    sep = "=" * len(title)
    L = [sep, ("[ %s ]" % title) if old else title, "%s %s" % (case.kernel.split()[0], "#1 Tainted: G           %s" % case.flags), "-" * len(title)]
    if what == "rcu":
        L += ["%s:%d suspicious rcu_dereference_check() usage!" % ("drivers/misc/%s/table.c" % case.vendor, R.randrange(20, 900)), "",
              "other info that might help us debug this:", "", "rcu_scheduler_active = 2, debug_locks = 1"]
    else:
        L += ["%s/%d is trying to acquire lock:" % (case.comm, case.pid), "%s (%s){+.+.}-{3:3}, at: %s%s [%s]" % (hx(), lock, vfunc(case.vendor), off(), case.vendor),
              "", "but task is already holding lock:", "%s (rtnl_mutex){+.+.}-{3:3}, at: rtnl_lock+0x17/0x20" % hx(), "",
              "the existing dependency chain (in reverse order) is:", "", "-> #1 (rtnl_mutex){+.+.}-{3:3}:"]
        L += ["       %s%s%s" % (f, off(), " [%s]" % m if m else "") for f, m in [("__mutex_lock", ""), ("rtnl_lock", ""), (vfunc(case.vendor), case.vendor), ("notifier_call_chain", "")]]
        L += ["", "other info that might help us debug this:", "", " Possible unsafe locking scenario:", "", "       CPU0                    CPU1",
              "       ----                    ----", "  lock(rtnl_mutex);", "                               lock(%s);" % lock, "", " *** DEADLOCK ***", "",
              "1 lock held by %s/%d:" % (case.comm, case.pid), " #0: %s (rtnl_mutex){+.+.}-{3:3}, at: rtnl_lock+0x17/0x20" % hx()]
    L += ["", "stack backtrace:", case.cpu_line(), case.hw()]
    frames = [("dump_stack_lvl", "")] + [(f, "") for f in {"circular": ["check_noncircular", "__lock_acquire", "lock_acquire"], "recursive": ["__lock_acquire", "lock_acquire"],
                                                          "inconsistent": ["mark_lock.part.0", "__lock_acquire", "lock_acquire"], "rcu": [],
                                                          "unlock": ["print_unlock_imbalance_bug", "lock_release"], "freed": ["kfree"], "inversion": ["mark_lock_irq", "__lock_acquire", "lock_acquire"]}[what]] + \
        [(lockfn, "")] + top
    L += case.trace(frames)
    if fatal:
        L += ["Kernel panic - not syncing: panic_on_warn set ..."]
    case.add(*L)
    case.expect.append((fatal, "lockdep", title, emod, efunc))


def sanitizer(case, fatal):
    a = case.arch
    which = R.choice(["kasan", "kasan", "kmsan", "kcsan", "kfence", "ubsan"])
    frames, emod, efunc = guilty_stack(case, 0.7, False)
    f, m = frames[0]
    mm = " [%s]" % m if m else ""
    sep = "=" * 66
    if which == "kasan":
        bug = R.choice(["slab-out-of-bounds", "use-after-free", "slab-use-after-free", "global-out-of-bounds", "stack-out-of-bounds", "null-ptr-deref", "wild-memory-access"])
        via_helper = R.random() < 0.3
        tf = R.choice(["memcpy", "strlen", "kfree"]) if via_helper else f
        tm = "" if via_helper else mm
        if case.era == "old":
            title = "BUG: KASAN: %s in %s%s%s at addr %s" % (bug, tf, off(), tm, hx())
            L = [sep, title, "Read of size %d by task %s/%d" % (R.choice([1, 4, 8]), case.comm, case.pid), case.cpu_line(), case.hw(),
                 " %s %s %s" % (hx(), hx(), hx())]
            pre = [("dump_stack", ""), ("kasan_object_err", ""), ("kasan_report_error", ""), ("kasan_report", ""), ("__asan_load8", "")]
        else:
            title = "BUG: KASAN: %s in %s%s%s" % (bug, tf, off(), tm)
            L = [sep, title, "%s of size %d at addr %s by task %s/%d" % (R.choice(["Read", "Write"]), R.choice([1, 4, 8]), hx(), case.comm, case.pid), "",
                 case.cpu_line(), case.hw()]
            pre = [("dump_stack_lvl", ""), ("print_report", ""), ("kasan_report", "")]
        if via_helper:
            pre += [("kasan_check_range", ""), (tf, "")]
        L += case.trace(pre + frames) + ["", "Allocated by task %d:" % case.pid] + case.trace([("kasan_save_stack", ""), ("__kasan_kmalloc", ""), ("__kmalloc", ""), (vfunc(case.vendor), case.vendor)], header=False, task=False) + \
            ["", "Freed by task %d:" % case.pid] + case.trace([("kasan_save_stack", ""), ("kfree", ""), (vfunc(case.vendor), case.vendor)], header=False, task=False) + \
            ["", "The buggy address belongs to the object at %s" % hx(), " which belongs to the cache kmalloc-128 of size 128", "",
             "Memory state around the buggy address:", " %s: fa fb fb fb fb fb fb fb fc fc fc fc fc fc fc fc" % hx(), sep]
        kind, tprefix = "kasan", "BUG: KASAN: %s in" % bug
        reason = "KASAN: panic_on_warn set ..."
    elif which == "kmsan":
        title = "BUG: KMSAN: uninit-value in %s%s%s" % (f, off(), mm)
        L = [sep, title] + case.trace(frames, header=False, task=False) + ["", "Uninit was created at:"] + \
            case.trace([("__alloc_pages", ""), ("alloc_pages_mpol", ""), ("kmsan_internal_alloc_meta_for_pages", ""), (vfunc(case.vendor), case.vendor)], header=False, task=False) + \
            ["", case.cpu_line(), case.hw(), sep]
        kind, tprefix, reason = "kmsan", "BUG: KMSAN: uninit-value in", "kmsan.panic set ..."
    elif which == "kcsan":
        g = vfunc(case.vendor) if m else R.choice(INTREE)[1]
        title = "BUG: KCSAN: data-race in %s%s / %s%s" % (f, mm, g, mm)
        L = [sep, title, "", "write to 0x%s of 8 bytes by task %d on cpu %d:" % (hx(), case.pid, case.cpu)] + case.trace(frames, header=False, task=False) + \
            ["", "read to 0x%s of 8 bytes by task %d on cpu %d:" % (hx(), case.pid + 7, (case.cpu + 1) % 8)] + case.trace([(g, m)] + stack_for(case, []), header=False, task=False) + \
            ["", "value changed: 0x%016x -> 0x%016x" % (R.getrandbits(16), R.getrandbits(16)), "", "Reported by Kernel Concurrency Sanitizer on:", case.cpu_line(), case.hw(), sep]
        kind, tprefix, reason = "kcsan", "BUG: KCSAN: data-race in", "panic_on_warn set ..."
    elif which == "kfence":
        bug = R.choice(["out-of-bounds read", "use-after-free read", "out-of-bounds write", "invalid free"])
        title = "BUG: KFENCE: %s in %s%s%s" % (bug, f, off(), mm)
        L = [sep, title, "", "%s at 0x%s (32B right of kfence-#%d):" % (bug.split()[0].capitalize(), hx(), R.randrange(200))] + case.trace(frames, header=False, task=False) + \
            ["", "kfence-#%d: 0x%s-0x%s, size=64, cache=kmalloc-64" % (R.randrange(200), hx(), hx()), "", "allocated by task %d on cpu %d at %d.%06ds:" % (case.pid, case.cpu, R.randrange(100), R.randrange(10**6))] + \
            case.trace([("__kmalloc", ""), (vfunc(case.vendor), case.vendor)], header=False, task=False) + ["", case.cpu_line(), case.hw(), sep]
        kind, tprefix, reason = "kfence", "BUG: KFENCE: %s in" % bug, "panic_on_warn set ..."
    else:
        what = R.choice([("shift-out-of-bounds", "shift exponent 64 is too large for 64-bit type 'long unsigned int'", "__ubsan_handle_shift_out_of_bounds"),
                         ("array-index-out-of-bounds", "index 21 is out of range for type 'u32 [20]'", "__ubsan_handle_out_of_bounds"),
                         ("signed-integer-overflow", "2147483647 + 1 cannot be represented in type 'int'", "__ubsan_handle_add_overflow")])
        path = "drivers/misc/%s/%s.c:%d:%d" % (case.vendor, R.choice(NOUNS), R.randrange(20, 900), R.randrange(2, 40)) if m else "lib/%s.c:%d:%d" % (R.choice(NOUNS), R.randrange(20, 900), R.randrange(2, 40))
        old = case.era == "old"
        title = ("UBSAN: Undefined behaviour in %s" if old else "UBSAN: %s in %%s" % what[0]) % path
        L = ["=" * 80, title, what[1], case.cpu_line(), case.hw()] + case.trace([("dump_stack_lvl", ""), ("ubsan_epilogue", ""), (what[2] + (".cold" if R.random() < 0.5 else ""), "")] + frames) + ["=" * 80]
        kind, tprefix, reason = "ubsan", "UBSAN: Undefined behaviour in" if old else "UBSAN: %s in" % what[0], "UBSAN: panic_on_warn set ..."
    if fatal:
        L += ["Kernel panic - not syncing: " + reason if "panic_on_warn" in reason else "Kernel panic - not syncing: panic_on_warn set ..."]
    else:
        L += ["Disabling lock debugging due to kernel taint"]
    case.add(*L)
    case.expect.append((fatal, kind, tprefix, emod, efunc))


def kmemleak(case):
    f = vfunc(case.vendor)
    frames = [("kmemleak_alloc", ""), ("__kmem_cache_alloc_node", ""), ("kmalloc_trace", ""), (f, case.vendor)] + stack_for(case, [])
    L = ["kmemleak: %d new suspected memory leaks (see /sys/kernel/debug/kmemleak)" % R.randrange(1, 9)] if R.random() < 0.5 else []
    size = R.choice([32, 64, 128, 192, 512, 4096])
    L += ["unreferenced object 0x%s (size %d):" % (hx(), size), "  comm \"%s\", pid %d, jiffies %d (age %d.%03ds)" % (case.comm, case.pid, 4294900000 + R.randrange(99999), R.randrange(30), R.randrange(1000)),
          "  hex dump (first 32 bytes):", "    00 00 00 00 00 00 00 00 6b 6b 6b 6b 6b 6b 6b 6b  ........kkkkkkkk",
          "  backtrace (crc %08x):" % R.getrandbits(32) if case.era == "new" else "  backtrace:"]
    for fn, m in frames:
        L.append("    %s%s%s%s" % ("[<%s>] " % hx() if case.era != "new" else "", fn, off(), " [%s]" % m if m else ""))
    case.add(*L)
    case.expect.append((False, "kmemleak", "unreferenced object 0x", case.vendor, f))


def refcount_or_list(case, fatal):
    a = case.arch
    f = vfunc(case.vendor)
    frames = [(f, case.vendor)] + stack_for(case, [])
    if R.random() < 0.5:
        msg = R.choice(["refcount_t: underflow; use-after-free.", "refcount_t: saturated; leaking memory.", "refcount_t: addition on 0; use-after-free.",
                        "refcount_t: decrement hit 0; leaking memory."])
        kind, wfunc, wfile = "refcount", "refcount_warn_saturate", "lib/refcount.c"
        bug = False
    else:
        msg = R.choice(["list_add corruption. prev->next should be next (%s), but was %s. (prev=%s)." % (hx(), hx(), hx()),
                        "list_del corruption, %s->next is LIST_POISON1 (dead000000000100)" % hx(),
                        "list_del corruption. prev->next should be %s, but was %s. (prev=%s)" % (hx(), hx(), hx()),
                        "list_add double add: new=%s, prev=%s, next=%s." % (hx(), hx(), hx())])
        kind, wfunc, wfile = "list-corruption", R.choice(["__list_add_valid_or_report", "__list_del_entry_valid_or_report", "__list_add_valid"]), "lib/list_debug.c"
        bug = R.random() < 0.5
    line = R.randrange(20, 70)
    body = [case.modules_line(), case.cpu_line(), case.hw()] + case.location(wfunc, "", frames[0]) + case.regs() + case.trace(frames) + [case.end_trace()]
    if bug:
        L = [msg, "------------[ cut here ]------------", "kernel BUG at %s:%d!" % (wfile, line),
             R.choice(["invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", "Oops: invalid opcode: 0000 [#1] SMP"]) if a in ("x86_64", "i386") else
             {"arm": "Internal error: Oops - BUG: 0 [#1] SMP ARM", "arm64": "Internal error: Oops - BUG: 00000000f2000800 [#1] SMP",
              "ppc64": "Oops: Exception in kernel mode, sig: 5 [#1]", "s390x": "illegal operation: 0001 ilc:1 [#1] SMP "}[a]] + body
        fatal = fatal or R.random() < 0.5
        if fatal:
            L += ["Kernel panic - not syncing: Fatal exception"]
        else:
            L += R.sample(NOISE, 4)
    elif case.era == "old" and a in ("x86_64", "i386"):
        L = ["------------[ cut here ]------------", "WARNING: CPU: %d PID: %d at %s:%d %s%s()" % (case.cpu, case.pid, wfile, line, wfunc, off()), msg] + body
        if fatal:
            L += ["Kernel panic - not syncing: panic_on_warn set ..."]
    else:
        L = ["------------[ cut here ]------------", msg, "WARNING: CPU: %d PID: %d at %s:%d %s%s" % (case.cpu, case.pid, wfile, line, wfunc, off())] + body
        if fatal:
            L += ["Kernel panic - not syncing: panic_on_warn set ..."]
    case.add(*L)
    case.expect.append((fatal, kind, msg[:16], case.vendor, f))


def bug_misc(case, fatal):
    f = vfunc(case.vendor)
    which = R.randrange(6)
    frames = stack_for(case, [(f, case.vendor)])
    if which == 0:
        t = "BUG: sleeping function called from invalid context at %s" % R.choice(["kernel/locking/mutex.c:580", "mm/slab.h:733", "include/linux/sched/mm.h:306"])
        L = [t, "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: %d, name: %s" % (case.pid, case.comm), "preempt_count: 1, expected: 0",
             "RCU nest depth: 0, expected: 0", "Preemption disabled at:", "[<%s>] %s%s [%s]" % (kaddr(case.arch, True), vfunc(case.vendor), off(), case.vendor),
             case.cpu_line(), case.hw()] + case.trace([("dump_stack_lvl", ""), ("__might_resched", ""), (R.choice(["__mutex_lock", "__kmalloc", "down_write"]), "")] + frames)
        kind, tp = "atomic-sleep", "BUG: sleeping function called from invalid context"
    elif which == 1:
        t = "BUG: scheduling while atomic: %s/%d/0x00000002" % (case.comm, case.pid)
        L = [t, case.modules_line(), "Preemption disabled at:", "[<%s>] %s%s [%s]" % (kaddr(case.arch, True), vfunc(case.vendor), off(), case.vendor), case.cpu_line(), case.hw()] + \
            case.trace([("dump_stack_lvl", ""), ("__schedule_bug", ""), ("__schedule", ""), ("schedule", ""), ("schedule_timeout", ""), ("msleep", "")] + frames)
        kind, tp = "atomic-sleep", "BUG: scheduling while atomic:"
    elif which == 2:
        t = "BUG: spinlock %s on CPU#%d, %s/%d" % (R.choice(["bad magic", "recursion", "already unlocked", "wrong owner"]), case.cpu, case.comm, case.pid)
        L = [t, " lock: 0x%s, .magic: dead4ead, .owner: %s/%d, .owner_cpu: %d" % (hx(), case.comm, case.pid, case.cpu), case.cpu_line(), case.hw()] + \
            case.trace([("dump_stack_lvl", ""), ("do_raw_spin_lock", ""), ("_raw_spin_lock_irqsave", "")] + frames)
        kind, tp = "spinlock", "BUG: spinlock "
    elif which == 3:
        t = "BUG: Bad page state in process %s  pfn:%05x" % (case.comm, R.getrandbits(20))
        L = [t, "page:%s refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x%x" % (hx(), R.getrandbits(20)), "flags: 0x100000000000200(slab|node=0|zone=2)",
             "page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set", case.modules_line(), case.cpu_line(), case.hw()] + \
            case.trace([("dump_stack_lvl", ""), ("bad_page", ""), ("free_pages_prepare", ""), ("free_unref_page", ""), ("__free_pages", "")] + frames)
        kind, tp = "bad-page", "BUG: Bad page state in process"
    elif which == 4:
        t = "BUG: Bad rss-counter state mm:%s type:MM_ANONPAGES val:%d" % (hx(), R.randrange(1, 9))
        L = [t]
        kind, tp, f = "bad-page", "BUG: Bad rss-counter state", "-"
        case.vendor = "-"
    else:
        t = "BUG: using smp_processor_id() in preemptible [00000000] code: %s/%d" % (case.comm, case.pid)
        L = [t, "caller is %s%s [%s]" % (f, off(), case.vendor), case.cpu_line(), case.hw()] + case.trace([("dump_stack_lvl", ""), ("check_preemption_disabled", "")] + frames)
        kind, tp = "bug", "BUG: using smp_processor_id() in preemptible"
    if fatal and which != 4:
        L += ["Kernel panic - not syncing: panic_on_warn set ..."]
    else:
        fatal = False
    case.add(*L)
    case.expect.append((fatal, kind, tp, case.vendor, f))


def hung(case, fatal):
    a = case.arch
    top, emod, efunc = guilty_stack(case, 0.75, False)
    waits = R.choice([["__schedule", "schedule", "schedule_preempt_disabled", "__mutex_lock.constprop.0"], ["__schedule", "schedule", "schedule_timeout", "wait_for_completion"],
                      ["__schedule", "schedule", "io_schedule", "folio_wait_bit_common"], ["__schedule", "schedule", "rwsem_down_write_slowpath", "down_write"]])
    if a == "arm64":
        waits = ["__switch_to"] + waits
    frames = [(w, "") for w in waits] + top
    t = "INFO: task %s:%d blocked for more than %d seconds." % (case.comm, case.pid, R.choice([120, 122, 143, 245, 491, 983]))
    L = [t, "      Tainted: G           %s %s" % (case.flags, case.kernel),
         "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message."]
    if case.era == "old":
        L.append("%-15s D ffff8800%08x     0 %5d      2 0x00000000" % (case.comm[:15], R.getrandbits(32), case.pid))
    else:
        L.append("task:%-15s state:D stack:0     pid:%-5d ppid:2      flags:0x00004000" % (case.comm[:15], case.pid))
    L += case.trace(frames)
    if fatal:
        L += ["", "Showing all locks held in the system:", "1 lock held by khungtaskd/38:", " #0: %s (rcu_read_lock){....}-{1:2}, at: debug_show_all_locks+0x15/0x1a0" % hx(),
              "NMI backtrace for cpu 0", case.cpu_line(), "Call Trace:", " dump_stack_lvl+0x4a/0x80", " nmi_cpu_backtrace+0xd4/0x100", " watchdog+0x28c/0x4b0",
              " kthread+0xe6/0x110", "Kernel panic - not syncing: hung_task: blocked tasks"]
    case.add(*L)
    case.expect.append((fatal, "hung-task", t[:16], emod, efunc))


def stall_or_lockup(case, fatal):
    a = case.arch
    which = R.choice(["rcu-self", "rcu-other", "soft", "soft", "hard"])
    spin = R.random() < 0.3
    frames, emod, efunc = guilty_stack(case, 0.75, which in ("soft", "hard"))
    if spin:
        frames = [("native_queued_spin_lock_slowpath" if a == "x86_64" else "queued_spin_lock_slowpath", ""), ("_raw_spin_lock", "")] + frames
    irq = [("rcu_dump_cpu_stacks", ""), ("rcu_sched_clock_irq", ""), ("update_process_times", ""), ("tick_sched_timer", ""), ("__hrtimer_run_queues", ""), ("hrtimer_interrupt", "")]
    body = [case.cpu_line(), case.hw()] + case.location(frames[0][0], frames[0][1], frames[1]) + case.regs()
    tr = case.trace(frames[1:] if a in ("x86_64", "i386") else frames)
    if a == "x86_64" and case.era == "new":
        tr = tr[:1] + [" <IRQ>"] + [" ? %s%s" % (f, off()) for f, _ in irq] + [" </IRQ>"] + tr[1:]
    if which == "rcu-self":
        t = R.choice(["rcu: INFO: rcu_preempt self-detected stall on CPU", "INFO: rcu_sched self-detected stall on CPU { %d}  (t=21000 jiffies g=%d c=%d q=%d)" % (case.cpu, R.randrange(99999), R.randrange(99999), R.randrange(999))])
        L = [t, "rcu: \t%d-....: (20999 ticks this GP) idle=8a4c/1/0x4000000000000000 softirq=%d/%d fqs=5249" % (case.cpu, R.randrange(99999), R.randrange(99999)),
             "rcu: \t(t=21000 jiffies g=%d q=%d ncpus=4)" % (R.randrange(99999), R.randrange(999))] + body + tr
        kind, tp, reason = "rcu-stall", t[:t.index("stall on CPU") + 12], "RCU Stall"
    elif which == "rcu-other":
        t = R.choice(["rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", "INFO: rcu_preempt detected stalls on CPUs/tasks:", "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {"])
        L = [t, "rcu: \t%d-...0: (1 GPs behind) idle=b84/1/0x4000000000000000 softirq=8841/8842 fqs=2" % case.cpu,
             "\t(detected by %d, t=21002 jiffies, g=19357, q=262 ncpus=4)" % ((case.cpu + 1) % 4), "Sending NMI from CPU %d to CPUs %d:" % ((case.cpu + 1) % 4, case.cpu),
             "NMI backtrace for cpu %d" % case.cpu] + body + tr
        kind, tp, reason = "rcu-stall", t.rstrip(" {").rstrip(":") , "RCU Stall"
    elif which == "soft":
        t = ("watchdog: " if case.era == "new" else R.choice(["NMI watchdog: ", ""])) + "BUG: soft lockup - CPU#%d stuck for %ds! [%s:%d]" % (case.cpu, R.choice([22, 23, 26, 48, 67]), case.comm, case.pid)
        L = [t, case.modules_line()] + body + tr
        kind, tp, reason = "soft-lockup", t[:t.index("stuck for")], "softlockup: hung tasks"
    else:
        t = R.choice(["NMI watchdog: Watchdog detected hard LOCKUP on cpu %d" % case.cpu, "watchdog: Watchdog detected hard LOCKUP on cpu %d" % case.cpu,
                      "watchdog: CPU%d: Watchdog detected hard LOCKUP on cpu %d" % (case.cpu, case.cpu)])
        L = [t, case.modules_line()] + body + tr
        kind, tp, reason = "hard-lockup", t[:t.index("LOCKUP") + 6], "Hard LOCKUP"
    if fatal:
        L += ["Kernel panic - not syncing: " + reason, case.cpu_line(), case.hw()] + case.trace([("dump_stack_lvl", ""), ("panic", ""), ("watchdog_timer_fn", ""), ("__hrtimer_run_queues", "")])
    case.add(*L)
    case.expect.append((fatal, kind, tp, emod, efunc))


def oom(case, panic):
    vendor_alloc = R.random() < 0.5
    f = vfunc(case.vendor)
    alloc = [("dump_stack_lvl", ""), ("dump_header", ""), ("oom_kill_process", ""), ("out_of_memory", ""), ("__alloc_pages_slowpath.constprop.0", ""), ("__alloc_pages", "")]
    if vendor_alloc:
        frames = alloc + [("__kmalloc_large_node", ""), ("__kmalloc", ""), (f, case.vendor)] + stack_for(case, [])
        emod, efunc = case.vendor, f
    else:
        frames = alloc + [("alloc_pages_mpol", ""), ("folio_alloc", ""), ("__filemap_get_folio", ""), ("filemap_fault", ""), ("__do_fault", ""), ("do_fault", ""),
                          ("__handle_mm_fault", ""), ("handle_mm_fault", ""), ("do_user_addr_fault", ""), ("exc_page_fault", ""), ("asm_exc_page_fault", "")]
        emod, efunc = "-", "-"
    victim, vpid = R.choice(COMMS[:10]), R.randrange(300, 40000)
    L = ["%s invoked oom-killer: gfp_mask=0x%x(GFP_KERNEL), order=0, oom_score_adj=0" % (case.comm, R.getrandbits(20)), case.cpu_line(), case.hw()] + case.trace(frames) + \
        ["Mem-Info:", "active_anon:%d inactive_anon:%d isolated_anon:0" % (R.randrange(99999), R.randrange(99999)),
         "Node 0 DMA free:%dkB boost:0kB min:%dkB low:%dkB high:%dkB" % (R.randrange(9999), R.randrange(999), R.randrange(999), R.randrange(999)),
         "Tasks state (memory values in pages):", "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
         "[  %5d]     0 %5d    %6d     %5d    98304        0             0 %s" % (vpid, vpid, R.randrange(99999), R.randrange(99999), victim)]
    if panic:
        L += ["Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled"]
        case.add(*L)
        case.expect.append((True, "oom", "Kernel panic - not syncing: Out of memory", emod, efunc))
        return
    L += ["oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice,task=%s,pid=%d,uid=0" % (victim, vpid)]
    if case.era == "old":
        L += ["Out of memory: Kill process %d (%s) score %d or sacrifice child" % (vpid, victim, R.randrange(999)),
              "Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB" % (vpid, victim, R.randrange(99999), R.randrange(99999))]
        tp = "Out of memory: Kill process %d (%s)" % (vpid, victim)
    else:
        L += ["Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:96kB oom_score_adj:0" % (vpid, victim, R.randrange(99999), R.randrange(99999))]
        tp = "Out of memory: Killed process %d (%s)" % (vpid, victim)
    case.add(*L)
    case.expect.append((False, "oom-kill", tp, emod, efunc))


def windows(case):
    code, name = R.choice([(0x50, "PAGE_FAULT_IN_NONPAGED_AREA"), (0xD1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL"), (0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED"),
                           (0x3B, "SYSTEM_SERVICE_EXCEPTION"), (0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION"), (0x1E, "KMODE_EXCEPTION_NOT_HANDLED")])
    drv = R.choice(["csagent.sys", "edrdrv.sys", "wdfilter.sys", "acmeflt.sys", "ksentry.sys"])
    if R.random() < 0.5:
        L = ["", "*** STOP: 0x%08X (0x%016X,0x%016X,0x%016X,0x%016X)" % (code, R.getrandbits(64), R.getrandbits(8), R.getrandbits(64), R.getrandbits(4)),
             "***  %s - Address FFFFF805%08X base at FFFFF805%08X, DateStamp %08x" % (drv, R.getrandbits(32), R.getrandbits(32), R.getrandbits(32)), "",
             "Collecting data for crash dump ...", "Initializing disk for crash dump ...", "Beginning dump of physical memory", "Dumping physical memory to disk:  100"]
    else:
        L = [":(", "Your %s ran into a problem and needs to restart. We're just collecting some error info, and then we'll restart for you." % R.choice(["PC", "device"]),
             "", "20%% complete", "", "Stop code: %s" % name, "What failed: %s" % drv]
    case.add(*L)
    case.expect.append((True, "bugcheck", "bugcheck 0x%08X %s" % (code, name), drv, "-"))


# -------------------------------------------------------------------- consoles

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class Console:
    """How each line is prefixed: dmesg timestamps, caller ids, syslog levels, journal lines."""

    def __init__(self, style):
        self.style = style
        self.t = R.uniform(0.5, 3000)
        self.host = R.choice(["web01", "build-7", "ip-10-0-3-17", "localhost", "node-b", "sensor-lab"])
        self.date = "%s %2d %02d:%02d" % (R.choice(MONTHS), R.randrange(1, 29), R.randrange(24), R.randrange(60))
        self.tid = R.randrange(1, 9000)

    def prefix(self, level=4, caller=None):
        self.t += R.uniform(0, 0.002)
        ts = "[%12.6f]" % self.t
        s = self.style
        if s == "dmesg":
            return ts + " "
        if s == "caller":
            return ts + "[%6s] " % (caller or "T%d" % self.tid)
        if s == "syslog":
            return "<%d>%s " % (level, ts)
        if s == "journal":
            return "%s:%02d %s kernel: " % (self.date, int(self.t) % 60, self.host)
        if s == "journal-ts":
            return "%s:%02d %s kernel: %s " % (self.date, int(self.t) % 60, self.host, ts)
        if s == "iso":
            return "2024-%02d-%02dT%02d:%02d:%02d.%06d+00:00 %s kernel: " % (R.randrange(1, 13), R.randrange(1, 29), R.randrange(24), R.randrange(60), int(self.t) % 60, R.randrange(10**6), self.host)
        if s == "dmesg-T":
            return "[Tue Mar  5 10:%02d:%02d 2024] " % (int(self.t / 60) % 60, int(self.t) % 60)
        return ""

    def render(self, lines, eol="\n"):
        """Lines starting with \\x01 continue the line above (cut at 1,024 bytes): no prefix."""
        return "".join((l[1:] if l.startswith("\x01") else self.prefix() + l) + eol for l in lines)


STYLES = ["dmesg"] * 5 + ["caller", "caller", "syslog", "journal", "journal-ts", "iso", "dmesg-T", "bare"]

BOOT = [
    "Linux version {kernel} (builder@buildhost) (gcc (GCC) 12.2.0, GNU ld 2.40) #1 SMP PREEMPT_DYNAMIC",
    "Command line: BOOT_IMAGE=/boot/vmlinuz root=UUID=3f1c9e2a-7b1d-4c55-9a0e-0c1f2d3e4f5a ro quiet panic=10 oops=panic",
    "BIOS-provided physical RAM map:", "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
    "NX (Execute Disable) protection: active", "SMBIOS 3.0.0 present.", "DMI: {hw}",
    "tsc: Detected 2394.454 MHz processor", "ACPI: Early table checksum verification disabled",
    "ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PCI0.LPCB.H_EC.ECAV], AE_NOT_FOUND (20230628/psargs-330)",
    "ACPI Error: Aborting method \\_SB.PCI0.LPCB.H_EC.BAT1._STA due to previous error (AE_NOT_FOUND) (20230628/psparse-529)",
    "ACPI Warning: SystemIO range 0x0000000000000428-0x000000000000042F conflicts with OpRegion 0x0000000000000400-0x000000000000047F (\\PMIO) (20230628/utaddress-204)",
    "[Firmware Bug]: TSC_DEADLINE disabled due to Errata; please update microcode to version: 0x52 (or later)",
    "[Firmware Bug]: ACPI: BIOS _OSI(Linux) query ignored", "[Firmware Warn]: GHES: Poll interval is 0 for generic hardware error source: 1, disabled.",
    "tpm tpm0: [Firmware Bug]: TPM interrupt not working, polling instead",
    "Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible via Spectre v2 BHB attacks!",
    "x86/cpu: SGX disabled by BIOS.", "smpboot: CPU0: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz (family: 0x6, model: 0x4f, stepping: 0x1)",
    "rcu: Hierarchical RCU implementation.", "rcu: \tRCU restricting CPUs from NR_CPUS=8192 to nr_cpu_ids=4.",
    "rcu: Hierarchical SRCU implementation.", "rcu: \tMax phase no-delay instances is 400.",
    "NMI watchdog: Enabled. Permanently consumes one hw-PMU counter.", "watchdog: Disabling watchdog on nohz_full cores by default",
    "Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar", "... MAX_LOCKDEP_SUBCLASSES:  8",
    "kmemleak: Kernel memory leak detector initialized (mem pool available: 15864)",
    "KFENCE: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)-0x(____ptrval____)",
    "kasan: KernelAddressSanitizer initialized", "hung_task: task hung timeout set to 120 seconds",
    "pci 0000:00:1f.2: [8086:2922] type 00 class 0x010601", "pci 0000:00:02.0: BAR 0: assigned [mem 0xfd000000-0xfdffffff pref]",
    "PCI: Using ACPI for IRQ routing", "clocksource: Switched to clocksource tsc-early",
    "Freeing unused kernel image (initmem) memory: 2880K", "Write protecting the kernel read-only data: 26624k",
    "Run /init as init process", "systemd[1]: systemd 252.22-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR)",
    "systemd[1]: Detected virtualization kvm.", "systemd[1]: Hostname set to <{host}>.",
    "systemd[1]: Queued start job for default target graphical.target.", "systemd[1]: Created slice system-getty.slice - Slice /system/getty.",
    "systemd[1]: Started systemd-journald.service - Journal Service.", "systemd[1]: Mounting sys-kernel-debug.mount - Kernel Debug File System...",
    "systemd[1]: Starting systemd-sysctl.service - Apply Kernel Variables...", "EXT4-fs (sda1): mounted filesystem 3f1c9e2a-7b1d-4c55-9a0e-0c1f2d3e4f5a ro with ordered data mode. Quota mode: none.",
    "EXT4-fs (sda1): re-mounted 3f1c9e2a-7b1d-4c55-9a0e-0c1f2d3e4f5a r/w. Quota mode: none.",
    "EXT4-fs warning (device sda1): ext4_dx_add_entry:2511: Directory (ino: 1966082) index full, reach max htree level :2",
    "XFS (vdb1): Mounting V5 Filesystem", "BTRFS info (device sda2): using crc32c (crc32c-intel) checksum algorithm",
    "usb 1-1: new high-speed USB device number 2 using xhci_hcd", "usb 1-1: device descriptor read/64, error -71",
    "usb 2-1: USB disconnect, device number 3", "ata1.00: failed command: READ FPDMA QUEUED", "ata1.00: error: { UNC }",
    "blk_update_request: I/O error, dev sdb, sector 123456 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
    "Buffer I/O error on dev sdb1, logical block 15432, async page read", "EDAC MC0: Giving out device to module ie31200_edac controller IE31200: DEV 0000:00:00.0 (POLLED)",
    "mce: [Hardware Error]: Machine check events logged", "random: crng init done", "audit: type=1400 audit(1710000000.123:2): apparmor=\"STATUS\" operation=\"profile_load\" profile=\"unconfined\" name=\"lsb_release\"",
    "kauditd_printk_skb: 42 callbacks suppressed", "nvidia: loading out-of-tree module taints kernel.", "nvidia: module license 'NVIDIA' taints kernel.",
    "Disabling lock debugging due to kernel taint", "nvidia: module verification failed: signature and/or required key missing - tainting kernel",
    "vboxdrv: loading out-of-tree module taints kernel.", "zfs: module license 'CDDL' taints kernel.",
    "i915 0000:00:02.0: [drm] *ERROR* Failed to write source OUI", "iwlwifi 0000:03:00.0: Microcode SW error detected. Restarting 0x2000000.",
    "traps: {comm}[{pid}] general protection fault ip:7f3c2a1b4c5d sp:7ffd4e3a2b10 error:0 in libc.so.6[7f3c2a000000+1a9000]",
    "{comm}[{pid}]: segfault at 0 ip 000055d3c2a1b4c5 sp 00007ffd4e3a2b10 error 4 in {comm}[55d3c2a00000+3000] likely on CPU 1 (core 1, socket 0)",
    "Code: 48 8b 45 f8 48 89 c7 e8 3c fe ff ff 90 c9 c3 55 48 89 e5 48 83 ec 10 <8b> 00 89 45 fc",
    "traps: {comm}[{pid}] trap divide error ip:55d3c2a1b4c5 sp:7ffd4e3a2b10 error:0 in {comm}[55d3c2a00000+3000]",
    "systemd-coredump[812]: Process {pid} ({comm}) of user 0 dumped core.", "systemd[1]: {comm}.service: Main process exited, code=killed, status=11/SEGV",
    "systemd[1]: {comm}.service: Failed with result 'core-dump'.", "systemd[1]: Failed to start {comm}.service - Example Service.",
    "sysctl: setting key \"kernel.panic_on_oops\": Invalid argument", "systemd-sysctl[245]: Couldn't write '1' to 'kernel/panic_on_warn': Permission denied",
    "workqueue: drm_fb_helper_damage_work hogged CPU for >10000us 4 times, consider switching to WQ_UNBOUND",
    "sched: RT throttling activated", "perf: interrupt took too long (2503 > 2500), lowering kernel.perf_event_max_sample_rate to 79750",
    "clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:",
    "hrtimer: interrupt took 1234567 ns", "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.",
    "nf_conntrack: nf_conntrack: table full, dropping packet", "Adding 2097148k swap on /swapfile.  Priority:-2 extents:6 across:2260988k SS",
    "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready", "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "virtio_net virtio0 enp1s0: renamed from eth0", "Bluetooth: hci0: Opcode 0x0c03 failed: -110", "PM: Image not found (code -22)",
    "ACPI: PM: Preparing to enter system sleep state S3", "dracut-pre-udev[312]: WARNING: could not find module 'firewire-ohci'",
    "kernel: WARNING: the following kernel modules were loaded from an untrusted location", "lockdown_lsm: Kernel is locked down from EFI Secure Boot; see man kernel_lockdown.7",
    "Kernel command line: quiet splash softlockup_panic=1 hung_task_panic=0 panic_on_warn=0", "oom_reaper: not running: no memory to reap",
    "overlayfs: upper fs does not support RENAME_WHITEOUT.", "xhci_hcd 0000:00:14.0: WARN Cannot submit Set TR Deq Ptr: timeout",
    "nouveau 0000:01:00.0: bus: MMIO read of 00000000 FAULT at 022554 [ IBUS ]", "snd_hda_intel 0000:00:1f.3: Unable to bind the codec",
    "This is a BUG report template: do not panic, see /usr/share/doc/README", "btrfs: error: csum mismatch on free space cache",
]


def fill(line, **kw):
    for k, v in kw.items():
        line = line.replace("{%s}" % k, str(v))
    return line


def clean_log(n):
    cons = Console(R.choice(STYLES))
    kernel = R.choice(KERNELS["x86_64"] + KERNELS["arm64"])
    lines = []
    for l in BOOT[:7]:
        lines.append(l)
    lines += R.sample(BOOT[7:], R.randrange(25, 60))
    out = []
    for l in lines:
        l = fill(l, kernel=kernel, hw=R.choice(HARDWARE["x86_64"]), host=cons.host, comm=R.choice(COMMS[:12]).split("/")[0], pid=R.randrange(200, 30000))
        out.append(l)
    eol = "\r\n" if n % 9 == 0 else "\n"
    text = cons.render(out, eol)
    if n % 7 == 0:  # a guest that writes bytes that are not UTF-8 into its console
        text = text.replace("Hostname set to", "Hostname set to \xff\xfe", 1)
    return text


# -------------------------------------------------------------------- damage

def damage(case, text_lines, how):
    """Returns the lines damaged as `how` says, and adjusts what the case expects."""
    if how == "truncate":
        # the console ends mid-report: after the location, inside the trace
        cut = R.randrange(min(len(text_lines) - 1, 12), len(text_lines))
        for i, l in enumerate(text_lines):
            if l.startswith(("Kernel panic", "Rebooting")):
                cut = min(cut, i)
        return text_lines[:cut]
    if how == "interleave":
        out = []
        for l in text_lines:
            out.append(l)
            if R.random() < 0.15:
                out.append(R.choice(NOISE))
        return out
    if how == "cut1024":
        out = []
        for l in text_lines:
            if l.startswith("Modules linked in:"):
                l = l + " " + " ".join("mod%03d_%s" % (i, R.choice(NOUNS)) for i in range(120))
                out += [l[:1024], "\x01" + l[1024:]]
            else:
                out.append(l)
        return out
    return text_lines


def write_case(name, case, style=None, how=None, eol="\n"):
    cons = Console(style or R.choice(STYLES))
    lines = case.lines
    if how:
        lines = damage(case, lines, how)
    pre = R.sample(BOOT[7:], R.randrange(2, 8))
    pre = [fill(l, kernel=case.kernel, hw="x", host=cons.host, comm="cron", pid=100) for l in pre]
    text = cons.render(pre + lines, eol)
    if how == "utf8":  # bytes that are not UTF-8 in the task's name and around the report
        text = text.replace("Comm: " + case.comm[:15], "Comm: " + case.comm[:15] + "\udcff\udcfe", 1)
        text = text.replace(pre[0], pre[0] + " \udcc3(", 1)
    with open(os.path.join(HERE, name), "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)
    return [(name, i + 1) + e for i, e in enumerate(case.expect)]


def interleaved_callers(n):
    """Two tasks' reports at once, told apart by their caller ids."""
    a, b = Case("x86_64", "new"), Case("x86_64", "new")
    warning(a, False)
    R.choice([lambda c: warning(c, False), lambda c: bug_misc(c, False), lambda c: sanitizer(c, False)])(b)
    cons = Console("caller")
    ta, tb = "T%d" % R.randrange(100, 9000), "T%d" % R.randrange(100, 9000)
    text, ia, ib = "", 0, 0
    while ia < len(a.lines) or ib < len(b.lines):
        if ib >= len(b.lines) or (ia < len(a.lines) and (ia < 2 or R.random() < 0.5)):
            text += cons.prefix(caller=ta) + a.lines[ia] + "\n"
            ia += 1
        else:
            text += cons.prefix(caller=tb) + b.lines[ib] + "\n"
            ib += 1
    name = "gen-interleaved-callers-%02d.log" % n
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)
    rows = [(name, 1) + a.expect[0], (name, 2) + b.expect[0]]
    return rows


def main():
    for f in os.listdir(HERE):
        if f.startswith("gen-") and f.endswith(".log"):
            os.remove(os.path.join(HERE, f))
    rows = []
    n = 0

    def era_for(arch):
        if arch == "x86_64":
            return R.choice(["new", "new", "old", "2.6"])
        if arch in ("i386", "arm", "arm64", "ppc64"):
            return R.choice(["new", "old"])
        return "new"

    builders = [
        ("oops", lambda c: finish_fatal(c, *(lambda L, t, m, f: (L, "bug", t, m, f))(*oops(c)), R.choice(["panic", "panic", "eof", "lived"])), 60),
        ("kbug", lambda c: kernel_bug(c, R.choice(["panic", "panic", "eof", "lived"])), 25),
        ("trap", lambda c: trap(c, R.choice(["panic", "eof", "lived"])), 16),
        ("stackoverflow", stack_overflow, 8),
        ("panic", panic_own, 10),
        ("warning", lambda c: warning(c, R.random() < 0.3), 36),
        ("lockdep", lambda c: lockdep(c, R.random() < 0.2), 24),
        ("sanitizer", lambda c: sanitizer(c, R.random() < 0.35), 36),
        ("kmemleak", kmemleak, 8),
        ("refcount-list", lambda c: refcount_or_list(c, R.random() < 0.25), 18),
        ("bug", lambda c: bug_misc(c, R.random() < 0.2), 18),
        ("hung", lambda c: hung(c, R.random() < 0.3), 16),
        ("stall", lambda c: stall_or_lockup(c, R.random() < 0.4), 28),
        ("oom", lambda c: oom(c, R.random() < 0.25), 12),
        ("windows", windows, 6),
    ]
    for label, build, count in builders:
        for i in range(count):
            arch = "x86_64" if label in ("gpf", "windows") else R.choice(ARCHES)
            if label == "oops" and i < 12:
                arch = ["x86_64", "i386", "arm", "arm64", "ppc64", "s390x"][i % 6]
            case = Case(arch, era_for(arch))
            if label == "trap" and i % 3 == 0:
                case = Case("x86_64", era_for("x86_64"))
                gpf(case, R.choice(["panic", "eof", "lived"]))
            else:
                build(case)
            how = None
            r = R.random()
            if r < 0.08:
                how = "interleave"
            elif r < 0.11 and label not in ("windows", "panic"):
                how = "cut1024"
            style = None
            eol = "\r\n" if R.random() < 0.08 else "\n"
            name = "gen-%s-%s-%02d.log" % (label, case.arch, i)
            rows += write_case(name, case, style, how, eol)
            n += 1
    # several reports in one console: one a kernel survives, then a fatal one
    for i in range(10):
        arch = R.choice(ARCHES)
        case = Case(arch, era_for(arch))
        R.choice([lambda c: warning(c, False), lambda c: lockdep(c, False), lambda c: hung(c, False), lambda c: kmemleak(c)])(case)
        case.add(*R.sample(NOISE, 3))
        finish_fatal(case, *(lambda L, t, m, f: (L, "bug", t, m, f))(*oops(case)), "panic")
        rows += write_case("gen-multi-%s-%02d.log" % (arch, i), case)
    # damaged consoles: truncated reports, invalid UTF-8
    for i in range(14):
        arch = R.choice(ARCHES)
        case = Case(arch, era_for(arch))
        case.vendor_only = True  # what is cut away cannot take the blame
        (kernel_bug(case, "panic") if i % 2 else finish_fatal(case, *(lambda L, t, m, f: (L, "bug", t, m, f))(*oops(case)), "panic"))
        # truncated: the report's body is cut short; the title and the faulting frame stay
        keep = next(k for k, l in enumerate(case.lines) if l.startswith(("Call Trace", "Call trace", "Backtrace"))) + 3 + R.randrange(0, 3)
        case.lines = case.lines[:keep]
        case.expect = [(True,) + case.expect[0][1:]]
        rows += write_case("gen-truncated-%s-%02d.log" % (arch, i), case)
    for i in range(6):
        case = Case("x86_64", "new")
        warning(case, False)
        rows += write_case("gen-utf8-%02d.log" % i, case, how="utf8")
    for i in range(8):
        rows += interleaved_callers(i)
    for i in range(56):
        name = "gen-clean-%02d.log" % i
        with open(os.path.join(HERE, name), "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write(clean_log(i).replace("\xff\xfe", "\udcff\udcfe"))
        rows.append((name, "-", "-", "-", "-", "-", "-"))
    # expected.tsv: the hand-written rows, then these
    path = os.path.join(HERE, "expected.tsv")
    keep = [l for l in open(path).read().splitlines() if not l.startswith("gen-")]
    with open(path, "w") as f:
        f.write("\n".join(keep) + "\n")
        for r in rows:
            fatal = r[2] if r[2] == "-" else ("yes" if r[2] else "no")
            f.write("\t".join([r[0], str(r[1]), fatal] + [str(x) for x in r[3:]]) + "\n")


if __name__ == "__main__":
    main()
