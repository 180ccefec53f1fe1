"""The analyzer conversation with a real (tiny) pack: launch, config, Analyze, AnalyzeStack."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from review.analyze import (
    PolicyPackError,
    PolicyReport,
    StackConfig,
    analyze_stack,
    stack_config_of,
)
from review.policy_config import PolicyConfigError
from review.render import PROJECT_DIR, RenderedStack
from tests.review.tiny_pack import (
    BUCKET_URN,
    COMPONENT_URN,
    DEPLOYMENT_URN,
    PROJECT,
    PROVIDER_URN,
    ROOT_URN,
    STACK,
    hand_made_stack,
    write_pack,
)

pytestmark = pytest.mark.xdist_group("review-tiny-pack")

STACK_CONFIG = StackConfig(
    project=PROJECT,
    stack=STACK,
    config={"aws:region": "eu-west-1", "proj:password": "[secret]", "proj:size": "3"},
    secret_keys=("proj:password",),
    tags={"pulumi:project": PROJECT, "pulumi:runtime": "python"},
)


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pack(tmp_path_factory.mktemp("tiny-pack"))


@pytest.fixture(scope="module")
def report(pack_dir: Path) -> PolicyReport:
    return analyze_stack(hand_made_stack(), STACK_CONFIG, pack_dir)


def probes(report: PolicyReport) -> dict[str, dict[str, Any]]:
    """What the probe policy saw, by resource name."""
    seen = {}
    for diagnostic in report.diagnostics:
        if diagnostic.policy == "probe":
            body = json.loads(diagnostic.message.split("\n", 1)[1])
            seen[body["name"]] = body
    return seen


def stack_view(report: PolicyReport) -> dict[str, dict[str, Any]]:
    """The resources the stack probe saw, by URN (its first report is the JSON list)."""
    first = next(d for d in report.diagnostics if d.policy == "stack-probe")
    return {r["urn"]: r for r in json.loads(first.message.split("\n", 1)[1])}


def test_the_pack_is_launched_like_the_cli_launches_it(
    report: PolicyReport, pack_dir: Path
) -> None:
    seen = probes(report)["web-deployment"]
    assert Path(seen["cwd"]).resolve() == pack_dir.resolve()
    assert seen["env"] == {
        "PULUMI_PROJECT": PROJECT,
        "PULUMI_STACK": STACK,
        "PULUMI_DRY_RUN": "true",
        "PULUMI_ORGANIZATION": "organization",
    }
    # The stack config as the CLI passes it: namespaced keys, string values, secrets as
    # placeholders (the review cannot decrypt them).
    assert seen["pulumi_config"] == dict(STACK_CONFIG.config)
    assert seen["stack_tags"] == dict(STACK_CONFIG.tags)


def test_the_pack_process_is_stopped_afterwards(report: PolicyReport) -> None:
    pid = probes(report)["web-deployment"]["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_pack_metadata_and_the_manifest_version(report: PolicyReport) -> None:
    assert report.pack == "tiny"
    assert report.version == "1.2.3"  # PulumiPolicy.yaml wins, as with the CLI
    kinds = {policy.name: (policy.kind, policy.enforcement_level) for policy in report.policies}
    assert kinds == {
        "digest-images": ("resource", "mandatory"),
        "probe": ("resource", "advisory"),
        "stack-probe": ("stack", "advisory"),
        "always-violated": ("stack", "mandatory"),
    }
    assert all(d.pack_version == "1.2.3" for d in report.diagnostics)


def test_analyze_gets_every_resource_with_its_inputs(report: PolicyReport) -> None:
    seen = probes(report)
    assert set(seen) == {
        f"{PROJECT}-{STACK}",
        "default_7_51_1",
        "web",
        "k8s",
        "web-deployment",
        "logs",
    }
    deployment = seen["web-deployment"]
    assert deployment["type"] == "kubernetes:apps/v1:Deployment"
    assert deployment["urn"] == DEPLOYMENT_URN
    assert deployment["props"] == ["apiVersion", "kind", "metadata", "spec", "token"]
    assert deployment["secret"] == "s3cr3t"  # secrets arrive marked, and the SDK unwraps them
    assert deployment["parent"] == COMPONENT_URN
    assert deployment["protect"] is True
    assert deployment["ignore_changes"] == ["spec.replicas"]
    # Inputs, not outputs; internal keys never reach an analyzer.
    assert "status" not in deployment["props"]
    assert seen["logs"]["props"] == ["bucketPrefix"]


def test_explicit_and_default_providers_reach_the_pack(report: PolicyReport) -> None:
    seen = probes(report)
    assert seen["web-deployment"]["provider"] == {
        "type": "pulumi:providers:kubernetes",
        "urn": PROVIDER_URN,
        "name": "k8s",
        "props": {"namespace": "apps"},
    }
    assert seen["logs"]["provider"] == {
        "type": "pulumi:providers:aws",
        "urn": f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_7_51_1",
        "name": "default_7_51_1",
        "props": {"region": "eu-west-1", "version": "7.51.1"},
    }


def test_analyze_stack_sees_outputs_parents_dependencies_and_the_root(report: PolicyReport) -> None:
    view = stack_view(report)
    assert view[ROOT_URN]["props"] == ["url"]
    assert view[COMPONENT_URN]["props"] == ["endpoint"]  # a component's registered outputs
    assert view[COMPONENT_URN]["parent"] == ROOT_URN
    deployment = view[DEPLOYMENT_URN]
    assert "status" in deployment["props"]  # outputs, the final state
    assert deployment["parent"] == COMPONENT_URN
    assert deployment["dependencies"] == [PROVIDER_URN]
    assert deployment["provider"] == "k8s"
    assert view[BUCKET_URN]["provider"] == "default_7_51_1"


def test_diagnostics_are_attributed_like_the_cli_attributes_them(report: PolicyReport) -> None:
    by_message = {d.message.split("\n")[-1]: d for d in report.diagnostics}
    tagged = by_message["nginx:1.27 is pinned by tag"]
    assert (tagged.policy, tagged.enforcement, tagged.urn) == (
        "digest-images",
        "mandatory",
        DEPLOYMENT_URN,
    )
    assert tagged.stage == "analyze"
    assert tagged.message.startswith("Images are pinned by digest.")
    assert by_message["about the deployment"].urn == DEPLOYMENT_URN
    assert by_message["about a resource this stack does not have"].urn == ROOT_URN
    assert by_message["always violated"].urn == ROOT_URN
    assert {d.policy for d in report.mandatory_violations} == {"digest-images", "always-violated"}
    assert not report.passed


def test_policy_config_file_levels_and_properties_reach_the_pack(
    pack_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "test.json"
    config.write_text(
        json.dumps(
            {
                "all": "advisory",
                "digest-images": {"enforcementLevel": "mandatory", "allowedImages": ["nginx:1.27"]},
                "always-violated": "disabled",
                "probe": "disabled",
            }
        )
    )
    report = analyze_stack(hand_made_stack(), STACK_CONFIG, pack_dir, config)
    assert report.config["digest-images"].properties == {
        "allowedImages": ["nginx:1.27"],
        "maxContainers": 3,  # the schema default, as the CLI fills it in
    }
    assert report.config["stack-probe"].enforcement_level == "advisory"
    assert {d.policy for d in report.diagnostics} == {"stack-probe"}
    assert report.passed


def test_all_lowers_every_level(pack_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "test.json"
    config.write_text(json.dumps({"all": "advisory"}))
    report = analyze_stack(hand_made_stack(), STACK_CONFIG, pack_dir, config)
    assert {d.enforcement for d in report.diagnostics} == {"advisory"}
    assert report.passed


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"digest-images": {"maxContainers": "three"}},
            "digest-images.maxContainers: 'three' is not of type 'integer'",
        ),
        ({"probe": "strict"}, "probe: 'strict' is not an enforcement level"),
        ([], "a JSON object keyed by policy name"),
    ],
)
def test_a_bad_policy_config_is_refused_with_the_reason(
    pack_dir: Path, tmp_path: Path, document: Any, message: str
) -> None:
    config = tmp_path / "test.json"
    config.write_text(json.dumps(document))
    with pytest.raises(PolicyConfigError) as caught:
        analyze_stack(hand_made_stack(), STACK_CONFIG, pack_dir, config)
    assert message in str(caught.value)
    assert str(config) in str(caught.value)


def test_a_pack_that_fails_to_start_is_reported_with_its_error(tmp_path: Path) -> None:
    broken = write_pack(tmp_path / "broken", main="raise RuntimeError('no policies today')\n")
    with pytest.raises(PolicyPackError) as caught:
        analyze_stack(hand_made_stack(), STACK_CONFIG, broken)
    message = str(caught.value)
    assert "failed to start" in message and "exited with status 1" in message
    assert "no policies today" in message


def test_a_pack_that_prints_before_its_port_is_reported(tmp_path: Path) -> None:
    chatty = write_pack(tmp_path / "chatty", main="print('hello from the pack')\n")
    with pytest.raises(
        PolicyPackError, match="printed b'hello from the pack\\\\n' instead of its port"
    ):
        analyze_stack(hand_made_stack(), STACK_CONFIG, chatty)


def test_a_directory_without_a_pack_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyPackError, match=r"PulumiPolicy\.yaml is missing"):
        analyze_stack(hand_made_stack(), STACK_CONFIG, tmp_path)


def test_only_python_packs_run_offline(tmp_path: Path) -> None:
    node = write_pack(tmp_path / "node", manifest="name: n\nruntime: nodejs\n")
    with pytest.raises(PolicyPackError, match="runtime is 'nodejs'"):
        analyze_stack(hand_made_stack(), STACK_CONFIG, node)


def test_the_stack_config_is_what_the_render_used_with_the_clis_stack_tags(
    rendered: Callable[[str], RenderedStack],
) -> None:
    config = stack_config_of(rendered("prod"), PROJECT_DIR)
    assert config.project == "mcp-fleet" and config.stack == "prod"
    assert config.config["aws:region"] == "eu-west-1"
    assert config.config["mcp-fleet:environment"] == "prod"
    assert json.loads(config.config["mcp-fleet:servers"])[0]["catalog"] == "github"
    assert config.tags["pulumi:project"] == "mcp-fleet"
    assert config.tags["pulumi:runtime"] == "python"
