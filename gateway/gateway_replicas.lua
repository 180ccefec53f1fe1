-- Count the live gateway replicas, so each enforces its share of every tenant's rate limit.
--
-- HAProxy 2.6 counts a stick table per process: peers copy entries between replicas but do
-- not add their counters up. Each replica therefore allows ceil(limit / live replicas) of a
-- tenant's requests per period, and the ALB spreading requests evenly makes the sum the
-- tenant's limit. The live count comes from the health checks of the backend
-- "gateway_replicas" (every replica's /healthz, found through the gateway's own headless
-- Service; this replica included), recounted every second by a task. The sample fetch
-- lua.gateway_replicas(N) returns it; N (the configured replica count) until a first count
-- saw any replica up (DNS not answered yet). HAProxy 2.6 has no core.set_var, so the count
-- lives in this file's (shared, lua-load) Lua state.

local BACKEND = "gateway_replicas"
local INTERVAL_MS = 1000
local live = nil

core.register_task(function()
  local backend = core.backends[BACKEND]
  if backend == nil then
    return
  end
  while true do
    local up = 0
    for _, server in pairs(backend.servers) do
      if (server:get_stats().status or ""):find("^UP") then
        up = up + 1
      end
    end
    if up > 0 then
      live = up
    end
    core.msleep(INTERVAL_MS)
  end
end)

core.register_fetches("gateway_replicas", function(txn, configured)
  return live or tonumber(configured) or 1
end)
