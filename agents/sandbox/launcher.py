"""Runs inside the sandbox under the system python (which has Debian's python3-seccomp): installs
the seccomp filter, reports success on a pipe, closes inherited fds and execs the interpreter.
Standalone on purpose: it imports nothing from hanlin. Usage: launcher.py READY_FD PROGRAM ARGS..."""

import errno
import os
import socket
import sys

import seccomp

# Denied with EPERM: tracing other processes, changing mounts or namespaces, kernel-level
# facilities no snippet needs. io_uring is denied because it can open sockets behind seccomp's back.
DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm",
    "name_to_handle_at", "open_by_handle_at", "settimeofday", "clock_settime", "adjtimex",
)
AF_LIMIT = 64  # above AF_MAX (46 in Linux 6.x)
NETLINK_ROUTE = 0
NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET


def build_filter() -> "seccomp.SyscallFilter":
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)  # bad-arch default: kill (no x32/i386 way round)
    for name in DENIED:
        f.add_rule(seccomp.ERRNO(errno.EPERM), name)
    # Sockets: Unix (the kernel's ipc channel) and route netlink (zeromq lists interfaces with
    # it; the net namespace holds only a loopback that is down). Every other family is refused:
    # one rule per family number, since a rule can test an argument only once.
    for call in ("socket", "socketpair"):
        for family in range(AF_LIMIT):
            if family not in (socket.AF_UNIX, socket.AF_NETLINK):
                f.add_rule(seccomp.ERRNO(errno.EACCES), call, seccomp.Arg(0, seccomp.EQ, family))
        f.add_rule(seccomp.ERRNO(errno.EACCES), call, seccomp.Arg(0, seccomp.GE, AF_LIMIT))
        f.add_rule(seccomp.ERRNO(errno.EACCES), call, seccomp.Arg(0, seccomp.EQ, socket.AF_NETLINK),
                   seccomp.Arg(2, seccomp.NE, NETLINK_ROUTE))
    # New namespaces through clone: one rule per flag bit (rules on one syscall are OR-ed).
    # clone3 passes its flags in memory seccomp cannot read, so it answers ENOSYS and glibc
    # falls back to clone.
    bit = 1
    while bit <= NAMESPACE_FLAGS:
        if NAMESPACE_FLAGS & bit:
            f.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, bit, bit))
        bit <<= 1
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    return f


def main() -> None:
    ready_fd, program, args = int(sys.argv[1]), sys.argv[2], sys.argv[2:]
    build_filter().load()
    os.write(ready_fd, b"ok")
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.execv(program, args)


if __name__ == "__main__":
    main()
