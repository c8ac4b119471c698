-- wrk script: every request is "GET <path>" with "Authorization: Bearer <token>", the pair drawn
-- uniformly at random from a file of "<path> <token>" lines. Usage:
--   wrk ... -s requests.lua <url> -- <file>
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "../wrk_common.lua")

common.serve("requests.lua", "<path> <token>", function(line)
  local path, token = line:match("^(%S+)%s+(%S+)$")
  if path == nil then
    return nil
  end
  return wrk.format("GET", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Accept"] = "application/json",
  })
end)
