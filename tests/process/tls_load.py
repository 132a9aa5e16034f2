#!/usr/bin/python3
"""HTTPS load for process tests, with Python's own ssl and http.client:

    tls_load.py PORT CA_FILE THREADS PATH

Each thread GETs PATH (a 200 is a success) again and again on one keep-alive
connection to localhost:PORT, checked against CA_FILE, opening a new one
when the server closes it. A request that got no byte back on a reused
connection (the server closed it as the request went out) is sent once more
on a new connection and counted as retried, as HTTP clients do (RFC 9112
9.3.1). Runs until SIGTERM (or 120 s, or 20000 requests a thread), then
prints one JSON line: ok, failed, retried, the first failures, and the
certificates the connections were given (SHA-256 fingerprint -> how many
connections; `last`: each thread's last one)."""

import hashlib
import http.client
import json
import signal
import ssl
import sys
import threading
import time

MAX_SECONDS = 120
MAX_REQUESTS_PER_THREAD = 20000

stop = threading.Event()
lock = threading.Lock()
totals = {"ok": 0, "failed": 0, "retried": 0, "failures": [], "certificates": {}, "last": []}


class Unanswered(Exception):
    """The connection closed before any byte of the response."""


def record(key, failure=None):
    with lock:
        totals[key] += 1
        if failure and len(totals["failures"]) < 5:
            totals["failures"].append(failure)


def fingerprint(conn):
    der = conn.sock.getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest()


class Worker:
    def __init__(self, port, context, path):
        self.port, self.context, self.path = port, context, path
        self.conn = None
        self.certificate = None

    def open(self):
        self.conn = http.client.HTTPSConnection("localhost", self.port, context=self.context, timeout=10)
        self.conn.connect()
        self.certificate = fingerprint(self.conn)
        with lock:
            totals["certificates"][self.certificate] = totals["certificates"].get(self.certificate, 0) + 1

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def get(self):
        reused = self.conn is not None
        if not reused:
            self.open()
        try:
            self.conn.request("GET", self.path)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ssl.SSLEOFError) as e:
            self.close()
            if reused:
                raise Unanswered() from e
            raise
        body = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, body

    def one_request(self):
        try:
            try:
                status, _ = self.get()
            except Unanswered:
                record("retried")
                status, _ = self.get()
        except Exception as e:  # noqa: B902 - any error is a failed request
            self.close()
            record("failed", repr(e))
            return
        if status == 200:
            record("ok")
        else:
            record("failed", "status %d" % status)

    def run(self):
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if stop.is_set():
                break
            self.one_request()
        with lock:
            totals["last"].append(self.certificate)
        self.close()


def main():
    if len(sys.argv) != 5:
        print("usage: tls_load.py PORT CA_FILE THREADS PATH", file=sys.stderr)
        sys.exit(2)
    port, ca, threads, path = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    context = ssl.create_default_context(cafile=ca)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    workers = [threading.Thread(target=Worker(port, context, path).run) for _ in range(threads)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + MAX_SECONDS
    announced = False
    while not stop.wait(0.05) and time.monotonic() < deadline:
        if not announced and totals["ok"] >= threads:
            print("running", flush=True)  # the test waits for this line
            announced = True
    stop.set()
    for w in workers:
        w.join(15)
    print(json.dumps(totals), flush=True)


if __name__ == "__main__":
    main()
