-- wrk script: one hot route plus COLD cold ones, and a record of every acknowledged hit.
--
--   OUT=DIR COLD=1000 COLD_EVERY=5 wrk -t2 -c64 -d10s --latency -s bench/hot_route.lua URL
--
-- Every COLD_EVERY-th request of a connection's thread goes to the next cold route (/cold/1 ..
-- /cold/COLD, round-robin), the others to /hot. Each thread writes one line per answer to
-- OUT/acks-<thread>.txt: "<status> <route> <count>" for a counted hit (200: the route and the
-- count its answer carried), "<status> - -" otherwise. bench/hot_route_bench.sh reads them to
-- check that every acknowledged hit was counted exactly once.

local cold = tonumber(os.getenv("COLD") or "") or 1000
local cold_every = tonumber(os.getenv("COLD_EVERY") or "") or 5
local out_dir = os.getenv("OUT") or "."

local hot_request = nil
local cold_requests = {}
local counter = 0
local cold_counter = 0
local out = nil

local thread_index = 0
function setup(thread)
  thread:set("index", thread_index)
  thread_index = thread_index + 1
end

function init(args)
  hot_request = wrk.format("GET", "/hot")
  for i = 1, cold do
    cold_requests[i] = wrk.format("GET", "/cold/" .. i)
  end
  cold_counter = (tonumber(index) or 0) * 7919 % cold
  out = assert(io.open(out_dir .. "/acks-" .. tostring(index) .. ".txt", "w"))
  -- Line-buffered: wrk exits without closing Lua's files, which would lose a full buffer.
  out:setvbuf("line")
end

function request()
  counter = counter + 1
  if counter % cold_every == 0 then
    cold_counter = cold_counter % cold + 1
    return cold_requests[cold_counter]
  end
  return hot_request
end

function response(status, headers, body)
  if status == 200 then
    local route = body:match('"route":"([^"]*)"')
    local count = body:match('"count":(%d+)')
    out:write("200 ", route or "?", " ", count or "?", "\n")
  else
    out:write(status, " - -\n")
  end
end
