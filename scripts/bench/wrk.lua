-- wrk script of scripts/bench-load.sh: the request mix and a one-line JSON result.
--
--   wrk ... -s wrk.lua URL -- MODE FIRST COUNT [QUOTA]
--
-- MODE hot:  GET /me with `Bearer tok-<FIRST + i % COUNT>` (a fixed set of COUNT tokens).
-- MODE cold: GET /me with a token never sent before: `tok-<FIRST + thread * 10^9 + i>`.
-- MODE herd: GET /me with `Bearer tok-<FIRST>` on every connection; each thread stops after
--            QUOTA responses, so -c connections send about threads * QUOTA requests at once.
-- MODE ping: GET /ping (no token): the stub's trivial handler, the ceiling.
-- MODE health: GET /health (no token): a path the server's auth layer excludes.
-- Prints `RESULT {"requests":…,"duration_us":…,"p50_us":…,"p99_us":…,"errors":…,"non2xx":…}`.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("thread_index", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local mode, first, count, quota
local sent, received = 0, 0

function init(args)
   mode = args[1] or "ping"
   first = tonumber(args[2] or "0")
   count = tonumber(args[3] or "1")
   quota = tonumber(args[4] or "0")
end

local function token_request(id)
   return wrk.format("GET", "/me", { ["Authorization"] = "Bearer tok-" .. string.format("%.0f", id) })
end

function request()
   sent = sent + 1
   if mode == "hot" then
      return token_request(first + sent % count)
   elseif mode == "cold" then
      return token_request(first + thread_index * 1e9 + sent)
   elseif mode == "herd" then
      return token_request(first)
   elseif mode == "health" then
      return wrk.format("GET", "/health")
   end
   return wrk.format("GET", "/ping")
end

function response(status, headers, body)
   if mode == "herd" then
      received = received + 1
      if received >= quota then
         wrk.thread:stop()
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write + e.timeout, e.status))
end
