#!/usr/bin/python3
"""Every kind of client of one worker, as that worker crashes (issue 15: a
crash costs exactly one request). Run by tests/process/crash_handover_test.cc:

    crash_handover_client.py handover PORT DRILL   the drill on a loaded worker
    crash_handover_client.py rehearsal PORT        the same stage, no drill
    crash_handover_client.py alone PORT DRILL      idle keep-alives, one worker

handover: connects until one worker (the target) holds enough connections
(each asked GET /json for its pid), keeps those, closes the rest. On the
target then: KEEP_ALIVE clients GETting /json every few ms on their own
connection, WAITING connections with a GET /demo/wait?ms=500 in flight,
POSTS connections with a POST /demo/wait?ms=500 (a small body) in flight,
WEBSOCKETS /chat clients; and DRILL on one more connection. Expected: the
drill answered 500; the keep-alives carry on on the same connections,
answered by another pid; the waiting GETs answered 200 {"waited_ms": 500}
on their connection (which serves a GET /json afterwards); the POSTs
answered 503 with Retry-After and Connection: close; the WebSockets closed
with 1012.

rehearsal: the handover stage against a server that does not crash (a GET
/json instead of the drill): checks the stage itself.

alone: IDLE keep-alive connections to the only worker, the drill on another;
each idle connection's next request is answered by the replacement.

Prints progress lines, then one JSON line (the summary, starting with
{"scenario"); exits 0 when the client saw what it expected, 1 otherwise.
127.0.0.1 only; every wait has a timeout, every loop a bound, the whole run
at most RUN_SECONDS."""

import asyncio
import json
import random
import sys
import time

import websockets

RUN_SECONDS = 55
KEEP_ALIVE = 100
WAITING = 20
POSTS = 2
WEBSOCKETS = 5
IDLE = 10
WAIT_MS = 500
MAX_CONNECTION_TRIES = 600  # to find a worker with enough of them
MAX_WEBSOCKET_TRIES = 100
CONNECT_BATCH = 20
REQUEST_TIMEOUT = 15  # a request may wait out a hang (hang_timeout) and a hand-over
DRILL_TIMEOUT = 15
GAP_BEFORE_DRILL = 0.15  # for the server to read the waiting requests
ANSWERS_AFTER_CRASH = 5  # each keep-alive, from another worker, before the end
AFTER_CRASH_SECONDS = 20
REHEARSAL_SECONDS = 1
MAX_LISTED_FAILURES = 5
# Keep-alive connections a crash may catch mid-response: the server cuts
# them (and counts them); more than this, or one failing between requests,
# is a problem.
MAX_CUT = 3


class Failure(Exception):
    """A request that got no complete response: why, and how many bytes of it came."""

    def __init__(self, reason, received=0):
        super().__init__(reason)
        self.reason, self.received = reason, received


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def describe(self):
        return "%d %s" % (self.status, self.body[:80])


class Connection:
    """One HTTP/1.1 keep-alive connection to 127.0.0.1:PORT."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.pid = None  # of the worker that answered the first GET /json

    @classmethod
    async def open(cls, port):
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        except (OSError, asyncio.TimeoutError) as e:
            raise Failure("connect: %r" % e) from e
        return cls(reader, writer)

    async def send(self, method, target, body=b""):
        head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, target)
        if body:
            head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n" % len(body)
        try:
            self.writer.write(head.encode() + b"\r\n" + body)
            await asyncio.wait_for(self.writer.drain(), 5)
        except (OSError, asyncio.TimeoutError) as e:
            raise Failure("send: %r" % e) from e

    async def read(self, timeout=REQUEST_TIMEOUT):
        try:
            return await asyncio.wait_for(self._read_response(), timeout)
        except asyncio.TimeoutError as e:
            raise Failure("no answer in %s s" % timeout) from e
        except asyncio.IncompleteReadError as e:
            raise Failure("closed after %d bytes of the response" % len(e.partial), len(e.partial)) from e
        except (OSError, asyncio.LimitOverrunError, ValueError) as e:
            raise Failure("read: %r" % e) from e

    async def exchange(self, method, target, body=b"", timeout=REQUEST_TIMEOUT):
        await self.send(method, target, body)
        return await self.read(timeout)

    async def closed_by_server(self, timeout=5):
        """True when the server ends the connection (EOF or reset) within `timeout`."""
        try:
            return await asyncio.wait_for(self.reader.read(1), timeout) == b""
        except ConnectionResetError:
            return True
        except (OSError, asyncio.TimeoutError):
            return False

    def close(self):
        self.writer.close()

    async def _read_response(self):
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunks()
        else:
            body = b""
        return Response(status, headers, body.decode("utf-8", "replace"))

    async def _read_chunks(self):
        body = b""
        for _ in range(100000):
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return body
            body += chunk[:-2]
        raise ValueError("too many chunks")


def listed(failures, entry):
    if len(failures) < MAX_LISTED_FAILURES:
        failures.append(entry)


async def pid_of(conn):
    """GET /json on `conn`: the pid of the worker that answered."""
    r = await conn.exchange("GET", "/json")
    body = r.json()
    if r.status != 200 or not isinstance(body, dict) or "pid" not in body:
        raise Failure("GET /json: %s" % r.describe())
    return body["pid"]


async def open_on_some_worker(port, needed):
    """Connects (GET /json on each) until one worker holds `needed`
    connections; closes every other. Returns (that pid, its connections,
    tries)."""
    by_pid = {}
    tries = 0

    async def one():
        conn = await Connection.open(port)
        try:
            conn.pid = await pid_of(conn)
        except Failure:
            conn.close()
            raise
        return conn

    while tries < MAX_CONNECTION_TRIES and max((len(c) for c in by_pid.values()), default=0) < needed:
        batch = min(CONNECT_BATCH, MAX_CONNECTION_TRIES - tries)
        tries += batch
        for conn in await asyncio.gather(*(one() for _ in range(batch)), return_exceptions=True):
            if isinstance(conn, Connection):
                by_pid.setdefault(conn.pid, []).append(conn)
    target = max(by_pid, key=lambda pid: len(by_pid[pid]), default=None)
    kept = by_pid.get(target, [])[:needed]
    for conns in by_pid.values():
        for conn in conns:
            if conn not in kept:
                conn.close()
    if len(kept) < needed:
        raise Failure("no worker got %d of %d connections (%s)" %
                      (needed, tries, {pid: len(c) for pid, c in by_pid.items()}))
    return target, kept, tries


async def open_chat_on(port, target, count):
    """Opens /chat clients until `count` of them are on `target` (by the
    pid in their hello); closes the others. Returns (them, tries)."""
    kept, tries = [], 0
    while len(kept) < count and tries < MAX_WEBSOCKET_TRIES:
        tries += 1
        ws = await asyncio.wait_for(websockets.connect("ws://127.0.0.1:%d/chat" % port, compression=None,
                                                       ping_interval=None, close_timeout=2), 10)
        hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if hello.get("type") == "hello" and hello.get("pid") == target:
            kept.append(ws)
        else:
            await asyncio.wait_for(ws.close(), 5)
    if len(kept) < count:
        raise Failure("only %d of %d /chat clients on pid %d" % (len(kept), tries, target))
    return kept, tries


class KeepAlive:
    """GET /json every 5 to 20 ms on one connection, never reconnecting,
    until `stop` is set or the connection fails."""

    def __init__(self, conn, target, stage):
        self.conn, self.target, self.stage = conn, target, stage
        self.ok = 0
        self.elsewhere = 0  # answers from a worker other than the target
        self.back_on_target = 0  # answers from the target after one from elsewhere
        self.pids = set()
        self.failure = None  # {"reason", "in_flight", "received", "sent_after_the_500"}
        self.finished = False

    async def run(self, stop):
        await self.serve(stop)
        self.finished = True

    async def serve(self, stop):
        while not stop.is_set() and self.ok < 20000:
            in_flight = False
            sent_at = time.monotonic()
            try:
                await self.conn.send("GET", "/json")
                in_flight = True
                r = await self.conn.read()
            except Failure as f:
                self.fail(f.reason, in_flight, f.received, sent_at)
                return
            body = r.json()
            if r.status != 200 or not isinstance(body, dict) or r.headers.get("connection", "") == "close":
                self.fail("answer " + r.describe(), True, 0, sent_at)
                return
            self.ok += 1
            self.pids.add(body["pid"])
            if body["pid"] != self.target:
                self.elsewhere += 1
            elif self.elsewhere > 0:
                self.back_on_target += 1
            await asyncio.sleep(random.uniform(0.005, 0.02))

    def fail(self, reason, in_flight, received, sent_at):
        answered = self.stage.get("drill_answered_at")
        self.failure = {"reason": reason, "in_flight": in_flight, "received": received,
                        "sent_after_the_500": answered is not None and sent_at > answered}


async def until(pred, seconds):
    deadline = time.monotonic() + seconds
    while not pred() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return pred()


async def expect_waited(conn, target, crashed, failures):
    """The GET /demo/wait in flight on `conn`: 200 {"waited_ms": WAIT_MS},
    then a GET /json on the same connection, from another worker when the
    target crashed. True when both held."""
    try:
        r = await conn.read()
        if r.status != 200 or r.json() != {"waited_ms": WAIT_MS}:
            listed(failures, "wait: " + r.describe())
            return False
        pid = await pid_of(conn)
    except Failure as f:
        listed(failures, "wait: " + f.reason)
        return False
    if (pid != target) != crashed:
        listed(failures, "GET /json after the wait answered by pid %d (target %d)" % (pid, target))
        return False
    return True


async def expect_post_declined(conn, failures):
    """The POST in flight on `conn`: 503, Retry-After, Connection: close, then EOF."""
    try:
        r = await conn.read()
    except Failure as f:
        listed(failures, "post: " + f.reason)
        return False
    ok = (r.status == 503 and "retry-after" in r.headers and r.headers.get("connection", "").lower() == "close")
    if not ok:
        listed(failures, "post: %s %s" % (r.describe(), r.headers))
        return False
    if not await conn.closed_by_server():
        listed(failures, "post: the connection stayed open after the 503")
        return False
    return True


async def expect_post_waited(conn, failures):
    """Rehearsal: the POST in flight on `conn` is simply answered."""
    try:
        r = await conn.read()
    except Failure as f:
        listed(failures, "post: " + f.reason)
        return False
    if r.status != 200 or r.json() != {"waited_ms": WAIT_MS}:
        listed(failures, "post: " + r.describe())
        return False
    return True


async def close_code(ws, seconds=REQUEST_TIMEOUT):
    """The code of the close frame the server sends `ws` (None: closed
    without one; "open": still open after `seconds`)."""

    async def drain():
        for _ in range(1000):
            await ws.recv()  # a broadcast, none expected
        return "busy"

    try:
        return await asyncio.wait_for(drain(), seconds)
    except websockets.exceptions.ConnectionClosed as e:
        return e.rcvd.code if e.rcvd is not None else None
    except asyncio.TimeoutError:
        return "open"


async def still_open(ws):
    try:
        await asyncio.wait_for(await ws.ping(), 5)
        await asyncio.wait_for(ws.close(), 5)
        return "pong"
    except (websockets.exceptions.ConnectionClosed, asyncio.TimeoutError) as e:
        return repr(e)


def keep_alive_summary(clients):
    failures = [c.failure for c in clients if c.failure]
    return {
        "clients": len(clients),
        "ok": sum(c.ok for c in clients),
        "moved": sum(1 for c in clients if c.elsewhere > 0),
        "back_on_target": sum(c.back_on_target for c in clients),
        "pids": sorted(set().union(*(c.pids for c in clients))),
        "failed": len(failures),
        "failed_in_flight": sum(1 for f in failures if f["in_flight"]),
        "failures": failures[:MAX_LISTED_FAILURES],
    }


async def handover(port, drill, summary):
    """The drill on a worker holding every kind of client (see the top)."""
    crashed = drill is not None
    target, conns, tries = await open_on_some_worker(port, KEEP_ALIVE + WAITING + POSTS + 1)
    summary.update(target_pid=target, connection_tries=tries)
    print("pid %d holds %d connections, after %d tries" % (target, len(conns), tries), flush=True)
    sockets, ws_tries = await open_chat_on(port, target, WEBSOCKETS)
    summary["websocket_tries"] = ws_tries
    stage = {}
    keep_alive = [KeepAlive(c, target, stage) for c in conns[:KEEP_ALIVE]]
    waiting = conns[KEEP_ALIVE:KEEP_ALIVE + WAITING]
    posts = conns[KEEP_ALIVE + WAITING:KEEP_ALIVE + WAITING + POSTS]
    drill_conn = conns[-1]
    stop = asyncio.Event()
    load = [asyncio.ensure_future(c.run(stop)) for c in keep_alive]
    try:
        await until(lambda: all(c.ok >= 3 or c.failure for c in keep_alive), 10)
        print("%d keep-alive clients running" % len(keep_alive), flush=True)
        for conn in waiting:
            await conn.send("GET", "/demo/wait?ms=%d" % WAIT_MS)
        for conn in posts:
            await conn.send("POST", "/demo/wait?ms=%d" % WAIT_MS, b"x=1")
        sent_at = time.monotonic()
        await asyncio.sleep(GAP_BEFORE_DRILL)
        summary["drill_gap_ms"] = round((time.monotonic() - sent_at) * 1000)
        summary["drill"] = await send_drill(drill_conn, drill or "/json")
        stage["drill_answered_at"] = time.monotonic()
        print("drill answered %s after %d ms" % (summary["drill"]["status"], summary["drill"]["ms"]), flush=True)
        wait_failures, post_failures = [], []
        waits, posted, codes = await asyncio.gather(
            asyncio.gather(*(expect_waited(c, target, crashed, wait_failures) for c in waiting)),
            asyncio.gather(*((expect_post_declined if crashed else expect_post_waited)(c, post_failures)
                             for c in posts)),
            asyncio.gather(*((close_code if crashed else still_open)(ws) for ws in sockets)))
        summary["waiting"] = {"sent": len(waiting), "ok": sum(waits), "failures": wait_failures}
        summary["posts"] = {"sent": len(posts), "ok": sum(posted), "failures": post_failures}
        summary["websockets"] = {"clients": len(sockets), "codes": codes}
        if crashed:
            await until(lambda: all(c.elsewhere >= ANSWERS_AFTER_CRASH or c.failure for c in keep_alive),
                        AFTER_CRASH_SECONDS)
        else:
            await asyncio.sleep(REHEARSAL_SECONDS)
    finally:
        stop.set()
        await end_load(load, keep_alive)
        summary["keep_alive"] = keep_alive_summary(keep_alive)
        for conn in conns:
            conn.close()
    judge_handover(summary, crashed)


async def end_load(tasks, clients):
    """Waits a little for the requests in flight; one still unanswered is a failure."""
    _, pending = await asyncio.wait(tasks, timeout=5)
    for task in pending:
        task.cancel()
    for client in clients:
        if client.failure is None and not client.finished:
            client.failure = {"reason": "unanswered at the end", "in_flight": True, "received": 0}


async def send_drill(conn, path):
    started = time.monotonic()
    try:
        r = await conn.exchange("GET", path, timeout=DRILL_TIMEOUT)
        status = r.status
    except Failure as f:
        status = f.reason
    return {"path": path, "status": status, "ms": round((time.monotonic() - started) * 1000)}


def judge_handover(s, crashed):
    problems = s["problems"]
    k = s["keep_alive"]
    if s["drill"]["status"] != (500 if crashed else 200):
        problems.append("drill answered %s" % s["drill"]["status"])
    if k["failed"] > (MAX_CUT if crashed else 0) or k["failed_in_flight"] != k["failed"]:
        problems.append("%d keep-alive connections failed" % k["failed"])
    elif k["failed"] > 0:
        s["notes"].append("%d keep-alive connections failed mid-request: the log must count them cut" % k["failed"])
    if crashed and k["moved"] != k["clients"] - k["failed"]:
        problems.append("only %d keep-alive connections were answered by another worker" % k["moved"])
    if not crashed and k["moved"] != 0:
        problems.append("%d keep-alive connections moved without a crash" % k["moved"])
    if k["back_on_target"] > 0:
        problems.append("%d answers from the target after another worker's" % k["back_on_target"])
    if s["waiting"]["ok"] != s["waiting"]["sent"]:
        problems.append("%d of %d waiting GETs answered right" % (s["waiting"]["ok"], s["waiting"]["sent"]))
    if s["posts"]["ok"] != s["posts"]["sent"]:
        problems.append("%d of %d POSTs answered right" % (s["posts"]["ok"], s["posts"]["sent"]))
    wanted = 1012 if crashed else "pong"
    if any(code != wanted for code in s["websockets"]["codes"]):
        problems.append("WebSockets: %s, wanted %s" % (s["websockets"]["codes"], wanted))


async def alone(port, drill, summary):
    """Idle keep-alives to the only worker; it crashes; each one's next
    requests are answered by the replacement, on the same connection."""
    conns = [await Connection.open(port) for _ in range(IDLE)]
    pids = {await pid_of(c) for c in conns}
    drill_conn = await Connection.open(port)
    target = await pid_of(drill_conn)
    summary["target_pid"] = target
    if pids != {target}:
        summary["problems"].append("more than one worker: %s" % sorted(pids | {target}))
    summary["drill"] = await send_drill(drill_conn, drill)
    drill_conn.close()
    started = time.monotonic()
    failures, waits, new_pids = [], [], set()

    async def next_two(conn):
        try:
            first = await pid_of(conn)
            waits.append(round((time.monotonic() - started) * 1000))
            second = await pid_of(conn)
        except Failure as f:
            listed(failures, f.reason)
            return False
        new_pids.update((first, second))
        return first == second != target

    ok = await asyncio.gather(*(next_two(c) for c in conns))
    for conn in conns:
        conn.close()
    summary["idle"] = {"clients": len(conns), "ok": sum(ok), "pids": sorted(new_pids),
                       "max_wait_ms": max(waits, default=-1), "failures": failures}
    if summary["drill"]["status"] != 500:
        summary["problems"].append("drill answered %s" % summary["drill"]["status"])
    if sum(ok) != len(conns):
        summary["problems"].append("%d of %d idle connections served by the replacement" % (sum(ok), len(conns)))


def main():
    scenarios = {"handover": (handover, 3), "rehearsal": (handover, 2), "alone": (alone, 3)}
    if len(sys.argv) < 3 or sys.argv[1] not in scenarios or len(sys.argv) != scenarios[sys.argv[1]][1] + 1:
        print("usage: crash_handover_client.py handover|alone PORT DRILL, or rehearsal PORT", file=sys.stderr)
        sys.exit(2)
    run, _ = scenarios[sys.argv[1]]
    port = int(sys.argv[2])
    drill = sys.argv[3] if len(sys.argv) > 3 else None
    summary = {"scenario": sys.argv[1], "problems": [], "notes": []}
    try:
        asyncio.run(asyncio.wait_for(run(port, drill, summary), RUN_SECONDS))
    except Failure as f:
        summary["problems"].append(f.reason)
    except BaseException as e:  # noqa: B902 - anything else is a failed run too
        summary["problems"].append("%s: %r" % (sys.argv[1], e))
    print(json.dumps(summary), flush=True)
    sys.exit(1 if summary["problems"] else 0)


if __name__ == "__main__":
    main()
