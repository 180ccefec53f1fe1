"""Build policy arguments exactly as pulumi-policy's analyzer does, and realistic resources.

The analyzer receives properties as a protobuf ``Struct``, turns them into dicts with
``json_format.MessageToDict`` (so every number becomes a float), deserializes them with
``deserialize_properties`` and wraps them in ``unknown_checking_proxy``; ``wire`` does the
same, so a policy meets in tests exactly what it meets under ``pulumi preview``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from catalog import signing
from catalog.load import CATALOG_DIR, load_entry
from catalog.provenance import provenance_annotations
from catalog.signing import PrivateKey, signature_block
from policy.signatures import canonical_json, signed_document

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / "policy" / "config"
APPROVER_KEY_ID = "880b7f8fe7d4ad53"
PUBLISHER_KEY_ID = "db0c328c4b655c79"
UNKNOWN = UNKNOWN_STRING_VALUE
NOW = "2026-11-26"


def wire(props: Mapping[str, Any]) -> Any:
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


class Provider:
    """A stand-in PolicyProviderResource: only ``props`` is read."""

    def __init__(self, props: Mapping[str, Any]) -> None:
        self.props = wire(props)
        self.resource_type = "pulumi:providers:aws"
        self.urn = "urn:pulumi:test::mcp-fleet::pulumi:providers:aws::default"
        self.name = "default"


def urn_of(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::mcp-fleet::{resource_type}::{name}"


def resource_args(
    resource_type: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    *,
    name: str = "subject",
    provider: Any = None,
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource_type,
        wire(props),
        urn_of(resource_type, name),
        name,
        options(),
        provider,
        dict(config) if config is not None else None,
        {},
    )


def resource(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str,
    dependencies: Sequence[PolicyResource] = (),
    property_dependencies: Mapping[str, Sequence[PolicyResource]] | None = None,
    provider: Any = None,
) -> PolicyResource:
    return PolicyResource(
        resource_type,
        wire(props),
        urn_of(resource_type, name),
        name,
        options(),
        provider,
        None,
        list(dependencies),
        {key: list(value) for key, value in (property_dependencies or {}).items()},
    )


def stack_args(
    resources: Sequence[PolicyResource], config: Mapping[str, Any] | None = None
) -> StackValidationArgs:
    return StackValidationArgs(list(resources), dict(config) if config is not None else None, {})


def violations(policy: Policy, args: ResourceValidationArgs | StackValidationArgs) -> list[str]:
    """Messages the policy reports; an exception (including UnknownValueError) fails the test."""
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    result = policy.validate(args, report)  # type: ignore[attr-defined]
    assert result is None, "the pack's policies are synchronous"
    return found


def stack_config(stack: str, policy: str) -> dict[str, Any]:
    """A policy's properties from policy/config/STACK.json (without enforcementLevel)."""
    document = json.loads((CONFIG_DIR / f"{stack}.json").read_text())
    return {k: v for k, v in document.get(policy, {}).items() if k != "enforcementLevel"}


# --- catalog entries and the Deployments that carry them ----------------------------------------


def entry_document(name: str = "github") -> dict[str, Any]:
    """A deep copy of a committed catalog entry document (as YAML parsed it)."""
    return copy.deepcopy(load_entry(CATALOG_DIR / f"{name}.yaml").document)


def signed_annotations(name: str = "github") -> dict[str, str]:
    """The provenance annotations of a committed, signed catalog entry."""
    return provenance_annotations(load_entry(CATALOG_DIR / f"{name}.yaml"))


def annotations_for(document: Mapping[str, Any], key: PrivateKey | None) -> dict[str, str]:
    """Annotations for an entry document signed by ``key`` (unsigned when None)."""
    body = signed_document(document)
    annotations = {"mcp-fleet.io/catalog-entry": canonical_json(body)}
    if key is not None:
        block = signature_block(body, key, "Test Approver")
        annotations["mcp-fleet.io/catalog-signature"] = canonical_json(block)
    return annotations


def labels(
    server: str = "github",
    *,
    environment: str = "prod",
    tenant: str = "storefront",
    success: str = "99.5",
    p95: str = "300",
) -> dict[str, str]:
    return {
        "mcp-fleet.io/environment": environment,
        "mcp-fleet.io/server": server,
        "mcp-fleet.io/tenant": tenant,
        "mcp-fleet.io/owner": "devtools",
        "mcp-fleet.io/tier": "tier-1",
        "mcp-fleet.io/slo-success-rate": success,
        "mcp-fleet.io/slo-p95-ms": p95,
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/name": server,
    }


def container(image: str, name: str = "server") -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "ports": [{"containerPort": 8080}],
        "securityContext": {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {
            "requests": {"cpu": "500m", "memory": "512Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
        "livenessProbe": {"httpGet": {"path": "/livez", "port": 8080}},
    }


def deployment(
    annotations: Mapping[str, str] | None = None,
    *,
    image: str | None = None,
    server: str = "github",
    namespace: str = "mcp-storefront",
    deployment_labels: Mapping[str, str] | None = None,
    containers: list[dict[str, Any]] | None = None,
    strategy: Mapping[str, Any] | None = None,
    replicas: int | None = 4,
) -> dict[str, Any]:
    """Deployment inputs as McpServer declares them (camelCase, as the analyzer sees them)."""
    if annotations is None:
        annotations = signed_annotations(server if server != "github-research" else "github")
    if image is None:
        image = json.loads(annotations["mcp-fleet.io/catalog-entry"])["image"]
    selector = {"app.kubernetes.io/name": server, "mcp-fleet.io/server": server}
    all_labels = dict(deployment_labels) if deployment_labels is not None else labels(server)
    spec: dict[str, Any] = {
        "selector": {"matchLabels": selector},
        "strategy": dict(strategy)
        if strategy is not None
        else {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
        },
        "template": {
            "metadata": {"labels": {**all_labels, **selector}},
            "spec": {
                "securityContext": {
                    "runAsNonRoot": True,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": containers if containers is not None else [container(image)],
            },
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": server,
            "namespace": namespace,
            "labels": all_labels,
            "annotations": dict(annotations),
        },
        "spec": spec,
    }


def with_config(base: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    return {**base, **overrides}


# --- shared by the per-rule tests ---------------------------------------------------------------

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PROD = {"trustedKeyIds": [APPROVER_KEY_ID], "stage": "prod", "now": NOW}
"""The catalog policies' prod config, judged as of the example catalog's day."""


def check(
    policy: Policy, props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> list[str]:
    """The messages ``policy`` reports on one Deployment (prod's catalog config by default)."""
    return violations(policy, resource_args(DEPLOYMENT, props, PROD if config is None else config))


def trusting(key: PrivateKey, **extra: Any) -> dict[str, Any]:
    """Config trusting only ``key`` (inline PEM), for entries signed in the test."""
    pem = signing.public_key_pem(key.public_key())
    return {"trustedKeys": {signing.key_id(key.public_key()): pem}, "now": NOW, **extra}


def tags(server: str = "github", **changes: Any) -> dict[str, str]:
    """A server's standard AWS tags; ``slo_p95_ms="900"`` sets ``mcp-fleet.io/slo-p95-ms``."""
    found = labels(server)
    found.pop("app.kubernetes.io/name")
    for key, value in changes.items():
        found[f"mcp-fleet.io/{key.replace('_', '-')}"] = value
    return found
