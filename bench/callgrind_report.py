#!/usr/bin/env python3
"""Instructions and heap allocations per request, from callgrind (bench/callgrind.sh).

Subcommands, all run by bench/callgrind.sh:

  drive   talks to a hearth running under `valgrind --tool=callgrind`: per case
          and mode, opens its connections, checks one answer, sends WARMUP
          requests, zeroes the counters (callgrind_control -z), sends exactly
          N requests, dumps (callgrind_control --dump=LABEL) and closes the
          connections; writes a manifest (JSON) naming each dump.
  report  reads the manifest and the dumps and prints markdown: per case
          instructions/request, allocations/request, syscalls/request, the
          cost by group (ours, llhttp, nlohmann, std, libc, libuv, ...), the
          top functions by inclusive and by self cost, and where the
          allocations come from; a table by stage (parse, file lookup,
          router, handler, gzip filter, head, socket) across the cases.
          --dhat adds DHAT's blocks and bytes per request.
  load    one checked request, then exactly --total more (the DHAT runs).
  relocate  points a kept manifest at the dumps beside it.

Ir counts the hearth process's user-space instructions only: the kernel's
work (the syscalls) is not in it. Under valgrind the vDSO is off, so clock
reads are syscalls there; they are counted apart ("clock reads").

The client is plain Python, not under valgrind; the server under callgrind is
~50x slower than it, so it is never the limit (and callgrind counts
instructions, not time). Modes:
  pipelined  1 connection, DEPTH requests written at once, the next DEPTH
             once all their answers are in (as wrk with bench/pipeline.lua)
  keepalive  CONNS keep-alive connections, 1 request in flight on each

Allocations are calls to malloc, calloc, realloc, posix_memalign,
aligned_alloc and memalign (operator new calls malloc) from outside the
allocator; callgrind runs with --separate-callers24=malloc (etc.), so each
malloc context names its callers, and an allocation is charged to the first
of them that is ours (not std::, nlohmann::, fmt::, the allocator).
"""
import argparse
import json
import os
import re
import selectors
import socket
import subprocess
import sys
import time
from collections import defaultdict

# ---------------------------------------------------------------- cases

CASES = {
    # name: (path, check(body) -> error or None)
    "hello": ("/hello/world", lambda b: None if json.loads(b) == {"hello": "world"} else f"body {b[:80]!r}"),
    "plaintext": ("/plaintext", lambda b: None if b == b"Hello, World!" else f"body {b[:80]!r}"),
    "jsonplain": ("/json/plain", lambda b: None if json.loads(b) == {"message": "Hello, World!"} else f"body {b[:80]!r}"),
    "json": ("/json", lambda b: None if "message" in json.loads(b) else f"body {b[:80]!r}"),
    "static1k": ("/public/small.txt", None),  # checked against the file
}
MODES = ("pipelined", "keepalive")


class ClientError(Exception):
    pass


def parse_response(buf, start):
    """(end, status, body_start, body_end) of the response at buf[start:], or None if incomplete."""
    head_end = buf.find(b"\r\n\r\n", start)
    if head_end < 0:
        return None
    head = bytes(buf[start:head_end]).split(b"\r\n")
    try:
        status = int(head[0].split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise ClientError(f"bad status line {head[0][:80]!r}")
    length = None
    for line in head[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding":
            raise ClientError("chunked response: this client reads Content-Length bodies only")
        elif name == b"connection" and value.strip().lower() == b"close":
            raise ClientError("the server closes the connection (Connection: close)")
    if length is None:
        raise ClientError("response without Content-Length")
    body_start = head_end + 4
    if len(buf) < body_start + length:
        return None
    return body_start + length, status, body_start, body_start + length


class Conn:
    def __init__(self, port, request, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = request
        self.buf = bytearray()
        self.pos = 0
        self.in_flight = 0

    def send(self, count):
        self.sock.sendall(self.request * count)
        self.in_flight += count

    def take(self):
        """Reads what is there; yields (status, body) per complete response."""
        data = self.sock.recv(1 << 18)
        if not data:
            raise ClientError("the server closed a keep-alive connection")
        self.buf += data
        out = []
        while True:
            r = parse_response(self.buf, self.pos)
            if r is None:
                break
            end, status, b0, b1 = r
            out.append((status, bytes(self.buf[b0:b1])))
            self.pos = end
        if self.pos > (1 << 20) or self.pos == len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        self.in_flight -= len(out)
        if self.in_flight < 0:
            raise ClientError("more responses than requests")
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def run_load(conns, total, depth, stall_s, check_first=None):
    """Exactly `total` requests over `conns`, at most `depth` in flight on each
    (pipelined: the next `depth` once all are answered). Returns seconds."""
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
    sent = done = 0
    bad = 0
    t0 = time.monotonic()
    for c in conns:
        k = min(depth, total - sent)
        if k > 0:
            c.send(k)
            sent += k
    last_progress = time.monotonic()
    try:
        while done < total:
            events = sel.select(timeout=1.0)
            if not events:
                if time.monotonic() - last_progress > stall_s:
                    raise ClientError(f"no answer for {stall_s:.0f} s ({done} of {total} done)")
                continue
            last_progress = time.monotonic()
            for key, _ in events:
                c = key.data
                for status, body in c.take():
                    done += 1
                    if status != 200:
                        bad += 1
                    if check_first is not None:
                        err = check_first(status, body)
                        check_first = None
                        if err:
                            raise ClientError(err)
                if c.in_flight == 0 and sent < total:
                    k = min(depth, total - sent)
                    c.send(k)
                    sent += k
    finally:
        sel.close()
    if bad:
        raise ClientError(f"{bad} of {total} answers were not 200")
    return time.monotonic() - t0


def callgrind_control(args, pid, timeout):
    cmd = ["callgrind_control", *args, str(pid)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0 or "OK" not in r.stdout:
        raise ClientError(f"{' '.join(cmd)} failed: {r.stdout.strip()} {r.stderr.strip()}")


def dump_files(out_dir, pid):
    pat = re.compile(rf"^cg\.out\.{pid}\.(\d+)$")
    found = {}
    for name in os.listdir(out_dir):
        m = pat.match(name)
        if m:
            found[int(m.group(1))] = os.path.join(out_dir, name)
    return found


def dump(label, pid, out_dir, timeout):
    before = set(dump_files(out_dir, pid))
    callgrind_control([f"--dump={label}"], pid, timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = {k: v for k, v in dump_files(out_dir, pid).items() if k not in before}
        for k in sorted(new):
            with open(new[k], errors="replace") as f:
                head = f.read(4096)
            if f"Trigger: dump {label}" in head:
                return new[k]
        time.sleep(0.2)
    raise ClientError(f"no dump file for {label} in {out_dir}")


def case_request(case, port, static_file):
    """(path, request bytes, check(status, body) -> error or None) of a case."""
    path, check_body = CASES[case]
    if case == "static1k":
        want = open(static_file, "rb").read()

        def check_body(b):
            return None if b == want else f"body of {len(b)} bytes differs from the file"
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()

    def check(status, body):
        if status != 200:
            return f"{path}: status {status}"
        err = check_body(body)
        return f"{path}: {err}" if err else None
    return path, request, check


def mode_shape(mode, a):
    """(connections, requests in flight on each) of a mode."""
    return (1, a.depth) if mode == "pipelined" else (a.conns, 1)


def cmd_drive(a):
    manifest = {"n": a.n, "warmup": a.warmup, "depth": a.depth, "conns": a.conns,
                "binary": a.binary, "runs": []}

    # The loop's own cost with no request: timers, the 1 s date refresh.
    callgrind_control(["-z"], a.pid, a.timeout)
    time.sleep(a.idle_seconds)
    manifest["idle"] = {"seconds": a.idle_seconds, "dump": dump("idle", a.pid, a.out_dir, a.timeout)}

    for case in a.cases:
        path, request, check = case_request(case, a.port, a.static_file)
        for mode in a.modes:
            label = f"{case}-{mode}"
            nconn, depth = mode_shape(mode, a)
            conns = [Conn(a.port, request, a.timeout) for _ in range(nconn)]
            try:
                run_load(conns[:1], 1, 1, a.timeout, check_first=check)
                run_load(conns, a.warmup, depth, a.timeout)
                callgrind_control(["-z"], a.pid, a.timeout)
                seconds = run_load(conns, a.n, depth, a.timeout)
                path_of_dump = dump(label, a.pid, a.out_dir, a.timeout)
            finally:
                for c in conns:
                    c.close()
            manifest["runs"].append({"label": label, "case": case, "path": path, "mode": mode,
                                     "conns": nconn, "depth": depth, "n": a.n,
                                     "seconds": round(seconds, 2), "dump": path_of_dump})
            print(f"  {label:22s} {a.n} requests in {seconds:6.1f} s under callgrind", file=sys.stderr, flush=True)
    with open(a.manifest, "w") as f:
        json.dump(manifest, f, indent=1)


def cmd_load(a):
    """One checked request, then --total more, in a mode (for the DHAT runs)."""
    _, request, check = case_request(a.case, a.port, a.static_file)
    nconn, depth = mode_shape(a.mode, a)
    conns = [Conn(a.port, request, a.timeout) for _ in range(nconn)]
    try:
        run_load(conns[:1], 1, 1, a.timeout, check_first=check)
        run_load(conns, a.total, depth, a.timeout)
    finally:
        for c in conns:
            c.close()


def cmd_relocate(a):
    """Points the manifest at the dumps beside it (after a copy)."""
    here = os.path.dirname(os.path.abspath(a.manifest))
    m = json.load(open(a.manifest))
    m["idle"]["dump"] = os.path.join(here, os.path.basename(m["idle"]["dump"]))
    for r in m["runs"]:
        r["dump"] = os.path.join(here, os.path.basename(r["dump"]))
    if m.get("dhat"):
        m["dhat"] = os.path.join(here, os.path.basename(m["dhat"]))
    with open(a.manifest, "w") as f:
        json.dump(m, f, indent=1)


# ---------------------------------------------------------------- parsing

class Profile:
    """One callgrind dump: per function self cost, inclusive cost, calls in."""

    def __init__(self, path):
        self.events = []
        self.self_cost = defaultdict(lambda: [0, 0])   # fn -> [Ir, sysCount]
        self.edges = defaultdict(lambda: [0, 0])       # (caller, callee) -> [calls, Ir]
        self.obj_of = {}
        self.total_ir = 0
        self.total_sys = 0
        self._parse(path)

    def _parse(self, path):
        names = {"ob": {}, "fn": {}}
        ob = fn = cfn = None
        pending_call = None
        ir_i = sys_i = None
        with open(path, errors="replace") as f:
            for line in f:
                c = line[0]
                if c.isdigit() or c in "+-*":
                    parts = line.split()
                    ir = int(parts[ir_i]) if len(parts) > ir_i else 0
                    sc = int(parts[sys_i]) if sys_i is not None and len(parts) > sys_i else 0
                    if pending_call is not None:
                        e = self.edges[(fn, pending_call[0])]
                        e[0] += pending_call[1]
                        e[1] += ir
                        pending_call = None
                    else:
                        s = self.self_cost[fn]
                        s[0] += ir
                        s[1] += sc
                    continue
                key, sep, value = line.rstrip("\n").partition("=")
                if sep:
                    if key in ("ob", "cob", "fn", "cfn"):
                        space = "ob" if key in ("ob", "cob") else "fn"
                        m = re.match(r"\((\d+)\)(?: (.*))?$", value)
                        if m:
                            if m.group(2) is not None:
                                names[space][m.group(1)] = m.group(2)
                            value = names[space][m.group(1)]
                        if key == "ob":
                            ob = value
                        elif key == "fn":
                            fn = value
                            self.obj_of.setdefault(fn, ob)
                        elif key == "cfn":
                            cfn = value
                    elif key == "calls":
                        pending_call = (cfn, int(value.split()[0]))
                    continue
                if line.startswith("events:"):
                    self.events = line.split(":", 1)[1].split()
                    ir_i = 1 + self.events.index("Ir")
                    sys_i = 1 + self.events.index("sysCount") if "sysCount" in self.events else None
                elif line.startswith("summary:") or line.startswith("totals:"):
                    vals = [int(v) for v in line.split(":", 1)[1].split()]
                    self.total_ir = vals[ir_i - 1]
                    if sys_i is not None and len(vals) >= sys_i:
                        self.total_sys = vals[sys_i - 1]
        if not self.total_ir:
            self.total_ir = sum(v[0] for v in self.self_cost.values())
        for fn, o in list(self.obj_of.items()):
            self.obj_of.setdefault(base_name(fn), o)


def base_name(fn):
    """The function without callgrind's contexts (malloc'caller'...) and recursion levels (f'2)."""
    return fn.split("'", 1)[0] if fn else fn


def context_of(fn):
    return fn.split("'")[1:] if fn else []


# Clock reads: syscalls under valgrind (it turns the vDSO off), none natively.
CLOCK_FNS = {"time", "time_syscall", "clock_gettime", "__clock_gettime", "gettimeofday", "__gettimeofday"}


def is_clock(fn):
    return base_name(fn).split("@", 1)[0] in CLOCK_FNS


# The callers callgrind keeps per allocator context (--separate-callersN in callgrind.sh).
CONTEXT_DEPTH = 24

ALLOC_FNS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign", "valloc"}
FREE_FNS = {"free", "cfree"}
MALLOC_INTERNALS = {"malloc", "free", "calloc", "realloc", "cfree", "posix_memalign", "aligned_alloc",
                    "memalign", "_int_malloc", "_int_free", "_int_realloc", "_int_memalign",
                    "malloc_consolidate", "unlink_chunk", "sysmalloc", "_mid_memalign",
                    "tcache_init", "malloc_hook_ini", "alloc_perturb", "free_perturb", "__libc_malloc",
                    "__libc_free", "__libc_calloc", "__libc_realloc", "_int_free_merge_chunk",
                    "_int_free_create_chunk", "_int_free_maybe_consolidate", "systrim", "__default_morecore",
                    "sbrk", "__sbrk", "brk", "__brk", "tcache_get", "tcache_put", "checked_request2size"}


def strip_templates(s, open_c="<", close_c=">", keep_if=None, max_len=0):
    """Replaces top-level open_c...close_c groups longer than max_len with open_c…close_c."""
    out, depth, start = [], 0, 0
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == open_c:
            # `operator<`, `operator<<`, `operator<=` are names, not templates.
            if open_c == "<" and depth == 0 and s[max(0, i - 8):i].endswith("operator"):
                j = i
                while j < len(s) and s[j] in "<=":
                    j += 1
                out.append(s[i:j])
                i = j
                continue
            if depth == 0:
                start = i
            depth += 1
        elif ch == close_c and depth > 0:
            depth -= 1
            if depth == 0:
                inner = s[start + 1:i]
                if len(inner) <= max_len or (keep_if and keep_if(inner)):
                    out.append(open_c + inner + close_c)
                else:
                    out.append(open_c + "…" + close_c)
        elif depth == 0:
            out.append(ch)
        i += 1
    if depth > 0:  # unbalanced: give it back as it was
        return s
    return "".join(out)


_JSON_RE = re.compile(r"nlohmann::json_abi_v[\d_]+::basic_json<")


def _replace_balanced(s, prefix_re, replacement):
    while True:
        m = prefix_re.search(s)
        if not m:
            return s
        depth, i = 1, m.end()
        while i < len(s) and depth:
            if s[i] == "<":
                depth += 1
            elif s[i] == ">":
                depth -= 1
            i += 1
        s = s[:m.start()] + replacement + s[i:]


def _function_handler(s):
    """std::_Function_handler<SIG, F>::_M_invoke -> std::function→F (the callable it runs)."""
    m = re.search(r"std::_Function_handler<", s)
    if not m:
        return s
    depth, i, last_comma = 1, m.end(), None
    while i < len(s) and depth:
        ch = s[i]
        if ch in "<({":
            depth += 1
        elif ch in ">)}":
            depth -= 1
        elif ch == "," and depth == 1:
            last_comma = i
        i += 1
    if depth or last_comma is None or not s[i:].startswith("::_M_invoke"):
        return s
    return s[:m.start()] + "std::function→" + s[last_comma + 1:i - 1].strip() + s[i + len("::_M_invoke"):]


def short_name(fn, width=100):
    """A readable function name: std::string, json, lambdas #N, long template
    and argument lists elided."""
    s = base_name(fn) or "?"
    s = s.replace("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string")
    s = s.replace("std::basic_string_view<char, std::char_traits<char> >", "std::string_view")
    s = _replace_balanced(s, _JSON_RE, "nlohmann::json")
    s = re.sub(r"nlohmann::json_abi_v[\d_]+::", "nlohmann::", s)
    s = s.replace("[abi:cxx11]", "").replace("std::__cxx11::", "std::")
    s = re.sub(r"\{lambda\([^{}]*\)#(\d+)\}", r"{lambda#\1}", s)
    s = _function_handler(s)
    s = strip_templates(s, "<", ">", keep_if=lambda t: "lambda#" in t, max_len=24)
    s = strip_templates(s, "(", ")", max_len=40)
    s = _drop_return_type(s)
    if len(s) > width:
        s = s[:width - 1] + "…"
    return s


def _drop_return_type(s):
    """'void std::foo<…>::bar(…)' -> 'std::foo<…>::bar(…)': words before the name."""
    while True:
        depth = 0
        for i, ch in enumerate(s):
            if ch in "<{[":
                depth += 1
            elif ch in ">}]":
                depth -= 1
            elif depth == 0 and ch == "(":
                return s  # the argument list (or "(anonymous namespace)"): no return type
            elif depth == 0 and ch == " ":
                if s[:i].endswith("operator"):
                    return s  # operator new, operator bool
                s = s[i + 1:]
                break
        else:
            return s


def top_namespace(fn):
    s = short_name(fn, width=10000)
    s = s.replace("(anonymous namespace)", "anon")
    m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", s)
    return m.group(0) if m else s


def group_of(prof, fn, binary_base):
    ob = os.path.basename(prof.obj_of.get(fn) or prof.obj_of.get(base_name(fn)) or "?")
    name = base_name(fn)
    if ob.startswith("libc.so") or ob.startswith("libc-"):
        return "libc malloc/free" if name in MALLOC_INTERNALS or name.startswith("_int_") else "libc"
    if ob.startswith("libstdc++"):
        if name.startswith("operator new") or name.startswith("operator delete"):
            return "libstdc++ new/delete"
        return "libstdc++"
    if ob.startswith("libuv"):
        return "libuv"
    if ob.startswith("libspdlog") or ob.startswith("libfmt"):
        return "spdlog/fmt"
    if ob.startswith("ld-linux") or ob.startswith("ld-"):
        return "ld.so"
    if ob.startswith(("libz.", "libbrotli", "libssl", "libcrypto")):
        return "zlib/brotli/openssl"
    if ob == binary_base:
        if name.startswith("llhttp"):
            return "llhttp"
        ns = top_namespace(fn)
        if ns == "nlohmann":
            return "nlohmann (inlined)"
        if ns in ("std", "__gnu_cxx"):
            short = short_name(fn, width=10000)
            if short.startswith("std::function→"):
                # A handler (a lambda) inlined into std::function's thunk: its code is ours.
                callee = short[len("std::function→"):].replace("(anonymous namespace)", "anon")
                if re.match(r"(hearth|main|anon)\b", callee):
                    return "ours (hearth)"
            return "std (inlined)"
        if ns in ("fmt", "spdlog"):
            return "spdlog/fmt"
        if name.startswith("0x"):
            return "hearth (no symbol)"
        return "ours (hearth)"
    return f"other ({ob})"


def is_ours(prof, fn, binary_base):
    return group_of(prof, fn, binary_base) == "ours (hearth)"


class Stats:
    """Per base function: self Ir, inclusive Ir, calls in; allocations by site."""

    def __init__(self, prof, n, binary_base):
        self.prof, self.n, self.binary_base = prof, n, binary_base
        self.self_ir = defaultdict(int)
        self.self_sys = defaultdict(int)
        self.incl = defaultdict(int)
        self.calls = defaultdict(int)
        self.obj = {}
        for fn, (ir, sc) in prof.self_cost.items():
            b = base_name(fn)
            self.self_ir[b] += ir
            self.self_sys[b] += sc
            self.obj.setdefault(b, prof.obj_of.get(fn))
        for b, ir in self.self_ir.items():
            self.incl[b] += ir
        self.clock_calls = sum(v for b, v in self.self_sys.items() if is_clock(b))
        self.syscalls = sum(self.self_sys.values()) - self.clock_calls
        self.allocs = 0
        self.frees = 0
        self.alloc_sites = defaultdict(int)   # (ours, via) -> count
        self.alloc_incl = defaultdict(int)    # base function -> allocations below it (within the context depth)
        for (caller, callee), (count, ir) in prof.edges.items():
            cb, eb = base_name(caller), base_name(callee)
            if cb == eb:
                continue  # recursion: its cost is in the outer call already
            self.incl[cb] += ir
            self.calls[eb] += count
            if eb in ALLOC_FNS and cb not in ALLOC_FNS:
                self.allocs += count
                self.alloc_sites[self._site(callee)] += count
                for fr in {base_name(f) for f in context_of(callee)}:
                    self.alloc_incl[fr] += count
            elif eb in FREE_FNS and cb not in FREE_FNS:
                self.frees += count

    def _site(self, callee):
        """(first caller of ours, the library function between) for one malloc context."""
        chain = [callee.split("'", 1)[0]] + context_of(callee)
        via = None
        for fr in chain[1:]:
            if re.fullmatch(r"\d+", fr):
                continue  # a recursion level, not a frame
            g = group_of(self.prof, fr, self.binary_base)
            if g == "ours (hearth)":
                return short_name(fr, 70), via or "operator new / malloc itself"
            if via is None and not fr.startswith("operator new") and base_name(fr) not in ALLOC_FNS:
                via = short_name(fr, 60)
        return f"(no caller of ours within {CONTEXT_DEPTH} frames)", via or short_name(chain[-1], 60)

    def per_req(self, v):
        return v / self.n


# ---------------------------------------------------------------- output

# The stages of a request, each one function that does not call another of
# the list: a breakdown to compare before and after a change.
STAGES = [
    ("read the head (RequestParser::feed)", "hearth::RequestParser::feed(char const*, unsigned long)"),
    ("hand the request over (RequestParser::take_request)", "hearth::RequestParser::take_request(hearth::Request*)"),
    ("normalize the path (normalize_path)", "hearth::normalize_path("),
    ("look for a file (StaticFiles::serve)", "hearth::StaticFiles::serve("),
    ("match a route (Router::match)", "hearth::Router::match("),
    ("run the handler (run_app_code)", "hearth::(anonymous namespace)::run_app_code("),
    ("gzip filter (GzipFilter::apply)", "hearth::GzipFilter::apply("),
    ("serialize and queue (write_response)", "hearth::write_response("),
    ("write to the socket (OutputQueue::flush)", "hearth::OutputQueue::flush("),
]


def stage_costs(s):
    """[(label, Ir, allocs)] per stage, then the rest of the request."""
    out, ir_sum, al_sum = [], 0, 0
    for label, prefix in STAGES:
        fns = [b for b in s.incl if b.startswith(prefix) and s.calls[b]]
        b = max(fns, key=lambda f: s.incl[f]) if fns else None
        ir, al = (s.incl[b], s.alloc_incl[b]) if b else (0, 0)
        out.append((label, ir, al))
        ir_sum += ir
        al_sum += al
    out.append(("the rest: event loop, libuv, connection bookkeeping", s.prof.total_ir - ir_sum, s.allocs - al_sum))
    return out


def fmt_int(v):
    return f"{v:,.0f}"


def fmt_f(v, digits=2):
    return f"{v:,.{digits}f}"


def table(headers, rows, align=None):
    align = align or ["r"] * (len(headers) - 1) + ["l"]
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---:" if a == "r" else ":---" for a in align) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |")
    return "\n".join(out)


def cmd_report(a):
    m = json.load(open(a.manifest))
    binary_base = os.path.basename(m["binary"])
    top = a.top
    out = []
    w = out.append
    w(f"# hearth: instructions and allocations per request (callgrind)\n")
    w(f"`{m['binary']}`, `--single` (one worker, no master), under `valgrind --tool=callgrind`. "
      f"Per case: {m['warmup']:,} warm-up requests, counters zeroed, exactly {m['n']:,} requests counted. "
      f"pipelined = 1 connection, {m['depth']} requests written at once; "
      f"keepalive = {m['conns']} connections, 1 request in flight each. "
      f"Ir = user-space instructions of the hearth process (the kernel's work is not counted: see syscalls/req).\n")
    idle = Profile(m["idle"]["dump"])
    w(f"Idle loop (no requests, {m['idle']['seconds']:g} s): {fmt_int(idle.total_ir / m['idle']['seconds'])} Ir/s, "
      f"{idle.total_sys / m['idle']['seconds']:.1f} syscalls/s (clock reads included): the noise in a case's "
      f"count, spread over its {m['n']:,} requests.\n")

    stats = []
    for r in m["runs"]:
        prof = Profile(r["dump"])
        stats.append((r, Stats(prof, r["n"], binary_base)))

    dhat = {}
    if a.dhat:
        # Two runs per case and mode: the smaller count is the warm-up only.
        runs = defaultdict(list)
        for line in open(a.dhat):
            c, mo, total, blocks, nbytes = line.split()
            runs[(c, mo)].append((int(total), int(blocks), int(nbytes)))
        for key, v in runs.items():
            v.sort()
            (t0, b0, y0), (t1, b1, y1) = v[0], v[-1]
            if t1 > t0:
                dhat[key] = ((b1 - b0) / (t1 - t0), (y1 - y0) / (t1 - t0))
        m["dhat"] = a.dhat

    w("## Summary\n")
    rows = []
    for r, s in stats:
        ours = sum(v for b, v in s.self_ir.items() if group_of(s.prof, b, binary_base) == "ours (hearth)")
        rows.append([f"`{r['path']}`", r["mode"], fmt_int(s.per_req(s.prof.total_ir)),
                     fmt_f(s.per_req(s.allocs)), fmt_f(s.per_req(s.frees)),
                     fmt_f(s.per_req(s.syscalls)), f"{100 * ours / max(1, s.prof.total_ir):.0f}%"])
        if dhat:
            d = dhat.get((r["case"], r["mode"]))
            rows[-1] += [fmt_f(d[0]), fmt_int(d[1])] if d else ["", ""]
    headers = ["case", "mode", "Ir/req", "allocs/req", "frees/req", "syscalls/req", "ours (self)"]
    if dhat:
        headers += ["DHAT blocks/req", "DHAT bytes/req"]
    w(table(headers, rows, ["l", "l"] + ["r"] * (len(headers) - 2)))
    if dhat:
        w("\nDHAT columns: total blocks and bytes allocated by a process that served WARMUP + N requests "
          "minus one that served WARMUP, over N (a separate check of allocs/req, which callgrind counts).")
    w("")

    for mode in MODES:
        runs = [(r, s) for r, s in stats if r["mode"] == mode]
        if not runs:
            continue
        w(f"### By stage, {mode}: Ir/req (allocs/req), inclusive\n")
        per_case = [stage_costs(s) for _, s in runs]
        rows = []
        for i, (label, _, _) in enumerate(per_case[0]):
            rows.append([label] + [f"{fmt_int(s.per_req(pc[i][1]))} ({fmt_f(s.per_req(pc[i][2]), 1)})"
                                   for (_, s), pc in zip(runs, per_case)])
        rows.append(["**total**"] + [f"**{fmt_int(s.per_req(s.prof.total_ir))}** ({fmt_f(s.per_req(s.allocs), 1)})"
                                     for _, s in runs])
        w(table(["stage"] + [f"`{r['path']}`" for r, _ in runs], rows, ["l"] + ["r"] * len(runs)))
        w("")

    for r, s in stats:
        total = s.prof.total_ir
        w(f"## `{r['path']}`, {r['mode']} ({r['conns']} conn × {r['depth']} in flight)\n")
        w(f"**{fmt_int(s.per_req(total))} Ir/req**, **{fmt_f(s.per_req(s.allocs))} allocations/req** "
          f"({fmt_f(s.per_req(s.frees))} frees), {fmt_f(s.per_req(s.syscalls))} syscalls/req "
          f"(+ {fmt_f(s.per_req(s.clock_calls))} clock reads, syscalls under valgrind only) "
          f"({r['n']:,} requests, {r['seconds']} s under callgrind)\n")

        rows = [[fmt_int(s.per_req(ir)), f"{100 * ir / total:.0f}%", fmt_f(s.per_req(al)), label]
                for label, ir, al in stage_costs(s)]
        w("By stage (inclusive):\n")
        w(table(["Ir/req", "%", "allocs/req", "stage"], rows))
        w("")

        groups = defaultdict(int)
        for b, v in s.self_ir.items():
            groups[group_of(s.prof, b, binary_base)] += v
        rows = [[fmt_int(s.per_req(v)), f"{100 * v / total:.1f}%", g]
                for g, v in sorted(groups.items(), key=lambda kv: -kv[1]) if s.per_req(v) >= 0.5]
        w("Self cost by group:\n")
        w(table(["Ir/req", "%", "group"], rows))
        w("")

        # Frames entered before the counters were zeroed (main, the loop) are left out.
        ours = [b for b in s.incl if group_of(s.prof, b, binary_base) == "ours (hearth)" and s.calls[b]]
        ours.sort(key=lambda b: -s.incl[b])
        rows = [[fmt_int(s.per_req(s.incl[b])), f"{100 * s.incl[b] / total:.0f}%", fmt_int(s.per_req(s.self_ir[b])),
                 fmt_f(s.per_req(s.calls[b])), fmt_f(s.per_req(s.alloc_incl[b])), short_name(b)] for b in ours[:top]]
        w(f"Top {top} of our functions by inclusive cost:\n")
        w(table(["incl Ir/req", "%", "self Ir/req", "calls/req", "allocs/req (incl)", "function"], rows))
        w("")

        allf = sorted(s.self_ir, key=lambda b: -s.self_ir[b])
        rows = [[fmt_int(s.per_req(s.self_ir[b])), f"{100 * s.self_ir[b] / total:.1f}%", fmt_int(s.per_req(s.incl[b])),
                 fmt_f(s.per_req(s.calls[b])), group_of(s.prof, b, binary_base), short_name(b)]
                for b in allf[:top]]
        w(f"Top {top} functions by self cost (all groups):\n")
        w(table(["self Ir/req", "%", "incl Ir/req", "calls/req", "group", "function"], rows,
                ["r", "r", "r", "r", "l", "l"]))
        w("")

        by_site = defaultdict(lambda: defaultdict(int))
        for (site, via), cnt in s.alloc_sites.items():
            by_site[site][via] += cnt
        sites = sorted(by_site.items(), key=lambda kv: -sum(kv[1].values()))
        rows = []
        for site, vias in sites[:top]:
            cnt = sum(vias.values())
            if s.per_req(cnt) < 0.005:
                continue
            through = sorted(vias.items(), key=lambda kv: -kv[1])
            text = "; ".join(f"{fmt_f(s.per_req(c))} {v}" for v, c in through[:3])
            if len(through) > 3:
                text += f"; {fmt_f(s.per_req(sum(c for _, c in through[3:])))} other"
            rows.append([fmt_f(s.per_req(cnt)), site, text])
        if rows:
            w("Allocations by the first function of ours on the stack:\n")
            w(table(["allocs/req", "our function", "allocating through"], rows, ["r", "l", "l"]))
            w("")

        sysf = sorted((b for b in s.self_sys if s.self_sys[b] and not is_clock(b)), key=lambda b: -s.self_sys[b])
        if sysf:
            w("Syscalls/req: " + ", ".join(f"{short_name(b, 40)} {fmt_f(s.per_req(s.self_sys[b]))}"
                                           for b in sysf[:6]) + "\n")
    print("\n".join(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("drive")
    d.add_argument("--port", type=int, required=True)
    d.add_argument("--pid", type=int, required=True, help="valgrind's pid (= hearth's)")
    d.add_argument("--out-dir", required=True, help="where callgrind writes cg.out.PID.K")
    d.add_argument("--manifest", required=True)
    d.add_argument("--binary", required=True)
    d.add_argument("--static-file", required=True, help="the file behind /public/small.txt")
    d.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    d.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    d.add_argument("--n", type=int, default=20000)
    d.add_argument("--warmup", type=int, default=2000)
    d.add_argument("--depth", type=int, default=16)
    d.add_argument("--conns", type=int, default=64)
    d.add_argument("--idle-seconds", type=float, default=2.0)
    d.add_argument("--timeout", type=float, default=120.0, help="seconds without progress before giving up")
    ld = sub.add_parser("load")
    ld.add_argument("--port", type=int, required=True)
    ld.add_argument("--case", required=True, choices=list(CASES))
    ld.add_argument("--mode", required=True, choices=list(MODES))
    ld.add_argument("--total", type=int, required=True, help="requests after the checked first one")
    ld.add_argument("--depth", type=int, default=16)
    ld.add_argument("--conns", type=int, default=64)
    ld.add_argument("--static-file", required=True)
    ld.add_argument("--timeout", type=float, default=120.0)
    r = sub.add_parser("report")
    r.add_argument("--manifest", required=True)
    r.add_argument("--top", type=int, default=12)
    r.add_argument("--dhat", help="TSV of DHAT totals: case, mode, requests, blocks, bytes")
    r.add_argument("--dhat-n", type=int, help="the requests between the two DHAT runs of a case")
    rl = sub.add_parser("relocate")
    rl.add_argument("--manifest", required=True)
    a = p.parse_args()
    try:
        {"drive": cmd_drive, "load": cmd_load, "report": cmd_report, "relocate": cmd_relocate}[a.cmd](a)
    except (ClientError, OSError, subprocess.TimeoutExpired) as e:
        print(f"callgrind_report.py {a.cmd}: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
