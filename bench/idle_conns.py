#!/usr/bin/env python3
"""Holds many idle keep-alive connections open to one server, so the harness
can read the memory they cost. Opens COUNT connections (at most BATCH
connecting at once), sends one keep-alive GET on each, reads its whole
response (Content-Length), then prints one line:
    READY ok=N failed=M seconds=S
and keeps every connection open, idle, for HOLD seconds (or until killed).
The opening phase is bounded by DEADLINE seconds, and ends early when no
response has come for 5 s (the server stopped accepting, e.g. at its
connection limit).

Usage: idle_conns.py HOST PORT PATH COUNT [HOLD=30] [BATCH=256] [DEADLINE=60]
"""
import selectors
import socket
import sys
import time

STALL_SECONDS = 5


class Conn:
    def __init__(self, sock, request):
        self.sock = sock
        self.out = request
        self.buf = b""
        self.need = None  # total bytes of the response once headers are in

    def on_writable(self):
        sent = self.sock.send(self.out)
        self.out = self.out[sent:]

    def on_readable(self):
        """True once the whole response is in."""
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by server")
        self.buf += data
        if self.need is None and b"\r\n\r\n" in self.buf:
            head, _ = self.buf.split(b"\r\n\r\n", 1)
            if not head.startswith(b"HTTP/1.1 200"):
                raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.need = len(head) + 4 + length
        return self.need is not None and len(self.buf) >= self.need


def open_all(host, port, path, count, batch, deadline):
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Connection: keep-alive\r\n\r\n").encode()
    sel = selectors.DefaultSelector()
    idle, failed, started, busy = [], 0, 0, 0
    end = time.monotonic() + deadline
    progress = time.monotonic()
    while (started < count or busy) and time.monotonic() < end:
        if time.monotonic() - progress > STALL_SECONDS:
            print(f"no progress for {STALL_SECONDS} s: the server stopped accepting", file=sys.stderr)
            break
        while started < count and busy < batch:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.connect_ex((host, port))
            sel.register(sock, selectors.EVENT_WRITE, Conn(sock, request))
            started += 1
            busy += 1
        for key, events in sel.select(timeout=0.5):
            conn = key.data
            try:
                if events & selectors.EVENT_WRITE:
                    err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise ConnectionError(f"connect: errno {err}")
                    conn.on_writable()
                    if not conn.out:
                        sel.modify(conn.sock, selectors.EVENT_READ, conn)
                elif conn.on_readable():
                    sel.unregister(conn.sock)
                    idle.append(conn.sock)
                    busy -= 1
                    progress = time.monotonic()
            except (OSError, ValueError) as e:
                sel.unregister(conn.sock)
                conn.sock.close()
                failed += 1
                busy -= 1
                if failed == 1:
                    print(f"first failure: {e}", file=sys.stderr)
    return idle, count - len(idle)  # failed, in flight or never started


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    host, port, path, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    hold = float(sys.argv[5]) if len(sys.argv) > 5 else 30
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 256
    deadline = float(sys.argv[7]) if len(sys.argv) > 7 else 60
    t0 = time.monotonic()
    idle, failed = open_all(host, port, path, count, batch, deadline)
    print(f"READY ok={len(idle)} failed={failed} seconds={time.monotonic() - t0:.1f}", flush=True)
    time.sleep(hold)
    for sock in idle:
        sock.close()


if __name__ == "__main__":
    main()
