-- wrk script: every request is "POST /auth/login" with the credentials of one of the seeded
-- accounts, drawn uniformly at random. Usage: wrk ... -s login.lua <url> -- <accounts file>
-- (one "<college slug> <email> <password>" per line). done() prints the WRK_JSON line that
-- benchmarks/user/load.py parses (exact percentiles).

local requests_by_index = {}
local count = 0
local next_thread_id = 0

function setup(thread)
  next_thread_id = next_thread_id + 1
  thread:set("thread_id", next_thread_id)
end

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk ... -s login.lua <url> -- <accounts file>")
  end
  for line in io.lines(path) do
    local college, email, password = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
    if college ~= nil then
      count = count + 1
      local body = string.format('{"college":"%s","email":"%s","password":"%s"}', college, email, password)
      requests_by_index[count] = wrk.format("POST", "/auth/login", {
        ["Content-Type"] = "application/json",
        ["Accept"] = "application/json",
      }, body)
    end
  end
  if count == 0 then
    error("no '<college> <email> <password>' lines in " .. path)
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
