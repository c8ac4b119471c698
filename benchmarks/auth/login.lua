-- wrk script: every request is "POST /auth/login" with the credentials of one of the seeded
-- accounts, drawn uniformly at random. Usage: wrk ... -s login.lua <url> -- <accounts file>
-- (one "<college slug> <email> <password>" per line).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "../wrk_common.lua")

common.serve("login.lua", "<college> <email> <password>", function(line)
  local college, email, password = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
  if college == nil then
    return nil
  end
  local body = string.format('{"college":"%s","email":"%s","password":"%s"}', college, email, password)
  return wrk.format("POST", "/auth/login", {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }, body)
end)
