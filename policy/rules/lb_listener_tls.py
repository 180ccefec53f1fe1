"""``lb-listener-tls``: HTTPS listeners use TLS 1.3; HTTP listeners only redirect to HTTPS."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from ..reads import get, is_unknown, items
from ..resource_types import LISTENER, both_modules
from ..rule_config import config_with_defaults

LISTENER_TYPES = both_modules(LISTENER)

SCHEMA = PolicyConfigSchema(
    properties={
        "sslPolicyPrefix": {
            "type": "string",
            "default": "ELBSecurityPolicy-TLS13-",
            "description": "HTTPS listeners use an ELB security policy starting with this.",
        },
    }
)


def _check_tls(protocol: str, policy: Any, prefix: str, report: ReportViolation) -> None:
    if policy is None:
        report(
            f"{protocol} listener sets no ssl policy (AWS's default allows TLS 1.0); "
            f"use a {prefix}* policy",
            None,
        )
    elif not is_unknown(policy) and not (isinstance(policy, str) and policy.startswith(prefix)):
        report(
            f"{protocol} listener uses ssl policy {policy!r}; use a {prefix}* (TLS 1.3) policy",
            None,
        )


def _check_redirect(actions: Any, report: ReportViolation) -> None:
    if is_unknown(actions):
        return
    listed = list(items(actions))
    redirects = [
        action
        for action in listed
        if is_unknown(action)
        or (
            get(action, "type") == "redirect"
            and str(get(action, "redirect", "protocol", default="")).upper() == "HTTPS"
        )
    ]
    if not listed or len(redirects) != len(listed):
        report("the HTTP listener must only redirect to HTTPS (defaultActions: redirect)", None)


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in LISTENER_TYPES:
        return
    config = config_with_defaults(args, SCHEMA)
    protocol = get(args.props, "protocol")
    if is_unknown(protocol):
        return
    protocol = str(protocol or "HTTP").upper()
    if protocol in ("HTTPS", "TLS"):
        prefix = str(config.get("sslPolicyPrefix"))
        _check_tls(protocol, get(args.props, "sslPolicy"), prefix, report)
    elif protocol == "HTTP":
        _check_redirect(get(args.props, "defaultActions"), report)


lb_listener_tls = ResourceValidationPolicy(
    name="lb-listener-tls",
    description="HTTPS listeners use a TLS 1.3 security policy; HTTP listeners only redirect to HTTPS.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
)
