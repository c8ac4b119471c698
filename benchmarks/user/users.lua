-- wrk script: every request is "GET <path>" with "Authorization: Bearer <token>", the pair drawn
-- uniformly at random from the input file: "/users/<id> <token of that user>" lines (students
-- reading their own profile), or one "/users?limit=20 <admin token>" line (a college admin's
-- list). Usage: wrk ... -s users.lua <url> -- <file: "<path> <token>" per line>
--
-- The requests are formatted once per thread in init(), so the Lua side costs one random pick
-- per request. done() prints one machine-readable line with exact percentiles.

local requests_by_index = {}
local count = 0
local next_thread_id = 0

function setup(thread)
  next_thread_id = next_thread_id + 1
  thread:set("thread_id", next_thread_id)
end

function init(args)
  local file = args[1]
  if file == nil then
    error("usage: wrk ... -s users.lua <url> -- <file of '<path> <token>' lines>")
  end
  for line in io.lines(file) do
    local path, token = line:match("^(%S+)%s+(%S+)$")
    if path ~= nil then
      count = count + 1
      requests_by_index[count] = wrk.format("GET", path, {
        ["Authorization"] = "Bearer " .. token,
        ["Accept"] = "application/json",
      })
    end
  end
  if count == 0 then
    error("no '<path> <token>' lines in " .. file)
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

function request()
  return requests_by_index[math.random(count)]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%d,"max":%d,"mean":%.1f,"stdev":%.1f,'
      .. '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p99_9":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.min, latency.max, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)
  ))
end
