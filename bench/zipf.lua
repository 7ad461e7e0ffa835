-- wrk script: GET requests over ROUTES distinct paths /r/1 .. /r/N, drawn from a Zipf
-- distribution (route k is requested with probability proportional to 1/k^S), as real traffic
-- is: a few hot routes and a long tail.
--
--   ROUTES=100000 ZIPF_S=1.1 wrk -t1 -c64 -d10s --latency -s bench/zipf.lua http://127.0.0.1:PORT/
--
-- ROUTES (env, default 100000), ZIPF_S (env, default 1.1). The cumulative distribution and the
-- raw requests are built once in init(); each request is one binary search. The random sequence
-- is seeded per thread, so every target gets the same one.

local routes = math.floor(tonumber(os.getenv("ROUTES") or "") or 100000)
if routes < 1 then routes = 1 end
local s = tonumber(os.getenv("ZIPF_S") or "") or 1.1

local cdf = nil
local reqs = nil

local thread_index = 0
function setup(thread)
  thread:set("seed", 42 + thread_index)
  thread_index = thread_index + 1
end

function init(args)
  math.randomseed(tonumber(seed) or 42)
  cdf = {}
  local total = 0
  for k = 1, routes do
    total = total + 1 / (k ^ s)
    cdf[k] = total
  end
  for k = 1, routes do cdf[k] = cdf[k] / total end
  reqs = {}
  for k = 1, routes do reqs[k] = wrk.format("GET", "/r/" .. k) end
end

function request()
  local u = math.random()
  local lo, hi = 1, routes
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return reqs[lo]
end
