#!/usr/bin/env python3
"""Writes the benchmark docroot into DIR, byte for byte the same every time.

    DIR/index.html             ~2 KiB HTML                  ("/")
    DIR/public/small.txt       1 KiB text                   (identity)
    DIR/public/app.js          64 KiB JS + app.js.gz        (gzip_static)
    DIR/public/style.css       16 KiB CSS                   (gzip on the fly)
    DIR/public/blob.bin        4 MiB incompressible         (sendfile)

Usage: gen_docroot.py DIR
"""
import gzip
import hashlib
import os
import random
import sys

WORDS = ("hearth server worker socket stream buffer request response header "
         "static file index route cache gzip loop event timer signal master "
         "connection keepalive pipeline latency budget").split()


def text_of(size, seed, line):
    """Printable text of exactly `size` bytes built by line(rng) -> str."""
    rng = random.Random(seed)
    out, length = [], 0
    while length < size:
        piece = line(rng)
        out.append(piece)
        length += len(piece)
    return "".join(out).encode()[:size]


def prose_line(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))) + ".\n"


def js_line(rng):
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    return (f"function {a}_{rng.randint(0, 9999)}({b}, n) {{ "
            f"return {b}.{rng.choice(WORDS)}(n + {rng.randint(0, 999)}) || '{a} {b}'; }}\n")


def css_line(rng):
    prop = rng.choice(["margin", "padding", "color", "border", "width", "font-size"])
    return (f".{rng.choice(WORDS)}-{rng.randint(0, 999)} > .{rng.choice(WORDS)} "
            f"{{ {prop}: {rng.randint(0, 64)}px; line-height: 1.{rng.randint(0, 9)}; }}\n")


def incompressible(size):
    """SHA-256 in counter mode: deterministic on every Python, no patterns."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"hearth-bench-%d" % counter).digest()
        counter += 1
    return bytes(out[:size])


def index_html():
    body = text_of(1800, 7, prose_line).decode()
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>hearth bench</title>"
            "<link rel=\"stylesheet\" href=\"/public/style.css\"></head>\n<body><main><p>"
            + body + "</p></main><script src=\"/public/app.js\"></script></body></html>\n").encode()


def write(path, data, mtime):
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (mtime, mtime))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    public = os.path.join(root, "public")
    os.makedirs(public, exist_ok=True)
    mtime = 1700000000  # fixed, so ETag/Last-Modified are the same each run
    js = text_of(64 * 1024, 2, js_line)
    write(os.path.join(root, "index.html"), index_html(), mtime)
    write(os.path.join(public, "small.txt"), text_of(1024, 1, prose_line), mtime)
    write(os.path.join(public, "app.js"), js, mtime)
    write(os.path.join(public, "app.js.gz"), gzip.compress(js, 9, mtime=0), mtime + 1)
    write(os.path.join(public, "style.css"), text_of(16 * 1024, 3, css_line), mtime)
    write(os.path.join(public, "blob.bin"), incompressible(4 * 1024 * 1024), mtime)


if __name__ == "__main__":
    main()
