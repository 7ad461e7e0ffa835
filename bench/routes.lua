-- wrk script: spread GET requests over ROUTES distinct paths /r/1 .. /r/N.
--
--   ROUTES=1000 wrk -t1 -c64 -d10s --latency -s bench/routes.lua http://127.0.0.1:PORT/
--
-- ROUTES (env, default 1000) is the number of distinct paths. The path is chosen per
-- request by a cheap round-robin counter (no random numbers, no string building on the
-- hot path: the raw requests are formatted once in init() when N is small enough), so the
-- same request sequence goes to every target. Each wrk thread starts at a different offset.

local routes = tonumber(os.getenv("ROUTES") or "") or 1000
if routes < 1 then routes = 1 end
routes = math.floor(routes)

-- Pre-format at most this many requests (~60 bytes each); above it, format per request.
local PREFORMAT_MAX = 200000

local reqs = nil
local counter = 0

-- Each thread gets a distinct starting offset (thread ids are assigned in setup()).
local thread_index = 0
function setup(thread)
  thread:set("start_offset", thread_index)
  thread_index = thread_index + 1
end

function init(args)
  counter = (tonumber(start_offset) or 0) * 7919 % routes
  if routes <= PREFORMAT_MAX then
    reqs = {}
    for i = 1, routes do
      reqs[i] = wrk.format("GET", "/r/" .. i)
    end
  end
end

function request()
  counter = counter + 1
  if counter > routes then counter = 1 end
  if reqs then
    return reqs[counter]
  end
  return wrk.format("GET", "/r/" .. counter)
end
