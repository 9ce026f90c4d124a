"""The kernel-enforced promise that query workers never reach the network.

pyoxigraph evaluates ``SERVICE`` by opening an HTTP connection from Rust, where no Python hook can stop
it, and has no switch to turn that off. The parse gate in front of it (:mod:`.query_check`) refuses
SERVICE, but a parser can be fooled; this is the layer that cannot. :func:`install` loads a seccomp
filter into the calling process (all its threads, and every process it starts later) that makes the
kernel refuse:

- ``socket()`` of any address family: a worker needs no new socket (its pipe to the web process exists
  before the filter); without a socket there is no TCP, UDP, DNS lookup or local daemon to talk to;
- ``io_uring_setup()``: io_uring can open sockets without the ``socket()`` system call;
- every system call of another ABI (32-bit x86, x32), whose numbers the filter would not recognise.

Refused calls fail with ``EACCES`` (``PermissionError`` in Python); nothing is killed. Seccomp needs no
privilege once ``no_new_privs`` is set, so this works for root and ordinary users alike (Linux >= 3.17
for the ``seccomp()`` call with ``TSYNC``). Where it cannot be installed (another OS, another CPU),
:func:`install` raises :class:`SandboxUnavailable` with the reason; the service then refuses to start
unless the operator allows unsandboxed workers explicitly.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket
import sys

__all__ = ["SandboxUnavailable", "install", "NAME"]

#: What /health and the start-up banner call this sandbox.
NAME = "seccomp: no sockets, no io_uring"


class SandboxUnavailable(RuntimeError):
    """The filter could not be installed (the message says why)."""


# (AUDIT_ARCH_*, syscall numbers, whether x32 numbers must be refused) per machine.
_ARCHES: dict[str, tuple[int, dict[str, int], bool]] = {
    "x86_64": (0xC000003E, {"socket": 41, "io_uring_setup": 425, "seccomp": 317}, True),
    "aarch64": (0xC00000B7, {"socket": 198, "io_uring_setup": 425, "seccomp": 277}, False),
}

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_X32_SYSCALL_BIT = 0x40000000
# classic BPF opcodes
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
# offsets in struct seccomp_data
_NR, _ARCH = 0, 4


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(arch: int, numbers: dict[str, int], refuse_x32: bool) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions; jumps are relative to the next instruction."""
    deny = (_RET_K, 0, 0, _RET_ERRNO | errno.EACCES)
    allow = (_RET_K, 0, 0, _RET_ALLOW)
    program = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 1, 0, arch),  # native ABI: skip the refusal
        deny,
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if refuse_x32:
        program += [(_JGE_K, 0, 1, _X32_SYSCALL_BIT), deny]
    program += [
        (_JEQ_K, 2, 0, numbers["socket"]),
        (_JEQ_K, 1, 0, numbers["io_uring_setup"]),
        allow,
        deny,
    ]
    return program


def install() -> None:
    """Install the filter in this process (every thread); raises SandboxUnavailable when it cannot.

    Checks the result: afterwards ``socket.socket()`` must fail with PermissionError.
    """
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"seccomp needs Linux; this is {sys.platform}")
    machine = platform.machine()
    if machine not in _ARCHES:
        raise SandboxUnavailable(f"no seccomp filter for the {machine} architecture")
    arch, numbers, refuse_x32 = _ARCHES[machine]
    instructions = _program(arch, numbers, refuse_x32)
    filters = (_SockFilter * len(instructions))(*(_SockFilter(*i) for i in instructions))
    prog = _SockFprog(len(instructions), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    done = libc.syscall(
        numbers["seccomp"], _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(prog)
    )
    if done != 0:
        raise SandboxUnavailable(f"seccomp() failed: {os.strerror(ctypes.get_errno()) or done}")
    _verify()


def _verify() -> None:
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except PermissionError:
        return
    probe.close()
    raise SandboxUnavailable("the seccomp filter is installed but socket() still succeeds")
