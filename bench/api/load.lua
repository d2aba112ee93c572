-- wrk script: cycle through prepared requests ("token<TAB>purpose<TAB>path" per line),
-- each connection's requests spread over the users' tokens, and print percentiles.
-- Optional second argument: think time in ms between a client's requests (0 = none,
-- every client sends its next request as soon as the last is answered: saturation).
local lines = {}
local counter = 0
local errors = 0
local think_ms = 0

function init(args)
  think_ms = tonumber(args[2] or "0")
  for line in io.lines(args[1]) do
    local token, purpose, path = line:match("([^\t]+)\t([^\t]+)\t(.+)")
    table.insert(lines, { token = token, purpose = purpose, path = path })
  end
  counter = math.random(#lines)
end

function delay()
  if think_ms <= 0 then return 0 end
  -- exponential think times (a Poisson process per client), mean think_ms
  return math.floor(-think_ms * math.log(1 - math.random()))
end

function request()
  counter = counter % #lines + 1
  local r = lines[counter]
  return wrk.format("GET", r.path, {
    ["Authorization"] = "Bearer " .. r.token,
    ["X-Purpose"] = r.purpose,
  })
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors < 3 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 200) .. "\n") end
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.1f p90_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f non2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
