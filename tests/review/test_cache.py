"""The review cache: a re-review gives the same bytes without rendering, and stays honest.

The invalidation tests run ``render_stack`` and the policy step with a counting stand-in for
the render worker and the pack (what they would compute is beside the point: whether they run
again is the question), over a small project in a temporary directory. The byte-identity tests
run the real command on a copy of this project, so edits elsewhere cannot disturb them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import review.pipeline
import review.render
from review import cache
from review.analyze import PolicyDiagnostic, PolicyReport
from review.cli import app
from review.pipeline import ReviewRequest, check_policy
from review.policy_config import DeclaredPolicy, PolicyConfig
from review.render import PROJECT_DIR, RenderedStack, render_stack
from review.source_identity import directory_identity
from review.streamed_analysis import StreamedAnalysis

COPY_SKIP = {".git", ".venv", "__pycache__", "node_modules", ".mypy_cache", ".pytest_cache"}
COPY_SKIP |= {".ruff_cache", ".benchmarks", ".cache", ".hypothesis"}
COPY_SKIP_AT_TOP = {"out", "build", "tools"}


class Counter:
    def __init__(self) -> None:
        self.calls = 0


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_VARIABLE, str(directory))
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: every kind of input a render or an analysis depends on."""
    root = tmp_path / "project"
    files = {
        "Pulumi.yaml": "name: tiny\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  tiny:servers: []\n",
        "__main__.py": "import components.server\n",
        "components/server.py": "REPLICAS = 2\n",
        "uv.lock": "version = 1\n",
        "catalog/servers/github.yaml": "name: github\nimage: ghcr.io/acme/github@sha256:aa\n",
        "policy/PulumiPolicy.yaml": "runtime: python\nversion: 1.0.0\n",
        "policy/__main__.py": "POLICIES = []\n",
        "policy/config/dev.json": '{"all": "mandatory"}\n',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts real renders: the worker is replaced by one that answers a fixed stack."""
    counter = Counter()

    def fake_worker(stack: str, project_dir: Path, config_file: Path | None) -> bytes:
        counter.calls += 1
        return json.dumps({"project": "tiny", "stack": stack, "resources": []}).encode()

    monkeypatch.setattr(review.render, "run_worker", fake_worker)
    return counter


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts real policy analyses; the stand-in report has a bit of every field."""
    counter = Counter()
    policy = DeclaredPolicy("p", "a policy", "mandatory", "high", "stack", {"now": {}}, ("now",))
    diagnostic = PolicyDiagnostic("p", "pack", "1.0.0", "mandatory", "high", "urn:x", "m", "s")

    def fake_analyze(*args: object) -> PolicyReport:
        counter.calls += 1
        config = {"p": PolicyConfig("mandatory", {"now": "2026-11-26", "n": 1.5})}
        return PolicyReport("pack", "1.0.0", (policy,), config, (diagnostic,), (("q", "why"),))

    monkeypatch.setattr(review.pipeline, "analyze_stack", fake_analyze)
    return counter


RENDER_INPUTS: dict[str, Callable[[Path, pytest.MonkeyPatch], object]] = {
    "component source": lambda p, _: (p / "components/server.py").write_text("REPLICAS = 3\n"),
    "lock file": lambda p, _: (p / "uv.lock").write_text("version = 2\n"),
    "stack file": lambda p, _: (p / "Pulumi.dev.yaml").write_text("config: {}\n"),
    "catalog entry": lambda p, _: (p / "catalog/servers/github.yaml").write_text("name: gh\n"),
    "new source file": lambda p, _: (p / "components/extra.py").write_text("X = 1\n"),
    "deleted source file": lambda p, _: (p / "components/server.py").unlink(),
    "as-of date": lambda _, m: m.setenv("MCP_FLEET_REVIEW_AS_OF", "2027-01-01"),
    "stack file variable": lambda _, m: m.setenv("MCP_FLEET_STACK_FILE", "other.yaml"),
}


@pytest.mark.parametrize("change", sorted(RENDER_INPUTS))
def test_a_change_to_any_render_input_renders_again(
    change: str, project: Path, cache_dir: Path, renders: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = render_stack("dev", project)
    again = render_stack("dev", project)
    assert renders.calls == 1, "an unchanged stack is rendered once"
    assert again == first and again.cache_key == first.cache_key

    RENDER_INPUTS[change](project, monkeypatch)
    changed = render_stack("dev", project)
    assert renders.calls == 2, f"changing the {change} must render again"
    assert changed.cache_key != first.cache_key


def test_an_unrelated_variable_and_the_cache_location_do_not_invalidate(
    project: Path, cache_dir: Path, renders: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = render_stack("dev", project).cache_key
    monkeypatch.setenv("SOME_UNRELATED_VARIABLE", "1")
    assert render_stack("dev", project).cache_key == key
    assert renders.calls == 1


def test_a_given_stack_file_is_keyed_by_its_content(
    project: Path, cache_dir: Path, renders: Counter, tmp_path: Path
) -> None:
    other = tmp_path / "try.yaml"
    other.write_text("config: {}\n")
    render_stack("dev", project, other)
    render_stack("dev", project, other)
    assert renders.calls == 1
    other.write_text("config:\n  tiny:servers: [a]\n")
    render_stack("dev", project, other)
    assert renders.calls == 2


POLICY_INPUTS: dict[str, Callable[[Path, pytest.MonkeyPatch], object]] = {
    "pack source": lambda p, _: (p / "policy/__main__.py").write_text("POLICIES = [1]\n"),
    "pack config": lambda p, _: (p / "policy/config/dev.json").write_text('{"all": "advisory"}'),
    "as-of date": lambda _, m: m.setenv("MCP_FLEET_REVIEW_AS_OF", "2027-01-01"),
}


@pytest.mark.parametrize("change", sorted(POLICY_INPUTS))
def test_a_change_to_the_pack_or_its_config_analyzes_again(
    change: str,
    project: Path,
    cache_dir: Path,
    renders: Counter,
    analyses: Counter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = ReviewRequest("dev", project_dir=project)
    first = check_policy(render_stack("dev", project), request)
    again = check_policy(render_stack("dev", project), request)
    assert analyses.calls == 1, "an unchanged stack and pack are analyzed once"
    assert again == first, "the cached report is the report, field for field"

    POLICY_INPUTS[change](project, monkeypatch)
    check_policy(render_stack("dev", project), request)
    assert analyses.calls == 2, f"changing the {change} must analyze again"


def test_no_cache_neither_reads_nor_writes(
    project: Path, cache_dir: Path, renders: Counter
) -> None:
    with cache.bypassed():
        render_stack("dev", project)
        uncached = render_stack("dev", project)
    assert renders.calls == 2
    assert uncached.cache_key == ""
    assert not cache_dir.exists()


def entry_of(cache_dir: Path, kind: str) -> Path:
    (entry,) = (cache_dir / kind).glob("*/*.json")
    return entry


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "empty", "not json"])
def test_a_corrupt_entry_is_ignored_and_rewritten(
    damage: str, project: Path, cache_dir: Path, renders: Counter
) -> None:
    first = render_stack("dev", project)
    entry = entry_of(cache_dir, "render")
    data = entry.read_bytes()
    damaged = {
        "flipped byte": data[:-3] + bytes([data[-3] ^ 0x01]) + data[-2:],
        "truncated": data[: len(data) - 10],
        "empty": b"",
        "not json": b"garbage\n" + data.partition(b"\n")[2],
    }[damage]
    entry.write_bytes(damaged)
    assert cache.load("render", first.cache_key) is None

    assert render_stack("dev", project) == first
    assert renders.calls == 2, "a corrupt entry is never trusted"
    assert entry.read_bytes() == data, "and it is rewritten whole"
    render_stack("dev", project)
    assert renders.calls == 2


WRITER = """
import sys
from review import cache
payload = bytes(range(256)) * (4 * 4096)
for _ in range(int(sys.argv[1])):
    cache.store("render", sys.argv[2], payload)
"""


def test_two_processes_writing_one_entry_leave_it_whole(cache_dir: Path) -> None:
    key = "ab" + "0" * 62
    payload = bytes(range(256)) * (4 * 4096)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, "30", key], cwd=PROJECT_DIR)
        for _ in range(2)
    ]
    seen = set()
    while any(writer.poll() is None for writer in writers):
        found = cache.load("render", key)
        seen.add(found is None or found == payload)
    assert [writer.wait() for writer in writers] == [0, 0]
    assert seen <= {True}, "a reader never sees a half-written entry as valid"
    assert cache.load("render", key) == payload
    assert [p.name for p in (cache_dir / "render" / "ab").iterdir()] == [f"{key}.json"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def repository(project: Path) -> Path:
    git(project, "init", "-q")
    git(project, "config", "user.email", "t@example.com")
    git(project, "config", "user.name", "t")
    (project / ".gitignore").write_text("ignored/\n")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "base")
    return project


def test_in_git_the_identity_is_what_git_sees(repository: Path, tmp_path: Path) -> None:
    clean = directory_identity(repository)
    (repository / "ignored").mkdir()
    (repository / "ignored/out.txt").write_text("build output\n")
    assert directory_identity(repository) == clean, "ignored files are not read"
    (repository / "components/new.py").write_text("X = 1\n")
    untracked = directory_identity(repository)
    assert untracked != clean, "an untracked file counts"
    (repository / "components/new.py").unlink()
    assert directory_identity(repository) == clean
    source = repository / "components/server.py"
    source.write_text("REPLICAS = 9\n")
    modified = directory_identity(repository)
    assert modified not in (clean, untracked)
    source.write_text("REPLICAS = 2\n")
    assert directory_identity(repository) == clean, "content, not timestamps"

    # A pull request's base: a clean checkout of the same commit elsewhere is the same input.
    base = tmp_path / "base"
    git(repository, "worktree", "add", "-q", "--detach", str(base), "HEAD")
    assert directory_identity(base) == clean
    (base / "uv.lock").write_text("version = 3\n")
    assert directory_identity(base) != clean


def test_the_cache_directory_inside_the_project_is_not_an_input(
    repository: Path, renders: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_VARIABLE, str(repository / "review-cache"))
    first = render_stack("dev", repository).cache_key
    assert (repository / "review-cache").is_dir()
    assert render_stack("dev", repository).cache_key == first
    assert renders.calls == 1


# -- the real command: byte-identical reports ----------------------------------------------


def _skip(directory: str, names: list[str]) -> set[str]:
    at_top = Path(directory) == PROJECT_DIR
    return {n for n in names if n in COPY_SKIP or (at_top and n in COPY_SKIP_AT_TOP)}


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This project as it is now, copied: other people's edits cannot change it mid-test."""
    copy = tmp_path_factory.mktemp("review-cache") / "project"
    shutil.copytree(PROJECT_DIR, copy, ignore=_skip, symlinks=True)
    yield copy


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_cached_review_is_byte_identical_and_renders_nothing(
    stack: str,
    project_copy: Path,
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker, analyze = Counter(), Counter()
    real_worker, real_analyze = review.render.run_worker, review.pipeline.analyze_stack

    def counted_worker(*args: object, **kwargs: object) -> bytes:
        worker.calls += 1
        return real_worker(*args, **kwargs)  # type: ignore[arg-type]

    def counted_analyze(*args: object, **kwargs: object) -> PolicyReport:
        analyze.calls += 1
        return real_analyze(*args, **kwargs)  # type: ignore[arg-type]

    streamed: list[int] = []
    real_finish = StreamedAnalysis.finish

    def counted_finish(self: StreamedAnalysis, rendered: RenderedStack) -> PolicyReport:
        analyze.calls += 1
        report = real_finish(self, rendered)
        streamed.append(self.streamed)
        return report

    monkeypatch.setattr(review.render, "run_worker", counted_worker)
    monkeypatch.setattr(review.pipeline, "analyze_stack", counted_analyze)
    monkeypatch.setattr(StreamedAnalysis, "finish", counted_finish)
    runner = CliRunner()

    def run(name: str, *extra: str) -> tuple[int, bytes]:
        output = tmp_path / f"{name}.json"
        arguments = [stack, "--format", "json", "--output", str(output)]
        result = runner.invoke(app, [*arguments, "--project-dir", str(project_copy), *extra])
        assert result.exit_code in (0, 1), result.output
        return result.exit_code, output.read_bytes()

    uncached = run("first")
    assert (worker.calls, analyze.calls) == (1, 1)
    assert streamed and streamed[0] > 0, "the pack judged resources while the program ran"
    cached = run("again")
    assert (worker.calls, analyze.calls) == (1, 1), "the re-review rendered or analyzed"
    assert cached == uncached, "the cached review differs from the one that filled the cache"
    assert json.loads(cached[1])["stack"] == stack

    if stack != "dev":
        return
    bypassed = run("no-cache", "--no-cache")
    assert (worker.calls, analyze.calls) == (2, 2), "--no-cache renders and analyzes afresh"
    assert bypassed == uncached, "two renders of the same inputs differ (resource order?)"


PROVIDER = "pulumi:providers:kubernetes"


def record(urn_name: str, type_token: str) -> dict[str, object]:
    urn = f"urn:pulumi:dev::tiny::{type_token}::{urn_name}"
    return {"urn": urn, "type": type_token, "name": urn_name, "parent": None}


def test_resources_come_in_one_order_whatever_order_they_registered_in(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK registers from asyncio tasks: the arrival order varies, the report must not."""
    records = [
        record("b", "aws:s3/bucket:Bucket"),
        record("cluster", PROVIDER),
        record("a", "kubernetes:core/v1:Namespace"),
        record("a", "aws:s3/bucket:Bucket"),
        record("a", "mcp-fleet:fleet:McpServer"),
    ]
    orders = [records, records[::-1], records[2:] + records[:2]]

    def worker(stack: str, project_dir: Path, config_file: Path | None) -> bytes:
        resources = orders.pop()
        return json.dumps({"project": "tiny", "stack": stack, "resources": resources}).encode()

    monkeypatch.setattr(review.render, "run_worker", worker)
    with cache.bypassed():
        renders = [render_stack("dev", project) for _ in range(3)]
    assert renders[0] == renders[1] == renders[2]
    assert [(r["type"], r["name"]) for r in renders[0].resources] == [
        (PROVIDER, "cluster"),  # a provider before the resources that name it
        ("aws:s3/bucket:Bucket", "a"),
        ("aws:s3/bucket:Bucket", "b"),
        ("kubernetes:core/v1:Namespace", "a"),
        ("mcp-fleet:fleet:McpServer", "a"),
    ]


def test_a_render_whose_inputs_changed_while_it_ran_is_not_stored(
    project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = Counter()

    def editing_worker(stack: str, project_dir: Path, config_file: Path | None) -> bytes:
        calls.calls += 1
        (project_dir / "components/server.py").write_text(f"REPLICAS = {calls.calls + 5}\n")
        return json.dumps({"project": "tiny", "stack": stack, "resources": []}).encode()

    monkeypatch.setattr(review.render, "run_worker", editing_worker)
    render_stack("dev", project)
    assert not (cache_dir / "render").exists(), "a render of inputs that moved is not kept"
