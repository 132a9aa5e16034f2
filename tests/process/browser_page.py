#!/usr/bin/python3
"""Loads the demo page from a running hearth in headless Chromium and waits
until the page shows the /json answer and both WebSocket round trips.

    browser_page.py PORT

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


async def drive(page_ws, port):
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

        await call("Page.navigate", {"url": "http://127.0.0.1:%d/" % port})
        state = {}
        deadline = time.time() + 30
        while time.time() < deadline:
            reply = await call("Runtime.evaluate", {"expression": STATE, "returnByValue": True})
            value = reply.get("result", {}).get("result", {}).get("value")
            if value:
                state = json.loads(value)
                if ("Hello from hearth" in state["json"] and state["echoOk"] == "yes"
                        and state["chatOk"] == "yes"):
                    print("page state: " + json.dumps(state), flush=True)
                    return
            await asyncio.sleep(0.2)
        fail("the page did not show everything in 30 s: " + json.dumps(state))


def main():
    if len(sys.argv) != 2:
        fail("usage: browser_page.py PORT")
    port = int(sys.argv[1])
    if not os.access(CHROMIUM, os.X_OK):
        fail(CHROMIUM + " is missing: run `make deps`")
    profile = tempfile.mkdtemp(prefix="hearth-chromium-")
    # Chromium's own temporary files (its singleton socket) go in the profile too.
    env = dict(os.environ, TMPDIR=os.path.join(profile, "tmp"))
    os.mkdir(env["TMPDIR"])
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        dev = devtools_port(profile, time.time() + 20)
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % dev, timeout=5) as r:
            targets = json.load(r)
        pages = [t for t in targets if t.get("type") == "page"]
        if not pages:
            fail("no page target in " + json.dumps(targets))
        asyncio.run(asyncio.wait_for(drive(pages[0]["webSocketDebuggerUrl"], port), 45))
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
