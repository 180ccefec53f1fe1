-- Read a JSON-RPC request body the way the MCP server behind the gateway will read it.
--
-- HAProxy 2.6's json_query takes the first of two duplicate keys and does not decode escaped
-- key names, while Python's json and pydantic take the last and decode them: a body such as
-- {"method":"ping","method":"tools/call",...} or {"meth\u006fd":"tools/call",...} would pass
-- the allow-list unseen and run on the server (reproduced in the lab). lua-cjson decodes like
-- the servers do (last duplicate wins, escapes decoded), so the gateway judges what the server
-- will execute. Sets txn.rpc_kind ("request", "batch", "unparseable") and, for requests,
-- txn.method and txn.tool when they are strings.
local cjson = require("cjson.safe")

core.register_action("mcp_inspect", { "http-req" }, function(txn)
  local body = txn.sf:req_body() or ""
  local document = cjson.decode(body)
  if type(document) ~= "table" then
    txn:set_var("txn.rpc_kind", "unparseable")
    return
  end
  if body:match("^%s*%[") then -- an array: cjson decodes [] and {} alike
    txn:set_var("txn.rpc_kind", "batch")
    return
  end
  txn:set_var("txn.rpc_kind", "request")
  if type(document.method) == "string" then
    txn:set_var("txn.method", document.method)
  end
  local params = document.params
  if document.method == "tools/call" and type(params) == "table" and type(params.name) == "string" then
    txn:set_var("txn.tool", params.name)
  end
end, 0)
