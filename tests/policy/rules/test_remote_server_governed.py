"""remote-server-governed: the gateway's routes to remote hosts against their signed entries.

The passing case is staging's own render (the example remote entry partner-crm); each failing
variant breaks one condition: the entry's signature, owner, SLA, URL, credential Secret or
tenant, or the gateway's TLS, upstream or credential environment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from catalog.provenance import remote_entries_annotations
from catalog.signing import PrivateKey, signature_block
from gateway.render import render
from gateway.stack_gateway import credential_env, remote_servers, stack_gateway_config
from lab.stack import load_stack
from policy.contract import REMOTE_CATALOG_ENTRIES_ANNOTATION
from policy.rules.remote_server_governed import remote_server_governed
from policy.signatures import signed_document
from tests.policy.harness import (
    APPROVER_KEY_ID,
    UNKNOWN,
    resource,
    stack_args,
    trusting,
    violations,
)

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
ROUTE = "partner-crm"
ENV = credential_env(ROUTE)
GATEWAY_LABELS = {"app.kubernetes.io/component": "gateway", "app.kubernetes.io/name": "mcp-gateway"}
TRUSTED = {"trustedKeyIds": [APPROVER_KEY_ID]}
Document = dict[str, Any]


@cache
def rendered() -> str:
    return render(stack_gateway_config(load_stack("staging")))


@cache
def committed_proofs() -> str:
    remotes = {s.name: s.entry for s in remote_servers(load_stack("staging"))}
    return remote_entries_annotations(remotes)[REMOTE_CATALOG_ENTRIES_ANNOTATION]


def config_map(text: str) -> dict[str, Any]:
    return {
        "metadata": {"name": "mcp-gateway", "namespace": "mcp-gateway", "labels": GATEWAY_LABELS},
        "data": {"haproxy.cfg": text},
    }


def gateway(proofs: str | None, secret: tuple[str, str] = ("partner-crm-token", "token")) -> dict:
    annotations = {REMOTE_CATALOG_ENTRIES_ANNOTATION: proofs} if proofs is not None else {}
    reference = {"name": secret[0], "key": secret[1]}
    return {
        "metadata": {
            "name": "mcp-gateway",
            "namespace": "mcp-gateway",
            "labels": GATEWAY_LABELS,
            "annotations": annotations,
        },
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "haproxy",
                            "image": "haproxy",
                            "env": [{"name": ENV, "valueFrom": {"secretKeyRef": reference}}],
                        }
                    ]
                }
            }
        },
    }


def check(
    text: str | None = None,
    proofs: str | None = None,
    config: dict[str, Any] | None = None,
    secret: tuple[str, str] = ("partner-crm-token", "token"),
) -> list[str]:
    resources = [
        resource(CONFIG_MAP, config_map(text or rendered()), name="mcp-gateway-config"),
        resource(
            DEPLOYMENT,
            gateway(committed_proofs() if proofs is None else proofs, secret),
            name="mcp-gateway-deployment",
        ),
    ]
    return violations(remote_server_governed, stack_args(resources, config or TRUSTED))


def committed_document() -> Document:
    proof = json.loads(committed_proofs())[ROUTE]
    return {**proof["entry"], "signature": proof["signature"]}


def resigned(change: Callable[[Document], None], key: PrivateKey) -> str:
    """The committed entry, changed, then signed again by ``key``: only the change is wrong."""
    document = signed_document(committed_document())
    change(document)
    block = signature_block(document, key, "Test Approver")
    return json.dumps({ROUTE: {"entry": document, "signature": block}})


def only(messages: list[str]) -> str:
    assert len(messages) == 1, messages
    prefix = f"remote server {ROUTE!r} (https://mcp.crm.partner.example/mcp): "
    assert messages[0].startswith(prefix), messages[0]
    return messages[0].removeprefix(prefix)


def test_the_rendered_staging_gateway_and_its_signed_remote_pass() -> None:
    assert "server remote mcp.crm.partner.example:443" in rendered()
    assert check() == []


def test_the_same_change_resigned_by_a_trusted_key_passes(test_key: PrivateKey) -> None:
    """The variants below fail for what they change, not for the re-signing."""
    proofs = resigned(lambda d: d.update(description="re-signed as is"), test_key)
    assert check(proofs=proofs, config=trusting(test_key)) == []


def test_a_stack_with_no_remote_route_has_nothing_to_govern() -> None:
    text = render(stack_gateway_config(load_stack("prod")))
    assert check(text=text, proofs="{}") == []


def test_a_route_without_an_entry_is_not_approved() -> None:
    assert "carries no catalog entry" in only(check(proofs="{}"))


def test_an_unsigned_entry_fails() -> None:
    proof = json.loads(committed_proofs())
    del proof[ROUTE]["signature"]
    assert "is unsigned" in only(check(proofs=json.dumps(proof)))


def test_an_entry_changed_after_signing_fails() -> None:
    proof = json.loads(committed_proofs())
    proof[ROUTE]["entry"]["remote"]["sla"]["availability"] = 95
    assert "tampered" in only(check(proofs=json.dumps(proof)))


def test_an_entry_signed_by_a_key_the_stack_does_not_trust_fails(test_key: PrivateKey) -> None:
    proofs = resigned(lambda d: None, test_key)
    assert "which is not trusted here" in only(check(proofs=proofs))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("owner"), "names no owner"),
        (lambda d: d["owner"].update(email=""), "names no owner"),
        (lambda d: d["remote"].pop("sla"), "declares no SLA"),
        (lambda d: d["remote"]["sla"].update(availability=100), "remote.sla.availability"),
        (lambda d: d["remote"]["sla"].update(p95LatencyMs=0), "remote.sla.p95LatencyMs"),
        (
            lambda d: d["remote"].update(url="http://mcp.crm.partner.example/mcp"),
            "is not an https:// URL",
        ),
        (
            lambda d: d["remote"].update(url="https://other.partner.example/mcp"),
            "not to the signed URL https://other.partner.example/mcp",
        ),
        (lambda d: d["remote"].pop("credentialSecret"), "names no credential Secret"),
        (lambda d: d.update(tenants=["research"]), "does not approve tenant 'storefront'"),
        (lambda d: d.pop("remote"), "has no remote block"),
    ],
)
def test_an_entry_missing_a_condition_fails(
    change: Callable[[Document], None], expected: str, test_key: PrivateKey
) -> None:
    proofs = resigned(change, test_key)
    assert expected in only(check(proofs=proofs, config=trusting(test_key)))


def test_a_gateway_that_does_not_verify_the_remote_certificate_fails() -> None:
    text = rendered().replace("ssl verify required", "ssl verify none")
    assert "verify required" in only(check(text=text))


def test_a_gateway_sending_the_route_elsewhere_fails() -> None:
    text = rendered().replace(
        "server remote mcp.crm.partner.example:443", "server remote evil.example:443"
    )
    message = check(text=text)
    assert len(message) == 1
    assert "the gateway sends it to https://evil.example/mcp, not to the signed URL" in message[0]


def test_a_gateway_injecting_no_credential_fails() -> None:
    text = "\n".join(line for line in rendered().splitlines() if f"env({ENV})" not in line)
    assert "injects no credential header" in only(check(text=text))


def test_a_credential_read_from_another_secret_fails() -> None:
    message = only(check(secret=("someone-elses-token", "token")))
    assert message == (
        f"the gateway's {ENV} is not read from Secret 'partner-crm-token' key 'token' "
        "(remote.credentialSecret)"
    )


def test_an_unknown_annotation_during_preview_is_skipped() -> None:
    assert check(proofs=UNKNOWN) == []
