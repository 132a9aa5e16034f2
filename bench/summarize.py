#!/usr/bin/env python3
"""Turns the TSV that bench/run.sh writes into markdown tables.

Input lines (tab-separated):
  run   MODE CASE SERVER DEPTH REP RPS P50_US P99_US CPU_US_PER_REQ ERRORS
        (case "proxy": SERVER hearth, nginx and go are hearthd → Go, nginx with
        upstream keep-alive → Go, and Go direct)
  rss   MODE SERVER PID ROLE(root|child) VMHWM_KB VMRSS_KB
  idle  MODE SERVER OK FAILED RSS_BEFORE_KB RSS_AFTER_KB
  wait  MODE SERVER CONNECTIONS RPS P99_US ERRORS WORKER_RSS_KB
  pcpu  MODE SERVER REP CPU_US_PER_REQ   (proxy case: the proxy's processes alone)
  tls   MODE SERVER PROTOCOL CIPHER KEY_EXCHANGE SIGNATURE H2LOAD RESUMED CONNECTIONS
        (what openssl s_client and h2load negotiated with the TLS instance)
  note  TEXT

Ratios are "hearth ÷ this server", taken per repetition (the two runs were
back to back) and then summarised as median (min–max) over repetitions.

Usage: summarize.py RESULTS.tsv MACHINE.txt
"""
import statistics
import sys
from collections import defaultdict

CASES = [
    ("txt1k", "1 KiB text"),
    ("js64k", "64 KiB JS, gzip_static"),
    ("css16k", "16 KiB CSS, gzip on the fly"),
    ("bin4m", "4 MiB incompressible"),
    ("json", "/json"),
    ("plaintext", "/plaintext"),
    ("jsonplain", "/json/plain"),
    ("index", "/ (index.html)"),
    ("ws", "WebSocket echo, 64 B"),
    ("proxy", "/json of Go, proxied"),
    ("tlsnew", "TLS: new connection per request (full handshake), 1 KiB"),
    ("tls1k", "TLS: 1 KiB text, keep-alive"),
    ("tls4m", "TLS: 4 MiB incompressible, keep-alive"),
]
SERVER_ORDER = ["hearth", "nginx", "nginx-nosendfile", "h2o", "lighttpd", "go", "ws"]
SERVER_LABEL = {
    "hearth": "hearth",
    "nginx": "nginx",
    "nginx-nosendfile": "nginx, sendfile+tcp_nopush off",
    "h2o": "h2o",
    "lighttpd": "lighttpd",
    "go": "Go net/http",
    "ws": "node ws",
    "hearth-proxy": "hearthd (proxy case)",
    "nginx-keepalive": "nginx, upstream keepalive (proxy case)",
    "hearth-tls": "hearth (TLS cases)",
    "nginx-tls": "nginx (TLS cases)",
}
PROXY_LABEL = {
    "hearth": "hearthd → Go",
    "nginx": "nginx → Go, upstream keepalive 64",
    "go": "Go net/http, direct",
}
MODE_TITLE = {
    "pinned": "one worker, servers pinned to core 0, load generator to core 1",
    "multi": "N workers (N = cores), nothing pinned",
}


def label(server, case):
    if case == "proxy" and server in PROXY_LABEL:
        return PROXY_LABEL[server]
    if server.startswith("nginx") and case == "json":
        return SERVER_LABEL[server] + " → Go"
    return SERVER_LABEL.get(server, server)


def spread(values, fmt):
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def rate(x):
    return f"{x:,.0f}"


def ratio(x):
    return f"{x:.2f}"


def micros(us):
    if us != us:  # nan: the load generator gives no percentiles (h2load)
        return "–"
    return f"{us:.0f} µs" if us < 1000 else f"{us / 1000:.2f} ms"


def load(path):
    runs = defaultdict(dict)   # (mode, case, server, depth) -> rep -> row
    rss = defaultdict(list)    # (mode, server) -> [(role, hwm, rss)]
    idle, waits, notes = [], [], []
    pcpu = defaultdict(dict)   # (mode, server) -> rep -> proxy-only CPU µs/req
    tls = []                   # [mode, server, protocol, cipher, group, sig, h2load, resumed, conns]
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            kind = parts[0]
            if kind == "run":
                mode, case, server, depth, rep = parts[1:6]
                rps, p50, p99, cpu, errors = parts[6:11]
                runs[(mode, case, server, int(depth))][int(rep)] = {
                    "rps": float(rps), "p50": float(p50), "p99": float(p99),
                    "cpu": float(cpu), "errors": int(errors)}
            elif kind == "rss":
                mode, server, _pid, role, hwm, cur = parts[1:7]
                rss[(mode, server)].append((role, int(hwm), int(cur)))
            elif kind == "idle":
                idle.append(parts[1:7])
            elif kind == "wait":
                waits.append(parts[1:8])
            elif kind == "pcpu":
                mode, server, rep, cpu = parts[1:5]
                pcpu[(mode, server)][int(rep)] = float(cpu)
            elif kind == "tls":
                tls.append(parts[1:10])
            elif kind == "note" and parts[1] not in notes:
                notes.append(parts[1])
    return runs, rss, idle, waits, notes, pcpu, tls


def ratio_cell(runs, key, server):
    """hearth ÷ server over the repetitions where both ran."""
    mode, case, _, depth = key
    hearth = runs.get((mode, case, "hearth", depth), {})
    mine = runs.get(key, {})
    values = [hearth[r]["rps"] / mine[r]["rps"] for r in hearth if r in mine and mine[r]["rps"] > 0]
    return spread(values, ratio)


def cases_table(runs, mode, depth, out):
    rows = []
    for case, title in CASES:
        best_nginx = None
        if depth > 1:
            medians = {s: statistics.median(r["rps"] for r in runs[(mode, case, s, depth)].values())
                       for s in ("nginx", "nginx-nosendfile") if (mode, case, s, depth) in runs}
            if len(medians) > 1:
                best_nginx = max(medians, key=medians.get)
        for server in SERVER_ORDER:
            key = (mode, case, server, depth)
            if key not in runs:
                continue
            reps = runs[key].values()
            errors = sum(r["errors"] for r in reps)
            cell = spread([r["rps"] for r in reps], rate)
            if errors:
                cell += f" ⚠ {errors} errors"
            name = label(server, case)
            if server == best_nginx:
                name += " (best)"
            cpu = statistics.median(r["cpu"] for r in reps)
            row = [title, name, cell]
            if depth == 1:
                row += [micros(statistics.median(r["p50"] for r in reps)),
                        micros(statistics.median(r["p99"] for r in reps))]
            row += [f"{cpu:.1f}", "" if server == "hearth" else ratio_cell(runs, key, server)]
            rows.append(row)
    if not rows:
        return
    if depth == 1:
        head = ["case", "server", "requests/s median (min–max)", "p50", "p99",
                "CPU µs/req", "hearth ÷ this"]
    else:
        head = ["case", "server", f"requests/s, pipelined ×{depth}", "CPU µs/req", "hearth ÷ this"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    out.append("")


def proxy_ratios(runs, pcpu, mode, out):
    """The proxy case: hearth ÷ nginx for requests/s and for CPU µs/req, per repetition."""
    hearth = runs.get((mode, "proxy", "hearth", 1), {})
    nginx = runs.get((mode, "proxy", "nginx", 1), {})
    reps = [r for r in hearth if r in nginx and nginx[r]["rps"] > 0 and nginx[r]["cpu"] > 0]
    if not reps:
        return
    rps = spread([hearth[r]["rps"] / nginx[r]["rps"] for r in reps], ratio)
    cpu = spread([hearth[r]["cpu"] / nginx[r]["cpu"] for r in reps], ratio)
    out.append(f"Proxy case, hearthd → Go ÷ nginx → Go (keepalive): requests/s {rps}; "
               f"CPU µs/req (proxy + Go) {cpu} (below 1: hearth spends less).")
    mine, theirs = pcpu.get((mode, "hearth"), {}), pcpu.get((mode, "nginx"), {})
    both = [r for r in mine if r in theirs and theirs[r] > 0]
    if both:
        out.append(f"The proxy's own CPU µs/req (without Go's): hearthd {spread([mine[r] for r in both], lambda x: f'{x:.1f}')}, "
                   f"nginx {spread([theirs[r] for r in both], lambda x: f'{x:.1f}')}; "
                   f"hearthd ÷ nginx {spread([mine[r] / theirs[r] for r in both], ratio)}.")
    out.append("")


def tls_ratios(runs, mode, out):
    """TLS cases: hearth ÷ nginx CPU µs/req, per repetition."""
    parts = []
    for case, title in CASES:
        if not case.startswith("tls"):
            continue
        hearth = runs.get((mode, case, "hearth", 1), {})
        nginx = runs.get((mode, case, "nginx", 1), {})
        reps = [r for r in hearth if r in nginx and nginx[r]["cpu"] > 0]
        if reps:
            parts.append(f"{case} {spread([hearth[r]['cpu'] / nginx[r]['cpu'] for r in reps], ratio)}")
    if parts:
        out.append("TLS cases, hearth ÷ nginx CPU µs/req (below 1: hearth spends less): " + "; ".join(parts) + ".")
        out.append("")


def tls_table(tls, out):
    out.append("| mode | server | protocol | cipher (openssl s_client, as wrk) | key exchange | signature | "
               "h2load negotiated | resumed with s_client -sess_in | connections for h2load's requests |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for row in tls:
        mode, server = row[0], row[1]
        out.append(f"| {mode} | {SERVER_LABEL.get(server, server)} | " + " | ".join(row[2:]) + " |")
    out.append("")


def memory_table(rss, out):
    if not rss:
        return
    out.append("| mode | server | processes | peak RSS per worker (VmHWM) | master peak RSS |")
    out.append("|---|---|---|---|---|")
    for (mode, server), procs in sorted(rss.items(), key=lambda kv: (kv[0][0] != "pinned", SERVER_ORDER.index(kv[0][1]) if kv[0][1] in SERVER_ORDER else 9)):
        children = [p for p in procs if p[0] == "child"]
        roots = [p for p in procs if p[0] == "root"]
        if children:
            worker = f"{max(p[1] for p in children) / 1024:.1f} MiB"
            master = f"{roots[0][1] / 1024:.1f} MiB" if roots else "–"
        else:
            worker = f"{roots[0][1] / 1024:.1f} MiB" if roots else "–"
            master = "(single process)"
        out.append(f"| {mode} | {SERVER_LABEL.get(server, server)} | {len(procs)} | {worker} | {master} |")
    out.append("")


def idle_table(idle, out):
    if not idle:
        return
    out.append("| server | idle keep-alive connections held (failed) | worker RSS before | after | per connection |")
    out.append("|---|---|---|---|---|")
    for mode, server, ok, failed, before, after in idle:
        ok, before, after = int(ok), int(before), int(after)
        per = f"{(after - before) * 1024 / ok / 1024:.1f} KiB" if ok else "–"
        out.append(f"| {SERVER_LABEL.get(server, server)} ({mode}) | {ok:,} ({failed}) | "
                   f"{before / 1024:.1f} MiB | {after / 1024:.1f} MiB | {per} |")
    out.append("")


def wait_table(waits, out):
    out.append("| server | connections | requests/s | p99 | errors | worker RSS after |")
    out.append("|---|---|---|---|---|---|")
    for mode, server, conns, rps, p99, errors, rss in waits:
        out.append(f"| {SERVER_LABEL.get(server, server)} ({mode}) | {int(conns):,} | {float(rps):,.0f} | "
                   f"{micros(float(p99))} | {errors} | {int(rss) / 1024:.1f} MiB |")
    out.append("")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs, rss, idle, waits, notes, pcpu, tls = load(sys.argv[1])
    with open(sys.argv[2]) as f:
        machine = [line.strip() for line in f if line.strip()]
    out = ["# hearth benchmark", ""]
    out += [f"- {line}" for line in machine] + [""]
    modes = []
    for key in runs:
        if key[0] not in modes:
            modes.append(key[0])
    for mode in modes:
        out += [f"## {mode}: {MODE_TITLE.get(mode, mode)}", ""]
        out.append("64 keep-alive connections (TLS, new connection per request: 64 concurrent "
                   "connections of one request each, h2load). CPU µs/req: utime+stime of all the "
                   "server's processes (nginx → Go: both) from /proc, divided by requests.")
        out.append("")
        cases_table(runs, mode, 1, out)
        proxy_ratios(runs, pcpu, mode, out)
        tls_ratios(runs, mode, out)
        depths = sorted({k[3] for k in runs if k[0] == mode and k[3] > 1})
        for depth in depths:
            out += [f"### {mode}, wrk pipelining {depth} requests per connection", ""]
            cases_table(runs, mode, depth, out)
    if tls:
        out += ["## TLS: what was negotiated", ""]
        tls_table(tls, out)
    if rss:
        out += ["## Memory", ""]
        memory_table(rss, out)
    if idle:
        out += ["## Idle keep-alive connections (one worker)", ""]
        idle_table(idle, out)
    if waits:
        out += ["## A handler that waits 50 ms (hearth: timer, Go: time.Sleep), one worker", ""]
        wait_table(waits, out)
    if notes:
        out += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
