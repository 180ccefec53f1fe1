"""The real policy pack, whole, through the analyzer protocol: what CI's ``make review`` runs.

The example stacks pass every mandatory policy. Each broken variant breaks one thing and must
fail with the policy that guards it. Where the break is reachable from the data a user edits
(a catalog entry, a stack file), the variant is a copy of the project with that edit,
rendered and judged like the real one. Where the settings already refuse it (an image by tag
does not load as a catalog entry), or only a program change could produce it (resources
built without components/labels.py), the rendered resources of prod are edited instead: the
pack must still catch what the program would declare.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from catalog.signing import generate_private_key, load_private_key, sign_file, write_blocks
from review.analyze import PolicyReport
from review.cli import app
from review.pipeline import ReviewRequest, check_policy, render
from review.render import PROJECT_DIR, RenderedStack
from tests.review.pack_variants import judge_all

pytestmark = pytest.mark.xdist_group("review-policy-pack")

STACKS = ("dev", "staging", "prod")
APPROVER_KEY = PROJECT_DIR / "catalog" / "keys" / "example-approver.private.pem"
SERVERS = Path("catalog") / "servers"

Mutation = Callable[[Path], None]


def copy_project(destination: Path) -> Path:
    """The project's files, without its environment, history and caches."""
    shutil.copytree(PROJECT_DIR, destination, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    return destination


def edit_entry(change: Callable[[dict[str, Any]], None], name: str) -> Mutation:
    """Change a catalog entry and have the (trusted) example approver re-sign it."""

    def mutate(root: Path) -> None:
        path = root / SERVERS / f"{name}.yaml"
        document = yaml.safe_load(path.read_text())
        change(document)
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        sign_file(path, load_private_key(APPROVER_KEY), "Example Approver")

    return mutate


def edited_after_signing(root: Path) -> None:
    path = root / SERVERS / "github.yaml"
    text = path.read_text()
    changed = text.replace("description: ", "description: Now with write access. ", 1)
    assert changed != text
    path.write_text(changed)


def unsigned(root: Path) -> None:
    write_blocks(root / SERVERS / "jira.yaml", {"signature": None})


def signed_by_an_untrusted_key(root: Path) -> None:
    sign_file(root / SERVERS / "slack.yaml", generate_private_key(), "Mallory")


def weak_backup_bucket(root: Path) -> None:
    path = root / "Pulumi.prod.yaml"
    text = path.read_text()
    assert "objectLock: true" in text
    path.write_text(text.replace("objectLock: true", "objectLock: false"))


def stale_scan(document: dict[str, Any]) -> None:
    document["scan"]["date"] = (dt.date.today() - dt.timedelta(days=400)).isoformat()


def slo_outside_baseline(document: dict[str, Any]) -> None:
    document["slo"] = {"toolSuccessRate": 99.0, "p95LatencyMs": 900}


PROJECT_VARIANTS: dict[str, tuple[Mutation, str]] = {
    "catalog entry edited after signing": (edited_after_signing, "catalog-approved-image"),
    "unsigned catalog entry": (unsigned, "catalog-approved-image"),
    "entry signed by an untrusted key": (signed_by_an_untrusted_key, "catalog-approved-image"),
    "entry not promoted to prod": (
        edit_entry(lambda d: d.update(stages=["dev", "staging"]), "github"),
        "catalog-stage-promoted",
    ),
    "stale vulnerability scan": (edit_entry(stale_scan, "docs-search"), "catalog-supply-chain"),
    "SLO outside the baseline": (
        edit_entry(slo_outside_baseline, "jira"),
        "slo-within-baseline",
    ),
    "weak backup bucket": (weak_backup_bucket, "backup-bucket-hardened"),
}


def with_changed(
    rendered: RenderedStack, name: str, change: Callable[[dict[str, Any]], None]
) -> RenderedStack:
    """``rendered`` with one resource's inputs (wire and plain) and outputs changed alike."""
    resources = copy.deepcopy(rendered.resources)
    matches = [r for r in resources if r["name"] == name]
    assert len(matches) == 1, name
    for view in ("wire", "inputs", "outputs"):
        change(matches[0][view])
    return RenderedStack(rendered.project, rendered.stack, resources, rendered.root)


def run_image(image: str) -> Callable[[dict[str, Any]], None]:
    def change(properties: dict[str, Any]) -> None:
        properties["spec"]["template"]["spec"]["containers"][0]["image"] = image

    return change


def without_slo_tags(properties: dict[str, Any]) -> None:
    del properties["tags"]["mcp-fleet.io/slo-success-rate"]
    del properties["tags"]["mcp-fleet.io/slo-p95-ms"]


def bind_a_server(properties: dict[str, Any]) -> None:
    """The ALB's binding pointed at a server's Service in its tenant namespace."""
    properties["metadata"]["namespace"] = "mcp-storefront"
    properties["spec"]["serviceRef"]["name"] = "github"


RENDER_VARIANTS: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "image by tag": (
        "mcp-github-deployment",
        run_image("ghcr.io/acme-platform/mcp-github:1.8.2"),
        "catalog-approved-image",
    ),
    "image not in the catalog": (
        "mcp-github-deployment",
        run_image("docker.io/library/nginx@sha256:" + "ab" * 32),
        "catalog-approved-image",
    ),
    "missing SLO tags": (
        "mcp-tenant-storefront-secrets-github-config",
        without_slo_tags,
        "slo-tags-present",
    ),
    "a server bound to the load balancer": (
        "mcp-lb-gateway-binding",
        bind_a_server,
        "traffic-via-gateway",
    ),
}


@pytest.fixture(scope="module")
def judged(
    rendered: Callable[[str], RenderedStack], tmp_path_factory: pytest.TempPathFactory
) -> Mapping[str, PolicyReport]:
    """Every stack and variant judged once, two at a time (each is a render and a pack)."""

    def judge_stack(stack: str) -> PolicyReport | None:
        return check_policy(rendered(stack), ReviewRequest(stack))

    def judge_project_variant(name: str) -> PolicyReport | None:
        mutate, _ = PROJECT_VARIANTS[name]
        root = copy_project(tmp_path_factory.mktemp("variant") / "project")
        mutate(root)
        request = ReviewRequest("prod", project_dir=root)
        return check_policy(render(request), request)

    def judge_render_variant(name: str) -> PolicyReport | None:
        resource, change, _ = RENDER_VARIANTS[name]
        return check_policy(with_changed(rendered("prod"), resource, change), ReviewRequest("prod"))

    jobs: list[tuple[str, Callable[[str], PolicyReport | None]]] = [
        *((stack, judge_stack) for stack in STACKS),
        *((name, judge_project_variant) for name in PROJECT_VARIANTS),
        *((name, judge_render_variant) for name in RENDER_VARIANTS),
    ]
    return judge_all({name: partial(judge, name) for name, judge in jobs})


@pytest.mark.parametrize("stack", STACKS)
def test_the_example_stack_passes_every_mandatory_policy(
    stack: str, judged: Mapping[str, PolicyReport]
) -> None:
    report = judged[stack]
    assert report.pack == "mcp-fleet"
    assert len(report.policies) >= 10
    assert report.passed, [f"{d.policy}: {d.message}" for d in report.mandatory_violations]


@pytest.mark.parametrize("variant", [*PROJECT_VARIANTS, *RENDER_VARIANTS])
def test_a_broken_variant_fails_with_the_policy_that_guards_it(
    variant: str, judged: Mapping[str, PolicyReport]
) -> None:
    expected = (
        PROJECT_VARIANTS[variant][1] if variant in PROJECT_VARIANTS else RENDER_VARIANTS[variant][2]
    )
    report = judged[variant]
    failed = {d.policy for d in report.mandatory_violations}
    assert expected in failed, f"{variant}: failed {sorted(failed)}"
    assert not report.passed


def test_what_each_variant_breaks_is_what_it_says(judged: Mapping[str, PolicyReport]) -> None:
    def messages(variant: str) -> str:
        return "\n".join(d.message for d in judged[variant].mandatory_violations)

    assert "tampered" in messages("catalog entry edited after signing")
    assert "unsigned" in messages("unsigned catalog entry")
    assert "not trusted" in messages("entry signed by an untrusted key")
    assert "not prod" in messages("entry not promoted to prod")
    assert "days old" in messages("stale vulnerability scan")
    assert "900 ms" in messages("SLO outside the baseline")
    assert "Object Lock" in messages("weak backup bucket")
    assert "by tag" in messages("image by tag")
    assert "nginx" in messages("image not in the catalog")
    assert "slo-p95-ms" in messages("missing SLO tags")
    assert "registers Service 'github' in namespace 'mcp-storefront'" in messages(
        "a server bound to the load balancer"
    )
    assert {
        d.policy for d in judged["a server bound to the load balancer"].mandatory_violations
    } == {"traffic-via-gateway"}
    # Only the variants that break the catalog entry itself fail the catalog policies.
    assert {d.policy for d in judged["SLO outside the baseline"].mandatory_violations} == {
        "slo-within-baseline"
    }


def test_the_cli_exits_1_and_names_the_violated_policy(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    unsigned(root)
    result = CliRunner().invoke(app, ["prod", "--project-dir", str(root)])
    assert result.exit_code == 1, result.stderr
    assert "FAILED" in result.stdout
    assert "catalog-approved-image" in result.stdout
    assert "jira" in result.stdout
