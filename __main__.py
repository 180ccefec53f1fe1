"""mcp-fleet: one environment's MCP server fleet. Settings come only from Pulumi.<stack>.yaml."""

import pulumi

import stacks
from components.platform import Platform, PlatformArgs
from gateway.stack_gateway import stack_gateway_config

settings = stacks.load()
platform = Platform("mcp", PlatformArgs(settings=settings))

# Clients reach a server only through the gateway, at its route's canonical URL (the token
# audience): the same configuration the gateway's ConfigMap is rendered from.
gateway = stack_gateway_config(settings)
pulumi.export("environment", settings.environment.value)
pulumi.export("servers", {route.name: gateway.resource_uri(route) for route in gateway.routes})
pulumi.export("load_balancer_dns", platform.load_balancer.dns_name)
