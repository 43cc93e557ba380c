-- wrk script: POST /passwordCheck for a random seeded user with the right password.
local auth = os.getenv("BENCH_AUTH")
local users = tonumber(os.getenv("BENCH_USERS"))
local password = os.getenv("BENCH_PASSWORD")

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(id or os.time())
end

function request()
  local body = string.format('{"username":"user%04d","password":"%s"}', math.random(1, users), password)
  return wrk.format("POST", "/passwordCheck", {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
  }, body)
end
