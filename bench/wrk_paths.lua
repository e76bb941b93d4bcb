-- wrk script for scripts/bench.sh: each connection's requests rotate over the
-- request paths in a file (one a line), starting at a different place per
-- thread.  Usage: wrk ... -s bench/wrk_paths.lua URL -- PATHS_FILE
local paths = {}
local n = 0
local i = 0

function init(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    if line ~= "" then
      n = n + 1
      paths[n] = wrk.format("GET", line)
    end
  end
  f:close()
  assert(n > 0, "no paths in " .. args[1])
  i = math.random(n) - 1
end

function request()
  i = i % n + 1
  return paths[i]
end
