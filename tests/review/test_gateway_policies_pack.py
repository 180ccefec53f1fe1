"""The gateway and tenant rules through the whole pack (``review.analyze``), as CI runs it.

The example stacks do not deploy the gateway yet, so the gateway's ConfigMap is added to the
rendered prod stack as ``components/gateway.py`` declares it (the real ``gateway.render``
text of prod): intact it passes, broken it fails with ``gateway-routes-authenticated``. A
server Service moved into another tenant's namespace fails with ``tenant-boundary``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import pytest

from gateway.render import render
from gateway.stack_gateway import stack_gateway_config
from lab.stack import load_stack
from review.analyze import PolicyReport
from review.pipeline import ReviewRequest, check_policy
from review.render import RenderedStack
from tests.review.pack_variants import judge_all, with_resources

pytestmark = pytest.mark.xdist_group("review-policy-pack")

Variant = Callable[[RenderedStack], RenderedStack]


def gateway_config_map(text: str) -> Callable[[list[dict[str, Any]]], None]:
    """Add the gateway ConfigMap (a copy of a Kubernetes record, retyped) holding ``text``."""

    def change(resources: list[dict[str, Any]]) -> None:
        template = next(r for r in resources if r["type"] == "kubernetes:core/v1:Service")
        record = copy.deepcopy(template)
        record["type"] = "kubernetes:core/v1:ConfigMap"
        record["name"] = "mcp-gateway-config"
        record["urn"] = (
            template["urn"].rsplit("::", 2)[0]
            + "::kubernetes:core/v1:ConfigMap::mcp-gateway-config"
        )
        props = {
            "metadata": {
                "name": "mcp-gateway",
                "namespace": "mcp-gateway",
                "labels": {"app.kubernetes.io/component": "gateway"},
            },
            "data": {"haproxy.cfg": text, "mcp_inspect.lua": "--"},
        }
        for view in ("wire", "inputs", "outputs"):
            if view in record:
                record[view] = copy.deepcopy(props)
        resources.append(record)

    return change


def moved_service(resources: list[dict[str, Any]]) -> None:
    (service,) = [r for r in resources if r["name"] == "mcp-github-service"]
    for view in ("wire", "inputs", "outputs"):
        if view in service:
            service[view]["metadata"]["namespace"] = "mcp-research"


PROD_GATEWAY = render(stack_gateway_config(load_stack("prod")))
WITHOUT_TOKEN_CHECK = "\n".join(
    line for line in PROD_GATEWAY.splitlines() if not line.rstrip().endswith("if !has_bearer")
)
VARIANTS: dict[str, tuple[Callable[[list[dict[str, Any]]], None], str | None]] = {
    "gateway intact": (gateway_config_map(PROD_GATEWAY), None),
    "gateway without the 401 for no token": (
        gateway_config_map(WITHOUT_TOKEN_CHECK),
        "gateway-routes-authenticated",
    ),
    "gateway with a default backend": (
        gateway_config_map(
            PROD_GATEWAY.replace(
                "frontend mcp\n", "frontend mcp\n    default_backend mcp_github\n", 1
            )
        ),
        "gateway-routes-authenticated",
    ),
    "server Service in another tenant's namespace": (moved_service, "tenant-boundary"),
}


@pytest.fixture(scope="module")
def judged(rendered: Callable[[str], RenderedStack]) -> Mapping[str, PolicyReport]:
    def judge(name: str) -> PolicyReport | None:
        change, _ = VARIANTS[name]
        return check_policy(with_resources(rendered("prod"), change), ReviewRequest("prod"))

    return judge_all({name: partial(judge, name) for name in VARIANTS})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_variant_fails_with_the_rule_that_guards_it_and_only_then(
    variant: str, judged: Mapping[str, PolicyReport]
) -> None:
    _, expected = VARIANTS[variant]
    report = judged[variant]
    failed = {d.policy for d in report.mandatory_violations}
    if expected is None:
        assert report.passed, [f"{d.policy}: {d.message}" for d in report.mandatory_violations]
    else:
        assert failed == {expected}, f"{variant}: failed {sorted(failed)}"
        assert not report.passed
