-- wrk script: every request is "POST /search" with a JSON body and a bearer token, the pair drawn
-- uniformly at random from a file of "<token> <body>" lines. Usage:
--   wrk ... -s search.lua <url> -- <file>
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "../wrk_common.lua")

common.serve("search.lua", "<token> <body>", function(line)
  local token, body = line:match("^(%S+)%s+(.+)$")
  if token == nil then
    return nil
  end
  return wrk.format("POST", "/search", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }, body)
end)
