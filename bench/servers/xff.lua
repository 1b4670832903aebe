-- wrk script for the limiter's scale check: each request carries X-Forwarded-For from a pool of N distinct clients.
-- Usage: wrk ... -s bench/servers/xff.lua http://127.0.0.1:PORT/ -- N   (addresses from 198.18.0.0/15, RFC 2544)
local clients = 1
local counter = 0

function init(args)
  clients = tonumber(args[1]) or 1
end

function request()
  local n = counter % clients
  counter = counter + 1
  wrk.headers["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
  return wrk.format()
end
