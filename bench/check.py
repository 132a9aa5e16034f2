#!/usr/bin/env python3
"""Checks one benchmark case on one server before it is timed, so a fast
wrong answer cannot win: two requests on one keep-alive connection, each must
give status 200, the expected Content-Encoding, and the expected body (the
docroot file, byte for byte after decoding; a JSON object with "message"; or
an app's exact answer).

Usage: check.py [--cafile=PEM] URL ENCODING EXPECT [HEADER ...]
  URL       http:// or https:// (TLS 1.3 required; the certificate checked
            against --cafile, else not checked)
  ENCODING  gzip | identity
  EXPECT    a file path; "json" (an object with "message"); "json=DOC" (the
            JSON document DOC, whitespace aside, with Content-Type
            application/json); or "text=BODY" (exactly BODY, with Content-Type
            text/plain)
  HEADER    "Name: value", sent as given (e.g. "Accept-Encoding: gzip")
Exit 0 and prints "ok", or exit 1 and prints why.
"""
import gzip
import http.client
import json
import ssl
import sys
import urllib.parse


def fetch(conn, path, headers):
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    return resp, resp.read()


def verify(resp, body, encoding, expect):
    if resp.status != 200:
        return f"status {resp.status}"
    got_encoding = (resp.getheader("Content-Encoding") or "identity").lower()
    if got_encoding != encoding:
        return f"Content-Encoding {got_encoding}, wanted {encoding}"
    if resp.will_close:
        return "server closed the keep-alive connection"
    if encoding == "gzip":
        try:
            body = gzip.decompress(body)
        except OSError as e:
            return f"body is not gzip: {e}"
    content_type = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
    if expect.startswith("text="):
        if content_type != "text/plain":
            return f"Content-Type {content_type or '(none)'}, wanted text/plain"
        if body != expect[len("text="):].encode():
            return f"body {body[:80]!r}, wanted {expect[len('text='):]!r}"
        return None
    if expect.startswith("json="):
        if content_type != "application/json":
            return f"Content-Type {content_type or '(none)'}, wanted application/json"
        try:
            doc = json.loads(body)
        except ValueError as e:
            return f"body is not JSON: {e}"
        if doc != json.loads(expect[len("json="):]):
            return f"body {body[:80]!r}, wanted {expect[len('json='):]}"
        return None
    if expect == "json":
        try:
            doc = json.loads(body)
        except ValueError as e:
            return f"body is not JSON: {e}"
        if not isinstance(doc, dict) or "message" not in doc:
            return "JSON has no \"message\""
        return None
    with open(expect, "rb") as f:
        want = f.read()
    if body != want:
        return f"body differs: {len(body)} bytes, wanted {len(want)}"
    return None


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    args = sys.argv[1:]
    cafile = None
    if args and args[0].startswith("--cafile="):
        cafile = args.pop(0).split("=", 1)[1]
    if len(args) < 3:
        sys.exit(__doc__)
    url, encoding, expect = args[:3]
    headers = dict(h.split(": ", 1) for h in args[3:])
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile)
        if cafile is None:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=5, context=ctx)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        for attempt in (1, 2):
            resp, body = fetch(conn, parts.path or "/", headers)
            why = verify(resp, body, encoding, expect)
            if why:
                print(f"request {attempt}: {why}")
                return 1
    except (OSError, http.client.HTTPException, ssl.SSLError) as e:
        print(f"{type(e).__name__}: {e}")
        return 1
    finally:
        conn.close()
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
