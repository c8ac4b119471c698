-- What every benchmark's wrk script shares: each thread formats its requests once in init()
-- from a file of lines (so the Lua side costs one random pick per request), request() picks
-- one uniformly at random, and done() prints the one machine-readable WRK_JSON line that the
-- runners parse (exact percentiles). A script loads it with
--   local common = dofile(<its own folder> .. "../wrk_common.lua")
-- and calls common.serve(script_name, line_shape, parse), where parse(line) returns a request
-- formatted with wrk.format, or nil for a line to skip.

local common = {}

function common.serve(script_name, line_shape, parse)
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
      error("usage: wrk ... -s " .. script_name .. " <url> -- <file of '" .. line_shape .. "' lines>")
    end
    for line in io.lines(file) do
      local formatted = parse(line)
      if formatted ~= nil then
        count = count + 1
        requests_by_index[count] = formatted
      end
    end
    if count == 0 then
      error("no '" .. line_shape .. "' lines in " .. file)
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
end

return common
