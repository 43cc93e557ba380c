-- wrk script: GET /find/:username for a random seeded user, with Basic auth.
local auth = os.getenv("BENCH_AUTH")
local users = tonumber(os.getenv("BENCH_USERS"))

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(id or os.time())
end

function request()
  local path = string.format("/find/user%04d", math.random(1, users))
  return wrk.format("GET", path, { ["Authorization"] = auth })
end
