-- Open-loop requests for wrk 4.1 (LuaJIT), driven by a plan that bench/wrk.py writes.
--
--   wrk -t T -c N -d SECONDS -s bench/wrk.lua URL -- PLAN.lua RESULT_PREFIX
--
--   wrk ... -- PLAN.lua RESULT_PREFIX BODIES_PREFIX   (also every answer's body, one a line)
--
-- PLAN.lua returns {start = <CLOCK_MONOTONIC seconds>, threads = T, requests = {{at, method,
-- path, body, headers}, ...}}, sorted by `at` (seconds after `start`). Thread k takes every T-th
-- request. wrk asks delay() before every request of a connection, its first one included, so a
-- free connection waits until the next planned time and then sends that request, whether or not
-- the others were answered: a slow server cannot slow the plan, it only shows up as lag.
-- Each thread writes RESULT_PREFIX<k> once it has every answer (so the bench can stop wrk early);
-- done() prints one JSON line, `BENCH-WRK {...}`.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *ts);
]]
local CLOCK_MONOTONIC = 1
local NEVER_MS = 3600 * 1000
local timespec = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Per thread: its requests, the next one to schedule and to send, what came back.
local mine, start, scheduled, sent, answered, result_path, bodies = {}, 0, 0, 0, 0, nil, nil
lags, statuses, first_sent, last_answered = {}, {}, nil, nil

function init(args)
  local plan = dofile(args[1])
  result_path = args[2] .. id
  start = plan.start
  for i, r in ipairs(plan.requests) do
    if (i - 1) % plan.threads == id then mine[#mine + 1] = r end
  end
  if args[3] then bodies = io.open(args[3] .. id, "w") end
  if #mine == 0 then io.open(result_path, "w"):close() end
end

function delay()
  scheduled = scheduled + 1
  local r = mine[scheduled]
  if r == nil then return NEVER_MS end
  return math.max(0, math.ceil((start + r[1] - now()) * 1000))
end

function request()
  -- wrk calls request() once before any delay() to count pipelined requests; and after the
  -- last planned one, delay() holds every connection back: neither is ever sent.
  if scheduled == 0 or sent >= #mine then return wrk.format("GET", "/healthz") end
  sent = sent + 1
  local r = mine[sent]
  local t = now()
  lags[sent] = t - start - r[1]
  first_sent = first_sent or t
  local headers = {}
  for name, value in pairs(r[5] or {}) do headers[name] = value end
  if r[4] then headers["Content-Type"] = "application/json" end
  return wrk.format(r[2], r[3], headers, r[4])
end

function response(status, headers, body)
  local key = tostring(status)
  if status >= 400 then key = key .. ":" .. (string.match(body, '"error"%s*:%s*"([^"]*)"') or "") end
  local outcome = string.match(body, '"status"%s*:%s*"([^"]*)"')
  if outcome then key = key .. ":" .. outcome end
  statuses[key] = (statuses[key] or 0) + 1
  if bodies then bodies:write((string.gsub(body, "\n", " ")), "\n") end
  answered = answered + 1
  last_answered = now()
  if answered == #mine then
    if bodies then bodies:close() end
    io.open(result_path, "w"):close()
  end
end

local function json_counts(counts)
  local parts = {}
  for key, n in pairs(counts) do parts[#parts + 1] = string.format("%q:%d", key, n) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local counts, all_lags, first, last = {}, {}, nil, nil
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("statuses")) do counts[key] = (counts[key] or 0) + n end
    for _, lag in pairs(thread:get("lags")) do all_lags[#all_lags + 1] = lag end
    local f, l = thread:get("first_sent"), thread:get("last_answered")
    if f and (first == nil or f < first) then first = f end
    if l and (last == nil or l > last) then last = l end
  end
  table.sort(all_lags)
  local function lag_at(p)
    if #all_lags == 0 then return 0 end
    return all_lags[math.max(1, math.ceil(#all_lags * p / 100))]
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-WRK {"statuses":%s,"sent":%d,"answered":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latency_ms":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f},' ..
    '"lag_ms":{"p50":%.3f,"p99":%.3f,"max":%.3f},"busy_seconds":%.6f}\n',
    json_counts(counts), #all_lags, summary.requests, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, lag_at(50) * 1000, lag_at(99) * 1000, lag_at(100) * 1000,
    (first and last) and (last - first) or 0))
end
