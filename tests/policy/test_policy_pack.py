"""The pack as a whole: its policies' metadata, the per-stack configs, how the CLI starts it,
and the example stacks judged by it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import grpc
import jsonschema
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel

from policy.rules import POLICIES
from policy.trust import key_ring
from tests.policy.harness import (
    CONFIG_DIR,
    NOW,
    REPO,
    deployment,
)

STACKS = ("dev", "staging", "prod")
PACK_DIR = REPO / "policy"


def config_document(stack: str) -> dict[str, Any]:
    return json.loads((CONFIG_DIR / f"{stack}.json").read_text())


def test_every_policy_is_named_described_levelled_and_configurable_with_defaults() -> None:
    names = [policy.name for policy in POLICIES]
    assert len(names) == len(set(names)) == 23
    for policy in POLICIES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name), policy.name
        assert policy.description.endswith(".") and len(policy.description) > 40
        assert isinstance(policy.enforcement_level, EnforcementLevel)
        assert policy.config_schema is not None
        for prop, schema in policy.config_schema.properties.items():
            assert "default" in schema and "description" in schema, f"{policy.name}.{prop}"
            jsonschema.validate(schema["default"], schema)


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_config_configures_every_policy_validly(stack: str) -> None:
    document = config_document(stack)
    assert set(document) == {policy.name for policy in POLICIES}
    for policy in POLICIES:
        assert policy.config_schema is not None
        given = dict(document[policy.name])
        assert given.pop("enforcementLevel") in ("advisory", "mandatory", "disabled")
        schema = {
            "type": "object",
            "properties": policy.config_schema.properties,
            "additionalProperties": False,
        }
        jsonschema.validate(given, schema)
        stage = given.get("stage")
        assert stage in (None, stack)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_catalog_and_slo_policies_are_mandatory_in_staging_and_prod(stack: str) -> None:
    document = config_document(stack)
    for policy in POLICIES:
        if not policy.name.startswith(("catalog-", "slo-")):
            continue
        assert document[policy.name]["enforcementLevel"] == "mandatory", policy.name


@pytest.mark.parametrize("stack", STACKS)
def test_the_trusted_key_ids_resolve_from_the_pack_directory(stack: str) -> None:
    document = config_document(stack)
    for policy in POLICIES:
        assert policy.config_schema is not None
        defaults = {k: v["default"] for k, v in policy.config_schema.properties.items()}
        given = {**defaults, **document[policy.name]}
        if "trustedKeyIds" in given:
            ring = key_ring(given, ids="trustedKeyIds", directory="keysDir", inline="trustedKeys")
            assert ring.key_ids == tuple(sorted(given["trustedKeyIds"]))
        if "trustedPublisherKeyIds" in given:
            ring = key_ring(
                given,
                ids="trustedPublisherKeyIds",
                directory="publisherKeysDir",
                inline="trustedPublisherKeys",
            )
            assert ring.key_ids == tuple(sorted(given["trustedPublisherKeyIds"]))


def test_requirements_pin_the_locked_versions() -> None:
    lock = (REPO / "uv.lock").read_text()
    locked = dict(re.findall(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock))
    for line in (PACK_DIR / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            assert locked[name] == version, name


# --- the pack, started the way the Pulumi CLI starts it ---------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Any]:
    """``python -u -m pulumi.policy ENGINE .`` in policy/, as pulumi-analyzer-policy-python runs it."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=PACK_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.isdigit(), (
            f"the pack printed {line!r}; stderr: {process.stderr.read() if process.stderr else ''}"
        )
        channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        yield proto.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(value)
    return result


def configure(analyzer: Any, stack: str, **overrides: dict[str, Any]) -> None:
    levels = {"advisory": proto.ADVISORY, "mandatory": proto.MANDATORY}
    request = proto.ConfigureAnalyzerRequest()
    for name, given in config_document(stack).items():
        properties = {k: v for k, v in given.items() if k != "enforcementLevel"}
        properties.update(overrides.get(name, {}))
        request.policyConfig[name].CopyFrom(
            proto.PolicyConfig(
                enforcementLevel=levels[given["enforcementLevel"]], properties=struct(properties)
            )
        )
    analyzer.Configure(request)


def test_the_pack_serves_the_analyzer_protocol(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "mcp-fleet" and info.supportsConfig
    assert {p.name for p in info.policies} == {p.name for p in POLICIES}

    configure(analyzer, "prod", **{"catalog-supply-chain": {"now": NOW}})
    kind = "kubernetes:apps/v1:Deployment"
    urn = "urn:pulumi:prod::mcp-fleet::" + kind + "::github"

    good = analyzer.Analyze(
        proto.AnalyzeRequest(type=kind, urn=urn, name="github", properties=struct(deployment()))
    )
    assert [d.message for d in good.diagnostics] == []

    unsigned = deployment({}, image="ghcr.io/acme/rogue:latest")
    bad = analyzer.Analyze(
        proto.AnalyzeRequest(type=kind, urn=urn, name="github", properties=struct(unsigned))
    )
    catalog = [d for d in bad.diagnostics if d.policyName == "catalog-approved-image"]
    assert {d.enforcementLevel for d in catalog} == {proto.MANDATORY}
    messages = " | ".join(d.message for d in catalog)
    assert "not deployed from an approved catalog entry" in messages and "by tag" in messages

    stack = analyzer.AnalyzeStack(
        proto.AnalyzeStackRequest(
            resources=[
                proto.AnalyzerResource(
                    type=kind, urn=urn, name="github", properties=struct(deployment())
                )
            ]
        )
    )
    found = {d.policyName for d in stack.diagnostics}
    assert found == {"workload-disruption-budget", "slo-alarms-present", "rollout-progressive"}


def test_the_pack_starts_from_a_copy_under_any_directory_name(tmp_path: Any) -> None:
    """``pulumi policy publish`` uploads the directory alone; its name is not ``policy``."""
    copy = tmp_path / "published-pack"
    shutil.copytree(PACK_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.isdigit(), process.stderr.read() if process.stderr else ""
        with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
            info = proto.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty())
        assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    finally:
        process.terminate()
        process.wait(timeout=10)
