#!/usr/bin/python3
"""WebSocket scenarios against a running hearth, with a client library we did
not write (Debian's python3-websockets). Run by tests/process/websocket_test.cc:

    websocket_client.py SCENARIO PORT [ARGS...]

Prints one line per check; exits 0 when every check passed, 1 otherwise.
Every wait has a timeout, every loop a bound."""

import asyncio
import json
import os
import signal
import ssl
import sys

import websockets

TIMEOUT = 5


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg, flush=True)


async def recv(ws, timeout=TIMEOUT):
    return await asyncio.wait_for(ws.recv(), timeout)


# HEARTH_WS_CA names a CA file: the scenarios then run over wss:// (TLS,
# checked against that CA, to the name localhost).
CA = os.environ.get("HEARTH_WS_CA")


def url(port, path):
    if CA:
        return "wss://localhost:%d%s" % (port, path)
    return "ws://127.0.0.1:%d%s" % (port, path)


def connect(uri, **options):
    if CA:
        options["ssl"] = ssl.create_default_context(cafile=CA)
    return websockets.connect(uri, **options)


async def echo(port):
    async with connect(url(port, "/socket"), max_size=2 * 1024 * 1024, compression=None) as ws:
        for n in (0, 125, 126, 65535, 65536, 1 << 20):
            text = "".join(chr(ord("a") + i % 26) for i in range(n))
            await ws.send(text)
            check(await recv(ws) == text, "text echo of %d bytes" % n)
            data = bytes(i % 251 for i in range(n))
            await ws.send(data)
            got = await recv(ws)
            check(isinstance(got, bytes) and got == data, "binary echo of %d bytes" % n)
        # A fragmented message: the library sends an iterable as fragments.
        await ws.send(["frag", "men", "ted é"])
        check(await recv(ws) == "fragmented é", "fragmented message reassembled")
        await ws.send([b"\x00\x01", b"\x02"])
        check(await recv(ws) == b"\x00\x01\x02", "fragmented binary message reassembled")
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, TIMEOUT)
        check(True, "ping answered with pong")
        await ws.close(4000, "done here")
        check(ws.close_code == 4000 and ws.close_reason == "done here",
              "close 4000 echoed (got %s %r)" % (ws.close_code, ws.close_reason))
    async with connect(url(port, "/socket"), compression=None) as ws:
        await ws.close()
        check(ws.close_code == 1000, "plain close answered with 1000 (got %s)" % ws.close_code)
    # Over the configured maximum (1 MiB): the server closes with 1009.
    async with connect(url(port, "/socket"), max_size=4 * 1024 * 1024, compression=None) as ws:
        await ws.send(b"x" * ((1 << 20) + 1))
        try:
            await recv(ws)
            fail("an oversize message was echoed")
        except websockets.exceptions.ConnectionClosed as e:
            check(e.rcvd is not None and e.rcvd.code == 1009, "oversize message closed with 1009 (%s)" % e)


async def upstream_echo(port):
    """Echo through hearth's proxy to the upstream app's /socket
    (tests/upstream/upstream_app.go), tunnelled once it answered 101."""
    async with connect(url(port, "/socket"), max_size=2 * 1024 * 1024, compression=None) as ws:
        await ws.send("hello through hearth")
        check(await recv(ws) == "hello through hearth", "text echo through the tunnel")
        data = bytes(i % 251 for i in range(200 * 1024))
        await ws.send(data)
        got = await recv(ws)
        check(isinstance(got, bytes) and got == data, "binary echo of 200 KiB through the tunnel")
        await ws.send(["frag", "men", "ted"])
        check(await recv(ws) == "fragmented", "fragmented message through the tunnel")
        pong = await ws.ping(b"ping through")
        await asyncio.wait_for(pong, TIMEOUT)
        check(True, "ping answered with pong through the tunnel")
        await ws.close(4000, "done here")
        check(ws.close_code == 4000 and ws.close_reason == "done here",
              "close 4000 echoed through the tunnel (got %s %r)" % (ws.close_code, ws.close_reason))


async def concurrent(port, count=100, messages=10):
    async def one(i):
        async with connect(url(port, "/socket"), compression=None) as ws:
            for j in range(messages):
                msg = "client %d message %d" % (i, j)
                await ws.send(msg)
                if await recv(ws, 10) != msg:
                    return False
            return True

    results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True), 30)
    good = sum(1 for r in results if r is True)
    errors = [repr(r) for r in results if r is not True][:3]
    check(good == count, "%d/%d concurrent clients exchanged %d messages each %s" % (good, count, messages, errors))


async def open_chat_clients(port, min_workers, max_tries=60):
    """Opens /chat clients until they span `min_workers` workers (by pid)."""
    clients = []  # (ws, pid)
    pids = set()
    for _ in range(max_tries):
        ws = await connect(url(port, "/chat"), compression=None)
        hello = json.loads(await recv(ws))
        check(hello.get("type") == "hello", "chat hello from worker %s" % hello.get("worker"))
        clients.append((ws, hello["pid"]))
        pids.add(hello["pid"])
        if len(pids) >= min_workers and len(clients) >= 2 * min_workers:
            break
    check(len(pids) >= min_workers, "chat clients span %d workers (wanted %d)" % (len(pids), min_workers))
    return clients, pids


async def expect_everyone_gets(clients, sender, text):
    await sender.send(text)
    for ws, pid in clients:
        got = await recv(ws)
        if got != text:
            fail("client on pid %d got %r instead of %r" % (pid, got, text))
    check(True, "%r reached all %d clients" % (text, len(clients)))


async def chat(port, min_workers):
    clients, pids = await open_chat_clients(port, min_workers)
    # A message from a client on each worker reaches every client on every worker.
    for pid in sorted(pids):
        sender = next(ws for ws, p in clients if p == pid)
        await expect_everyone_gets(clients, sender, "hello from a client on pid %d" % pid)
    for ws, _ in clients:
        await ws.close()


async def crash(port, min_workers):
    """Kills the worker of some chat clients: they drop, the rest carry on."""
    clients, pids = await open_chat_clients(port, min_workers)
    victim = sorted(pids)[0]
    os.kill(victim, signal.SIGKILL)
    print("killed worker pid %d" % victim, flush=True)
    dead = [ws for ws, p in clients if p == victim]
    alive = [(ws, p) for ws, p in clients if p != victim]
    for ws in dead:
        try:
            await recv(ws)
            fail("a client of the killed worker got a message")
        except websockets.exceptions.ConnectionClosed as e:
            check(e.rcvd is None, "client of the killed worker dropped without a close frame")
    check(all(ws.open for ws, _ in alive), "clients of the other workers are still open")
    await expect_everyone_gets(alive, alive[0][0], "still here after the crash")
    await expect_everyone_gets(alive, alive[-1][0], "and once more")
    for ws, _ in alive:
        await ws.close()


async def reload(port, min_workers=2):
    """Holds /chat sockets open; the test then sends SIGHUP to the master.
    Every socket must get close 1001, and a new client a new worker."""
    clients, pids = await open_chat_clients(port, min_workers)
    print("sockets open on pids %s" % sorted(pids), flush=True)
    for ws, pid in clients:
        try:
            while True:
                await recv(ws, 20)  # broadcasts may still arrive; wait for the close
        except websockets.exceptions.ConnectionClosed as e:
            check(e.rcvd is not None and e.rcvd.code == 1001,
                  "socket on old worker %d closed with 1001 (%s)" % (pid, e))
    ws = await connect(url(port, "/chat"), compression=None)
    hello = json.loads(await recv(ws))
    check(hello["pid"] not in pids, "a new client is served by a new worker (pid %d)" % hello["pid"])
    await ws.close()


def main():
    if len(sys.argv) < 3:
        fail("usage: websocket_client.py SCENARIO PORT [ARGS]")
    scenario, port = sys.argv[1], int(sys.argv[2])
    args = [int(a) for a in sys.argv[3:]]
    scenarios = {"echo": echo, "concurrent": concurrent, "chat": chat, "crash": crash, "reload": reload,
                 "upstream_echo": upstream_echo}
    if scenario not in scenarios:
        fail("unknown scenario " + scenario)
    try:
        asyncio.run(asyncio.wait_for(scenarios[scenario](port, *args), 60))
    except SystemExit:
        raise
    except BaseException as e:  # noqa: B902 - report anything as a failure line
        fail("%s: %r" % (scenario, e))
    print("PASS " + scenario, flush=True)


if __name__ == "__main__":
    main()
