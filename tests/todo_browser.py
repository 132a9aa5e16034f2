#!/usr/bin/python3
"""Two browsers on the todo example (examples/todo), live updates between them:

    todo_browser.py PORT

Starts two headless Chromium instances (separate profiles, so separate
connections, which the server's workers accept independently), opens the
page in each, adds an item through page A's form and waits until page B
shows it; then ticks it in page B and waits until page A shows it done.
Neither page polls: what the other page shows came over /api/live.

Driven over the DevTools protocol with python3-websockets, as
tests/process/browser_page.py does. Which worker each page is on is printed,
not asserted (the kernel picks the accepting worker); page B reconnects a
few times to try for the other worker. Every wait is bounded; exits 0 on
success. Each Chromium runs in its own session (process group), killed at
the end, with a temporary profile, removed at the end."""

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

CHROMIUM = "/usr/bin/chromium"
WAIT = 15  # seconds for any one thing to show up
STATE = """JSON.stringify({
  live: document.body.dataset.live || '',
  worker: document.body.dataset.worker || '',
  error: (document.getElementById('error') || {}).textContent || '',
  items: Array.from(document.querySelectorAll('#todos li')).map(li => ({
    title: li.querySelector('span').textContent,
    done: li.querySelector('input').checked
  }))
})"""


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Browser:
    """One Chromium process with a temporary profile, and its first page."""

    def __init__(self, name):
        self.name = name
        self.profile = tempfile.mkdtemp(prefix="todo-chromium-")
        # Chromium's own temporary files (its singleton socket) go in the profile too.
        env = dict(os.environ, TMPDIR=os.path.join(self.profile, "tmp"))
        os.mkdir(env["TMPDIR"])
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--remote-debugging-port=0",
             "--user-data-dir=" + self.profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)

    def page_websocket(self):
        dev = self._devtools_port(time.time() + 20)
        deadline = time.time() + 10
        while time.time() < deadline:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % dev, timeout=5) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.2)
        fail(self.name + ": no page target")

    def _devtools_port(self, deadline):
        path = os.path.join(self.profile, "DevToolsActivePort")
        while time.time() < deadline:
            try:
                with open(path) as f:
                    return int(f.readline())
            except (OSError, ValueError):
                time.sleep(0.1)
        fail(self.name + ": Chromium did not open its DevTools port")

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """A DevTools session on one page."""

    def __init__(self, name, cdp):
        self.name = name
        self.cdp = cdp
        self.next_id = 0

    async def call(self, method, params=None):
        self.next_id += 1
        await self.cdp.send(json.dumps({"id": self.next_id, "method": method, "params": params or {}}))
        while True:  # skip events; every read is bounded
            msg = json.loads(await asyncio.wait_for(self.cdp.recv(), 10))
            if msg.get("id") == self.next_id:
                return msg

    async def evaluate(self, expression):
        reply = await self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return reply.get("result", {}).get("result", {}).get("value")

    async def state(self):
        value = await self.evaluate(STATE)
        return json.loads(value) if value else {}

    async def wait_for(self, what, predicate):
        """Polls the page until predicate(state) holds; returns the state."""
        state = {}
        deadline = time.time() + WAIT
        while time.time() < deadline:
            state = await self.state()
            if state and predicate(state):
                return state
            await asyncio.sleep(0.1)
        fail("%s: %s not seen in %d s; page state: %s" % (self.name, what, WAIT, json.dumps(state)))

    async def open(self, url):
        await self.call("Page.navigate", {"url": url})
        # The page marks itself live once /api/live said hello.
        return await self.wait_for("a live connection", lambda s: s["live"] == "yes")


def has_item(title, done=None):
    return lambda s: any(i["title"] == title and (done is None or i["done"] == done) for i in s["items"])


async def drive(ws_a, ws_b, port):
    url = "http://127.0.0.1:%d/" % port
    async with websockets.connect(ws_a, max_size=None, compression=None) as ca, \
            websockets.connect(ws_b, max_size=None, compression=None) as cb:
        a, b = Page("page A", ca), Page("page B", cb)
        worker_a = (await a.open(url))["worker"]
        worker_b = (await b.open(url))["worker"]
        for _ in range(5):  # try for the other worker; not required
            if worker_b != worker_a:
                break
            worker_b = (await b.open(url))["worker"]
        print("page A on worker %s, page B on worker %s" % (worker_a, worker_b), flush=True)

        # Page A adds an item through its form.
        title = "from page A %06d" % random.randrange(10 ** 6)
        await a.evaluate("document.getElementById('title').value = %s;"
                         "document.getElementById('add-button').click()" % json.dumps(title))
        await a.wait_for("its own new item", has_item(title))
        await b.wait_for("the item page A added", has_item(title))
        print("ok: page B shows the item page A added", flush=True)

        # Page B ticks it; page A sees it done.
        await b.evaluate("Array.from(document.querySelectorAll('#todos li'))"
                         ".find(li => li.querySelector('span').textContent === %s)"
                         ".querySelector('input').click()" % json.dumps(title))
        await a.wait_for("the item done", has_item(title, done=True))
        print("ok: page A shows it done after page B ticked it", flush=True)
        for page in (a, b):
            state = await page.state()
            if state["error"]:
                fail("%s shows an error: %s" % (page.name, state["error"]))


def main():
    if len(sys.argv) != 2:
        fail("usage: todo_browser.py PORT")
    port = int(sys.argv[1])
    if not os.access(CHROMIUM, os.X_OK):
        fail(CHROMIUM + " is missing")
    browsers = []
    try:
        for name in ("browser A", "browser B"):
            browsers.append(Browser(name))
        sockets = [br.page_websocket() for br in browsers]
        asyncio.run(asyncio.wait_for(drive(sockets[0], sockets[1], port), 120))
    finally:
        for br in browsers:
            br.stop()
    print("PASS todo browser", flush=True)


if __name__ == "__main__":
    main()
