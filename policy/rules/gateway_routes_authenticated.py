"""``gateway-routes-authenticated``: no request reaches a route without a verified token.

Read from the rendered configuration in the gateway's ConfigMap: the bearer-token check and
both 401 answers (no token; a token that does not verify, has expired or names another
audience) must stand in ``frontend mcp`` for every request, and nothing may let a request
past them (``http-request allow``, a ``default_backend``, a ``use_backend`` with no route
condition), because HAProxy chooses the backend only after every ``http-request`` rule ran.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from ..gateway_config import backends_used, gateway_config_text, section
from ..resource_types import CONFIG_MAP

REQUIRED = (
    ("the bearer-token acl", lambda line: line == "acl has_bearer http_auth_bearer -m found"),
    (
        "the 401 for a request without a token",
        lambda line: (
            line.startswith("http-request return status 401") and line.endswith("if !has_bearer")
        ),
    ),
    (
        "the 401 for a token that does not verify",
        lambda line: (
            line.startswith("http-request return status 401") and "unauthenticated" in line
        ),
    ),
)


def problems(text: str) -> list[str]:
    """What in the configuration lets a request through unauthenticated, in words."""
    lines = section(text, "frontend mcp")
    if not lines:
        return ["the configuration has no 'frontend mcp' section"]
    found = [f"{what} is missing" for what, test in REQUIRED if not any(map(test, lines))]
    found += [
        f"'{line}' lets requests past the token checks"
        for line in lines
        if line.startswith(("http-request allow", "default_backend", "http-request use-service"))
    ]
    found += [
        f"use_backend {backend} has no route condition"
        for backend, condition in backends_used(lines)
        if not condition
    ]
    return found


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CONFIG_MAP:
        return
    text = gateway_config_text(args.props)
    if text is None:
        return
    found = problems(text)
    if found:
        report("gateway routes reachable without authentication: " + "; ".join(found), None)


gateway_routes_authenticated = ResourceValidationPolicy(
    name="gateway-routes-authenticated",
    description=(
        "Every route of the MCP gateway requires a verified bearer token from the route's "
        "tenant issuer before any request is forwarded (401 otherwise)."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={}),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Render the gateway's configuration with gateway.render (components/gateway.py does) "
        "instead of editing it; do not add allow rules, a default_backend or unconditional "
        "use_backend lines to 'frontend mcp'."
    ),
)
