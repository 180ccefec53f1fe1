-- Find the upstream replica a stateful MCP session belongs to, from the session id alone.
--
-- On the way out the gateway prefixes the server's Mcp-Session-Id with the hex of the address
-- that answered ("ip:port", HAProxy's bc_dst and bc_dst_port). Replicas come and go under
-- slot names (server-template r1..rN) that differ from one gateway replica to the next, so
-- the address, not the slot, is what every gateway replica agrees on. On the way in this
-- action looks the address up among *this backend's* servers only (a client cannot steer a
-- request anywhere else) and sets txn.pinned to the slot that holds it. When no live server
-- holds it (the pod is gone, down or in maintenance, or the prefix is not one the gateway
-- wrote) it sets txn.session_gone, and the gateway answers the protocol's 404 "Session not
-- found" itself, so the client re-initializes and no other replica sees a foreign session.

local function decoded(hex)
  if hex == nil or hex == "" or #hex % 2 ~= 0 or hex:find("[^0-9A-F]") then
    return nil
  end
  return (hex:gsub("..", function(pair) return string.char(tonumber(pair, 16)) end))
end

-- "UP", "UP 1/2" (going down), "NOLB", "DRAIN", "no check" still serve their sessions;
-- "DOWN", "DOWN 1/2" (coming up) and "MAINT ..." (e.g. its SRV record vanished) do not.
local function serves(server)
  local status = server:get_stats().status or ""
  return not (status:find("^DOWN") or status:find("^MAINT"))
end

core.register_action("mcp_session_pin", { "http-req" }, function(txn)
  local address = decoded(txn:get_var("txn.session_pin"))
  local backend = core.backends[txn.sf:be_name()]
  if address ~= nil and backend ~= nil then
    for name, server in pairs(backend.servers) do
      if server:get_addr() == address and serves(server) then
        txn:set_var("txn.pinned", name)
        return
      end
    end
  end
  txn:set_var("txn.session_gone", true)
end, 0)
