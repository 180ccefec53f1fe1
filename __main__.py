"""mcp-fleet: one environment's MCP server fleet. Settings come only from Pulumi.<stack>.yaml."""

import pulumi

import stacks
from components.platform import Platform, PlatformArgs

settings = stacks.load()
platform = Platform("mcp", PlatformArgs(settings=settings))

pulumi.export("environment", settings.environment.value)
pulumi.export("servers", {server.name: server.hostname for server in settings.servers})
pulumi.export("load_balancer_dns", platform.load_balancer.dns_name)
