-- wrk script for `make bench`.
-- WRK_PIPELINE=N (default 16) sends N requests back to back on each
-- connection before reading (HTTP pipelining), so the server and not the
-- client is the limit. WRK_PIPELINE=1 leaves wrk's own static request path
-- (no Lua per request). Either way done() prints one line the harness parses:
--   RESULT requests=M seconds=S rps=R p50_us=A p99_us=B errors=E status_errors=F
-- Headers come from wrk -H (they are in wrk.headers, which wrk.format uses).

local depth = tonumber(os.getenv("WRK_PIPELINE") or "16") or 16

if depth > 1 then
  local batch = nil

  init = function(args)
    local one = wrk.format()
    local parts = {}
    for i = 1, depth do parts[i] = one end
    batch = table.concat(parts)
  end

  request = function()
    return batch
  end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d errors=%d status_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
