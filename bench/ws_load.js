// WebSocket load client: N connections, each sends a SIZE-byte text message,
// waits for its echo, checks it and sends the next, for SECONDS. Prints one
// line the harness parses:
//   RESULT requests=M seconds=S rps=R p50_us=A p99_us=B errors=E status_errors=0
// --check: one connection, a few messages, exit 0 only if every echo matched.
// bench/run.sh uses this file for --check only; its timed runs use the
// faster C++ client bench/ws_load.cc, so that the client is not the limit.
//
// Usage: node ws_load.js URL [--connections 64] [--seconds 5] [--size 64] [--check]
'use strict';
const WebSocket = require('ws');

function parseArgs(argv) {
  const opts = { url: argv[0], connections: 64, seconds: 5, size: 64, check: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') opts.check = true;
    else if (a === '--connections') opts.connections = Number(argv[++i]);
    else if (a === '--seconds') opts.seconds = Number(argv[++i]);
    else if (a === '--size') opts.size = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.url) throw new Error('usage: ws_load.js URL [--connections N] [--seconds S] [--size B] [--check]');
  return opts;
}

// A message of `size` printable bytes whose first 8 carry a sequence number,
// so an echo of the wrong message is caught.
function message(seq, size) {
  const head = String(seq % 1e8).padStart(8, '0');
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

// Latencies in microseconds, kept in a bounded log-linear histogram
// (1 µs resolution under 1 ms, then 64 steps per power of two).
class Histogram {
  constructor() { this.counts = new Float64Array(1000 + 64 * 24); this.total = 0; }
  bucket(us) {
    if (us < 1000) return Math.max(0, Math.floor(us));
    const exp = Math.floor(Math.log2(us / 1000));
    const frac = us / (1000 * 2 ** exp) - 1;
    return Math.min(this.counts.length - 1, 1000 + exp * 64 + Math.floor(frac * 64));
  }
  value(bucket) {
    if (bucket < 1000) return bucket;
    const exp = Math.floor((bucket - 1000) / 64);
    return Math.round(1000 * 2 ** exp * (1 + ((bucket - 1000) % 64) / 64));
  }
  add(us) { this.counts[this.bucket(us)]++; this.total++; }
  percentile(p) {
    const target = Math.ceil(this.total * p / 100);
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b];
      if (seen >= target && this.counts[b] > 0) return this.value(b);
    }
    return 0;
  }
}

function runLoad(opts) {
  const hist = new Histogram();
  let done = 0, errors = 0, mismatches = 0, open = 0, stopped = false, started = 0n;
  const sockets = [];
  const finish = () => {
    if (stopped) return;
    stopped = true;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const s of sockets) s.terminate();
    const rps = done / seconds;
    console.log(`RESULT requests=${done} seconds=${seconds.toFixed(3)} rps=${rps.toFixed(1)} ` +
      `p50_us=${hist.percentile(50)} p99_us=${hist.percentile(99)} errors=${errors + mismatches} status_errors=0`);
    process.exit(0);
  };
  const startClock = () => {
    started = process.hrtime.bigint();
    setTimeout(finish, opts.seconds * 1000);
  };
  for (let i = 0; i < opts.connections; i++) {
    const ws = new WebSocket(opts.url, { perMessageDeflate: false });
    sockets.push(ws);
    let seq = 0, sent = 0n, expected = '';
    const sendNext = () => {
      expected = message(seq++, opts.size);
      sent = process.hrtime.bigint();
      ws.send(expected);
    };
    ws.on('open', () => {
      if (++open === opts.connections) {
        startClock();
        for (const s of sockets) s.emit('go');
      }
    });
    ws.on('go', sendNext);
    ws.on('message', (data) => {
      if (stopped) return;
      hist.add(Number(process.hrtime.bigint() - sent) / 1000);
      if (data.toString() !== expected) mismatches++;
      done++;
      sendNext();
    });
    ws.on('error', () => { errors++; });
    ws.on('close', () => { if (!stopped && started === 0n) { console.error('connection closed before start'); process.exit(2); } });
  }
  // Bounded: never run longer than the duration plus a connect allowance.
  setTimeout(() => { if (started === 0n) { console.error('connections did not open'); process.exit(2); } },
    10000).unref();
}

function runCheck(opts) {
  const ws = new WebSocket(opts.url, { perMessageDeflate: false });
  const total = 5;
  let seq = 0, expected = '';
  const fail = (why) => { console.error(`ws check failed: ${why}`); process.exit(1); };
  const timer = setTimeout(() => fail('timeout'), 5000);
  const sendNext = () => { expected = message(seq++, opts.size); ws.send(expected); };
  ws.on('open', sendNext);
  ws.on('message', (data, isBinary) => {
    if (isBinary) fail('echo came back binary');
    if (data.toString() !== expected) fail(`echo mismatch: got ${data.length} bytes`);
    if (seq === total) { clearTimeout(timer); ws.close(); console.log('ok'); process.exit(0); }
    sendNext();
  });
  ws.on('error', (e) => fail(e.message));
  ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
}

const opts = parseArgs(process.argv.slice(2));
if (opts.check) runCheck(opts); else runLoad(opts);
