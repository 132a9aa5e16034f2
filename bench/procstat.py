#!/usr/bin/env python3
"""Reads what a server costs from /proc: its process tree (the given PIDs and
all their descendants), their CPU time, and their memory.

Usage:
  procstat.py ticks PID...   total utime+stime of the trees, in seconds
  procstat.py mem PID...     one line per process: "pid ppid VmHWM_kB VmRSS_kB"
  procstat.py ids PID...     one line per process: "pid starttime" (to tell a
                             reused PID from the process once seen)
"""
import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (index 0 = state)."""
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    return raw[raw.rindex(")") + 2:].split()


def parents():
    """pid -> ppid for every live process."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                out[int(name)] = int(stat_fields(name)[1])
            except (OSError, ValueError, IndexError):
                pass
    return out


def tree(roots):
    """The roots and their descendants, roots first."""
    ppid = parents()
    found = [r for r in roots if r in ppid]
    seen = set(found)
    i = 0
    while i < len(found):
        for pid, parent in ppid.items():
            if parent == found[i] and pid not in seen:
                seen.add(pid)
                found.append(pid)
        i += 1
    return found


def cpu_seconds(pid):
    f = stat_fields(pid)
    return (int(f[11]) + int(f[12])) / TICKS  # utime, stime


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("ticks", "mem", "ids"):
        sys.exit(__doc__)
    pids = tree([int(p) for p in sys.argv[2:]])
    if sys.argv[1] == "ticks":
        total = 0.0
        for pid in pids:
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass
        print(f"{total:.2f}")
        return
    if sys.argv[1] == "ids":
        for pid in pids:
            try:
                print(pid, stat_fields(pid)[19])  # starttime
            except (OSError, IndexError):
                pass
        return
    ppid = parents()
    for pid in pids:
        try:
            print(pid, ppid.get(pid, 0), status_kb(pid, "VmHWM"), status_kb(pid, "VmRSS"))
        except OSError:
            pass


if __name__ == "__main__":
    main()
