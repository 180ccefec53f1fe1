"""``remote-server-governed`` (stack): every remote server the gateway routes to is governed.

A remote server runs elsewhere, so no Deployment vouches for it. The gateway's ConfigMap says
where each route goes; a route to a host outside the cluster must be backed by a catalog
entry carried on the gateway's Deployment (``mcp-fleet.io/remote-catalog-entries``) that
is signed by a key this stack trusts (verified like a server Deployment's entry), approves
the route's tenant, names an owner, an SLA (availability and p95) and the credential
Secret, and whose ``https`` URL is exactly where the gateway sends the route, over
certificate-verified TLS, with the credential read from that Secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .. import kubernetes_views as k8s
from ..catalog_evidence import verified_evidence
from ..gateway_config import COMPONENT_LABEL, GATEWAY_COMPONENT, gateway_config_text
from ..reads import as_number, get, is_unknown
from ..remote_facts import RemoteRoute, remote_entries, remote_routes, secret_reference
from ..resource_types import CONFIG_MAP, DEPLOYMENT
from ..rule_config import config_with_defaults
from ..trust import TRUST_SCHEMA

SCHEMA = PolicyConfigSchema(properties={**TRUST_SCHEMA})


def _owner_problems(entry: Mapping[str, Any]) -> list[str]:
    owner = entry.get("owner")
    team = get(owner, "team") if isinstance(owner, Mapping) else None
    email = get(owner, "email") if isinstance(owner, Mapping) else None
    if isinstance(team, str) and team and isinstance(email, str) and "@" in email:
        return []
    return ["the entry names no owner (owner.team and owner.email)"]


def _sla_problems(remote: Mapping[str, Any]) -> list[str]:
    if not isinstance(get(remote, "sla"), Mapping):
        return ["the entry declares no SLA (remote.sla availability and p95LatencyMs)"]
    availability = as_number(get(remote, "sla", "availability"))
    p95 = as_number(get(remote, "sla", "p95LatencyMs"))
    found = []
    if availability is None or not 0 < availability < 100:
        found.append("remote.sla.availability is not a percentage between 0 and 100")
    if p95 is None or p95 <= 0:
        found.append("remote.sla.p95LatencyMs is not a positive number of milliseconds")
    return found


def _endpoint_problems(route: RemoteRoute, remote: Mapping[str, Any]) -> list[str]:
    url = get(remote, "url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        return [f"remote.url {url!r} is not an https:// URL"]
    found = []
    signed = (parts.hostname, parts.port or 443, parts.path or "/")
    routed = (route.host, route.port or 443, route.path or "/")
    if signed != routed:
        found.append(f"the gateway sends it to {route.endpoint}, not to the signed URL {url}")
    if not route.verified_tls:
        found.append("the gateway does not reach it over TLS with 'ssl verify required'")
    return found


def _credential_problems(
    route: RemoteRoute, remote: Mapping[str, Any], gateway: PolicyResource
) -> list[str]:
    wanted = get(remote, "credentialSecret")
    name, key = get(wanted, "name"), get(wanted, "key")
    if not (isinstance(name, str) and name and isinstance(key, str) and key):
        return ["the entry names no credential Secret (remote.credentialSecret name and key)"]
    if not route.credential_envs:
        return ["the gateway injects no credential header into its requests"]
    found = []
    for env in route.credential_envs:
        reference = secret_reference(gateway.props, env)
        if is_unknown(reference):
            continue
        if get(reference, "name") != name or get(reference, "key") != key:
            found.append(
                f"the gateway's {env} is not read from Secret {name!r} key {key!r} "
                "(remote.credentialSecret)"
            )
    return found


def _entry_problems(
    route: RemoteRoute, proof: Any, config: Mapping[str, Any], gateway: PolicyResource
) -> list[str]:
    if not isinstance(proof, Mapping) or not isinstance(proof.get("entry"), Mapping):
        return ["the gateway carries no catalog entry for it: it is not an approved server"]
    entry = dict(proof["entry"])
    if proof.get("signature") is None:
        return [f"catalog entry {entry.get('name')!r} is unsigned: an approver must sign it"]
    evidence = verified_evidence(entry, proof["signature"], config)
    if not evidence.verified:
        return [evidence.problem]
    remote = entry.get("remote")
    if not isinstance(remote, Mapping):
        return [f"catalog entry {entry.get('name')!r} has no remote block (url, sla, secret)"]
    tenants = entry.get("tenants") or []
    found = (
        [] if route.tenant in tenants else [f"the entry does not approve tenant {route.tenant!r}"]
    )
    found += _owner_problems(entry) + _sla_problems(remote)
    found += _endpoint_problems(route, remote)
    return found + _credential_problems(route, remote, gateway)


def _is_gateway(resource: PolicyResource) -> bool:
    return k8s.labels_of(resource.props).get(COMPONENT_LABEL) == GATEWAY_COMPONENT


def _check_gateway(
    config_map: PolicyResource, text: str, gateways: list[PolicyResource], settings: Any
) -> list[tuple[str, str]]:
    """(message, urn) of every remote route of one gateway configuration that is not governed."""
    routes = remote_routes(text)
    namespace = k8s.namespace_of(config_map.props)
    same = [g for g in gateways if k8s.namespace_of(g.props) in (namespace, None)]
    if routes and not same:
        return [("the gateway's routes have no gateway Deployment beside them", config_map.urn)]
    found = []
    for gateway in same[:1]:
        try:
            proofs = remote_entries(gateway.props)
        except ValueError as error:
            return [(f"gateway Deployment: {error}", gateway.urn)]
        if is_unknown(proofs):
            continue
        for route in routes:
            for problem in _entry_problems(route, proofs.get(route.name), settings, gateway):
                found.append(
                    (f"remote server {route.name!r} ({route.endpoint}): {problem}", gateway.urn)
                )
    return found


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    config = config_with_defaults(args, SCHEMA)
    resources = list(args.resources)
    gateways = [r for r in resources if r.resource_type == DEPLOYMENT and _is_gateway(r)]
    for resource in resources:
        if resource.resource_type != CONFIG_MAP:
            continue
        text = gateway_config_text(resource.props)
        if text is None:
            continue
        for message, urn in _check_gateway(resource, text, gateways, config):
            report(message, urn)


remote_server_governed = StackValidationPolicy(
    name="remote-server-governed",
    description=(
        "Every remote server the gateway routes to has a catalog entry signed by a trusted "
        "key, an owner, an SLA (availability and p95), an https URL the gateway reaches over "
        "verified TLS, and a credential Secret the gateway injects from."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
    remediation_steps=(
        "Route remote servers only from catalog entries with a remote block (url, sla, "
        "credentialSecret) and an owner, signed with `python -m ops catalog sign`; let "
        "Platform render the gateway (it carries the signed entries and the credential env)."
    ),
)
