-- wrk script: every request is "GET <path>" with "Authorization: Bearer <token>", drawn
-- uniformly at random from the input file: "/users/<id> <token of that user>" lines (students
-- reading their own profile), or one "/users?limit=20 <admin token>" line (a college admin's
-- list). The same requests as benchmarks/course/requests.lua, which it runs.
-- Usage: wrk ... -s users.lua <url> -- <file: "<path> <token>" per line>
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../course/requests.lua")
