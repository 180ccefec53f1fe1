"""``python -m review STACK``: every example stack in both formats, and the bad-input exits.

The stacks are rendered once per session (``rendered``) and the CLI runs in-process on those
renders; one test runs the real command in a subprocess, end to end, as a newcomer would.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import review.pipeline
from components.labels import ENVIRONMENT, REQUIRED_KEYS, SERVER
from review.cli import app
from review.render import PROJECT_DIR, RenderedStack

STACKS = ("dev", "staging", "prod")
JSON_KEYS = {"project", "stack", "resources", "summary", "servers", "policy", "tenants", "gateway"}
RESOURCE_KEYS = {"urn", "type", "name", "parent", "inputs", "dependencies"}
SERVER_KEYS = {
    "name",
    "tenant",
    "namespace",
    "image",
    "hostname",
    "replicas",
    "capacity",
    "slo",
    "alarms",
    "target_group",
    "binding",
}
POLICY_KEYS = {"policy", "pack", "level", "enforcement", "urn", "message"}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
BINDING = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"


@pytest.fixture
def on_session_renders(
    monkeypatch: pytest.MonkeyPatch, rendered: Callable[[str], RenderedStack]
) -> None:
    """The CLI renders the example stacks from the session cache (each render is a process)."""
    real = review.pipeline.render_stack

    def render_stack(
        stack: str, project_dir: Path = PROJECT_DIR, config_file: Path | None = None
    ) -> RenderedStack:
        if project_dir == PROJECT_DIR and config_file is None and stack in STACKS:
            return rendered(stack)
        return real(stack, project_dir, config_file)

    monkeypatch.setattr(review.pipeline, "render_stack", render_stack)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@cache
def accepts_tags(type_token: str) -> bool:
    """Whether a pulumi-aws resource takes ``tags``: its constructor's inputs say so."""
    _, module_path, class_name = type_token.split(":")
    module_name = module_path.split("/")[0]
    with warnings.catch_warnings():  # loading a module warns about its deprecated classes
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(
            "pulumi_aws" if module_name == "index" else f"pulumi_aws.{module_name}"
        )
        resource_class = getattr(module, class_name)
    return "tags" in inspect.signature(resource_class._internal_init).parameters


def server_label(resource: dict[str, Any]) -> str | None:
    inputs = resource["inputs"]
    identity = inputs.get("tags") or (inputs.get("metadata") or {}).get("labels") or {}
    return identity.get(SERVER)


def images(deployment: dict[str, Any]) -> Iterator[str]:
    spec = deployment["inputs"]["spec"]["template"]["spec"]
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        yield container["image"]


def check_document(document: dict[str, Any], stack: str) -> None:
    """What every example stack's JSON report must show."""
    assert set(document) == JSON_KEYS
    assert (document["project"], document["stack"]) == ("mcp-fleet", stack)
    resources = document["resources"]
    assert all(set(r) == RESOURCE_KEYS for r in resources)
    assert document["summary"]["total"] == len(resources)
    by_type: dict[str, int] = {}
    for resource in resources:
        by_type[resource["type"]] = by_type.get(resource["type"], 0) + 1
    assert document["summary"]["by_type"] == by_type

    deployments = [r for r in resources if r["type"] == DEPLOYMENT]
    assert deployments
    for deployment in deployments:
        for image in images(deployment):
            assert "@sha256:" in image, f"{deployment['name']} runs {image} by tag"

    stack_file = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())
    declared = stack_file["config"]["mcp-fleet:servers"]
    servers = document["servers"]
    assert len(servers) == len(declared)
    # The ALB forwards to the gateway only (issue 11): one target group and one binding,
    # the gateway's, which carry every server's traffic; each server is reached at the
    # gateway's host, the one its route's URL names in the gateway's ConfigMap.
    groups = [r for r in resources if r["type"] == TARGET_GROUP]
    bindings = [r for r in resources if r["type"] == BINDING]
    assert len(groups) == 1 and len(bindings) == 1
    assert bindings[0]["inputs"]["metadata"]["namespace"] == "mcp-gateway"
    urls = {route["server"]: route["resource"] for route in document["gateway"]["routes"]}
    domain = stack_file["config"]["mcp-fleet:network"]["domain"]
    for server in servers:
        assert set(server) == SERVER_KEYS
        name = server["name"]
        assert server["target_group"] == groups[0]["urn"], name
        assert server["binding"] == bindings[0]["urn"], name
        assert urls[name] == f"https://{domain}/{name}/mcp"
        assert server["hostname"] == domain, name
        deployment = next((r for r in deployments if server_label(r) == name), None)
        if deployment is None:  # a remote server: the gateway reaches it, nothing runs here
            assert server["image"] is None and server["namespace"] is None, name
            continue
        assert server["image"] == next(images(deployment))
        assert server["namespace"] == deployment["inputs"]["metadata"]["namespace"]
        capacity = server["capacity"]
        assert set(capacity) == {
            "peak_rps",
            "cores_needed",
            "memory_needed_mb",
            "nodes",
            "requests",
            "limits",
            "min_replicas",
            "max_replicas",
        }
        assert capacity["cores_needed"] > 0 and capacity["nodes"] >= 1
        assert set(capacity["requests"]) == set(capacity["limits"]) == {"cpu", "memory"}
        assert server["replicas"] == {
            "min": capacity["min_replicas"],
            "max": capacity["max_replicas"],
        }
        assert 90 < server["slo"]["tool_success_rate"] < 100
        kinds = {alarm["kind"] for alarm in server["alarms"]}
        assert "latency-p95" in kinds, f"{name} has no latency alarm: {kinds}"

    taggable = [r for r in resources if r["type"].startswith("aws:") and accepts_tags(r["type"])]
    assert len(taggable) > 10
    for resource in taggable:
        tags = resource["inputs"].get("tags") or {}
        missing = set(REQUIRED_KEYS) - set(tags)
        assert not missing, f"{resource['type']} {resource['name']} lacks {sorted(missing)}"
        assert tags[ENVIRONMENT] == stack

    for result in document["policy"]:
        assert set(result) == POLICY_KEYS
        assert result["enforcement"] != "mandatory", result


@pytest.mark.usefixtures("on_session_renders")
@pytest.mark.parametrize("stack", STACKS)
def test_json_report_of_each_example_stack(stack: str) -> None:
    result = run(stack, "--format", "json")
    assert result.exit_code == 0, result.stderr
    check_document(json.loads(result.stdout), stack)


@pytest.mark.usefixtures("on_session_renders")
@pytest.mark.parametrize("stack", STACKS)
def test_text_report_of_each_example_stack(stack: str, tmp_path: Path) -> None:
    output = tmp_path / "review.txt"
    result = run(stack, "--output", str(output))
    assert result.exit_code == 0, result.stderr
    text = output.read_text()
    assert "\x1b[" not in text  # a file gets plain text
    assert text.startswith(f"mcp-fleet / {stack}: ")
    assert "Resources by component and type" in text
    assert "McpServer mcp-github" in text and "kubernetes:apps:Deployment" in text
    assert "policy: mcp-fleet" in text and "passed" in text
    document = json.loads(run(stack, "--format", "json").stdout)
    routes = document["gateway"]["routes"]
    assert "-> target group mcp-lb-gateway (binding mcp-lb-gateway-binding)" in text
    assert "no listener rule" not in text
    for server in document["servers"]:
        assert f"{server['name']}  (tenant {server['tenant']})" in text
        url = next(r["resource"] for r in routes if r["server"] == server["name"])
        assert f"{url} -> gateway" in text  # its route: the URL at the gateway
        if server["image"] is None:  # a remote server: nothing of it runs in the cluster
            continue
        assert server["image"] in text
        low, high = server["replicas"]["min"], server["replicas"]["max"]
        assert f"{low}..{high} (HorizontalPodAutoscaler)" in text
        assert f"{server['capacity']['nodes']} node(s)" in text
        assert f"p95 <= {server['slo']['p95_latency_ms']} ms" in text
    assert "latency-p95" in text


@pytest.mark.usefixtures("on_session_renders")
def test_json_can_go_to_a_file_and_skip_the_pack(tmp_path: Path) -> None:
    output = tmp_path / "dev.json"
    result = run("dev", "--format", "json", "--output", str(output), "--skip-policy")
    assert result.exit_code == 0 and result.stdout == ""
    document = json.loads(output.read_text())
    assert document["policy"] == [] and document["stack"] == "dev"


def test_the_real_command_on_prod_lists_digests_target_groups_bindings_and_tags() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "review", "prod", "--format", "json"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    check_document(json.loads(completed.stdout), "prod")


def test_an_unknown_stack_exits_2_with_one_message() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "review", "qa"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip() == (
        f"error: {PROJECT_DIR / 'Pulumi.qa.yaml'}: no such file; is qa a stack of this project?"
    )


def test_bad_settings_exit_2_with_the_settings_message(tmp_path: Path) -> None:
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())
    document["config"]["mcp-fleet:servers"][0]["peakRps"] = -5
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(yaml.safe_dump(document))
    result = run("prod", "--config-file", str(stack_file))
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith(f"error: {stack_file}: mcp-fleet:servers[0].peakRps"), message
    assert "Traceback" not in message and len(message.splitlines()) == 1


@pytest.mark.usefixtures("on_session_renders")
def test_a_missing_policy_config_given_on_the_command_line_exits_2(tmp_path: Path) -> None:
    result = run("dev", "--policy-config", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "nope.json: no such policy config file" in result.stderr


@pytest.mark.usefixtures("on_session_renders")
def test_a_broken_pack_exits_2_with_its_error(tmp_path: Path) -> None:
    from tests.review.tiny_pack import write_pack

    pack = write_pack(tmp_path / "pack", main="import nonexistent_module_for_the_test\n")
    result = run("dev", "--policy-pack", str(pack))
    assert result.exit_code == 2
    assert "failed to start" in result.stderr
    assert "nonexistent_module_for_the_test" in result.stderr
