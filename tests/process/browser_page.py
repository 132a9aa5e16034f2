#!/usr/bin/python3
"""Loads the demo page from a running hearth in headless Chromium and waits
until the page shows the /json answer and both WebSocket round trips.

    browser_page.py PORT                    loads http://127.0.0.1:PORT/
    browser_page.py URL [--trust-cert PEM] [--expect-url PREFIX]

URL is where the browser goes (https://localhost:PORT/, or a plain
listener that redirects there); the page must end up at a location that
starts with PREFIX (default: URL). --trust-cert makes Chromium accept that
one server certificate, by the SHA-256 of its public key
(--ignore-certificate-errors-spki-list); every other certificate is checked
as usual (never --ignore-certificate-errors).

Chromium (Debian's package) is driven over its DevTools protocol with
python3-websockets: the page is polled, so the check does not depend on
when the browser thinks the page is "loaded". Prints the page's state;
exits 0 when everything showed up within 30 s. Chromium runs in its own
session (process group), which is killed at the end; its profile is a
temporary folder, removed at the end."""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

CHROMIUM = "/usr/bin/chromium"
STATE = """JSON.stringify({
  url: location.href,
  json: (document.getElementById('json') || {}).textContent || '',
  echo: (document.getElementById('echo') || {}).textContent || '',
  echoOk: ((document.getElementById('echo') || {}).dataset || {}).ok || '',
  chat: (document.getElementById('chat') || {}).textContent || '',
  chatOk: ((document.getElementById('chat') || {}).dataset || {}).ok || ''
})"""


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def devtools_port(profile, deadline):
    path = os.path.join(profile, "DevToolsActivePort")
    while time.time() < deadline:
        try:
            with open(path) as f:
                return int(f.readline())
        except (OSError, ValueError):
            time.sleep(0.1)
    fail("Chromium did not open its DevTools port")


def spki_hash(pem):
    """base64 SHA-256 of the certificate's SubjectPublicKeyInfo, as
    --ignore-certificate-errors-spki-list wants it."""
    out = subprocess.run(
        ["sh", "-c", "openssl x509 -pubkey -noout -in \"$1\" | openssl pkey -pubin -outform der"
         " | openssl dgst -sha256 -binary | base64", "sh", pem],
        capture_output=True, text=True, timeout=20)
    value = out.stdout.strip()
    if out.returncode != 0 or len(value) != 44:
        fail("could not hash the public key of %s: %s" % (pem, out.stderr.strip()))
    return value


async def drive(page_ws, url, expect_url):
    """None once the page showed everything, else what went wrong."""
    async with websockets.connect(page_ws, max_size=None, compression=None) as cdp:
        next_id = 0

        async def call(method, params=None):
            nonlocal next_id
            next_id += 1
            await cdp.send(json.dumps({"id": next_id, "method": method, "params": params or {}}))
            while True:
                msg = json.loads(await asyncio.wait_for(cdp.recv(), 10))
                if msg.get("id") == next_id:
                    return msg

        nav = await call("Page.navigate", {"url": url})
        # A refused certificate (net::ERR_CERT_...) or connection ends here.
        error = nav.get("result", {}).get("errorText")
        if error:
            return "the browser could not load %s: %s" % (url, error)
        state = {}
        deadline = time.time() + 30
        while time.time() < deadline:
            reply = await call("Runtime.evaluate", {"expression": STATE, "returnByValue": True})
            value = reply.get("result", {}).get("result", {}).get("value")
            if value:
                state = json.loads(value)
                if (state["url"].startswith(expect_url) and "Hello from hearth" in state["json"]
                        and state["echoOk"] == "yes" and state["chatOk"] == "yes"):
                    print("page state: " + json.dumps(state), flush=True)
                    return None
            await asyncio.sleep(0.2)
        return "the page did not show everything in 30 s: " + json.dumps(state)


def parse_args(argv):
    usage = "usage: browser_page.py PORT | URL [--trust-cert PEM] [--expect-url PREFIX]"
    if not argv:
        fail(usage)
    target, trust_cert, expect_url = argv[0], None, None
    rest = argv[1:]
    while rest:
        if len(rest) < 2 or rest[0] not in ("--trust-cert", "--expect-url"):
            fail(usage)
        if rest[0] == "--trust-cert":
            trust_cert = rest[1]
        else:
            expect_url = rest[1]
        rest = rest[2:]
    if target.isdigit():
        target = "http://127.0.0.1:%d/" % int(target)
    elif not target.startswith(("http://", "https://")):
        fail(usage)
    return target, trust_cert, expect_url or target


def main():
    url, trust_cert, expect_url = parse_args(sys.argv[1:])
    flags = []
    if trust_cert:
        flags.append("--ignore-certificate-errors-spki-list=" + spki_hash(trust_cert))
    if not os.access(CHROMIUM, os.X_OK):
        fail(CHROMIUM + " is missing: run `make deps`")
    profile = tempfile.mkdtemp(prefix="hearth-chromium-")
    # Chromium's own temporary files (its singleton socket) go in the profile too.
    env = dict(os.environ, TMPDIR=os.path.join(profile, "tmp"))
    os.mkdir(env["TMPDIR"])
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile] + flags + ["about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        dev = devtools_port(profile, time.time() + 20)
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % dev, timeout=5) as r:
            targets = json.load(r)
        pages = [t for t in targets if t.get("type") == "page"]
        if not pages:
            fail("no page target in " + json.dumps(targets))
        error = asyncio.run(asyncio.wait_for(drive(pages[0]["webSocketDebuggerUrl"], url, expect_url), 45))
        if error:
            fail(error)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)
        shutil.rmtree(profile, ignore_errors=True)
    print("PASS browser", flush=True)


if __name__ == "__main__":
    main()
