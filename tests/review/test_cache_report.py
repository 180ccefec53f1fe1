"""The finished report in the review cache: printed as stored, keyed by all it depends on.

The key tests compute ``report_key`` over a small project and change one input at a time;
the fast-path test stores a report and runs the real command in a fresh interpreter, which
must print it, exit with its status, and import none of the SDK, botocore, the settings
models or the pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from review import cache, report_cache
from review.cli import OutputFormat, output_form
from review.render import PROJECT_DIR
from review.request import ReviewRequest

JSON_FORM = {"format": "json"}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_VARIABLE, str(directory))
    return directory


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project in git: every kind of input a review depends on, and two commits."""
    root = tmp_path / "project"
    files = {
        "Pulumi.yaml": "name: tiny\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  tiny:servers: []\n",
        "__main__.py": "import components.server\n",
        "components/server.py": "REPLICAS = 2\n",
        "uv.lock": "version = 1\n",
        "catalog/servers/github.yaml": "name: github\n",
        "policy/PulumiPolicy.yaml": "runtime: python\nversion: 1.0.0\n",
        "policy/__main__.py": "POLICIES = []\n",
        "policy/config/dev.json": '{"all": "mandatory"}\n',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "first")
    (root / "components/server.py").write_text("REPLICAS = 3\n")
    git(root, "commit", "-q", "-am", "second")
    git(root, "tag", "second")
    return root


def key_of(project: Path, **changes: Any) -> str | None:
    request = ReviewRequest(
        changes.pop("stack", "dev"),
        project_dir=project,
        config_file=changes.pop("config_file", None),
        check_policy=changes.pop("check_policy", True),
    )
    return report_cache.report_key(
        [request], changes.pop("base", None), changes.pop("form", JSON_FORM)
    )


Change = Callable[[Path, pytest.MonkeyPatch], object]
INPUT_CHANGES: dict[str, Change] = {
    "component source": lambda p, _: (p / "components/server.py").write_text("REPLICAS = 9\n"),
    "lock file": lambda p, _: (p / "uv.lock").write_text("version = 2\n"),
    "stack file": lambda p, _: (p / "Pulumi.dev.yaml").write_text("config: {}\n"),
    "catalog entry": lambda p, _: (p / "catalog/servers/github.yaml").write_text("name: gh\n"),
    "new untracked file": lambda p, _: (p / "components/extra.py").write_text("X = 1\n"),
    "pack source": lambda p, _: (p / "policy/__main__.py").write_text("POLICIES = [1]\n"),
    "pack config": lambda p, _: (p / "policy/config/dev.json").write_text('{"all": "advisory"}'),
    "project file": lambda p, _: (p / "Pulumi.yaml").write_text("name: tiny\nruntime: uv\n"),
    "as-of date": lambda _, m: m.setenv("MCP_FLEET_REVIEW_AS_OF", "2027-01-01"),
    "a PULUMI_ variable": lambda _, m: m.setenv("PULUMI_CONFIG_PASSPHRASE", "x"),
    "a new commit": lambda p, _: git(p, "commit", "-q", "--allow-empty", "-m", "third"),
}


@pytest.mark.parametrize("change", sorted(INPUT_CHANGES))
def test_any_input_change_gives_another_report_key(
    change: str, project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = key_of(project)
    assert before is not None and key_of(project) == before, "the key is stable"
    INPUT_CHANGES[change](project, monkeypatch)
    after = key_of(project)
    if change == "a new commit":
        # The same files at another commit render the same: only the base moves a report.
        assert after == before
        return
    assert after != before, f"changing the {change} must miss the stored report"


def test_the_request_base_and_output_form_are_in_the_key(project: Path, cache_dir: Path) -> None:
    given = project.parent / "try.yaml"
    given.write_text("config: {}\n")
    keys = {
        "plain": key_of(project),
        "skip policy": key_of(project, check_policy=False),
        "other stack": key_of(project, stack="prod"),
        "config file": key_of(project, config_file=given),
        "base first": key_of(project, base="first"),
        "base second": key_of(project, base="second"),
        "markdown": key_of(project, form={"format": "markdown"}),
        "text file": key_of(project, form={"format": "text", "to": "file"}),
    }
    assert None not in keys.values()
    assert len(set(keys.values())) == len(keys), keys
    assert key_of(project, base="HEAD") == keys["base second"], "a ref is its commit"
    given.write_text("config:\n  tiny:servers: [a]\n")
    assert key_of(project, config_file=given) != keys["config file"]


def test_an_unknown_base_or_the_cache_off_stores_nothing(project: Path, cache_dir: Path) -> None:
    assert key_of(project, base="no-such-ref") is None, "the review names the bad ref itself"
    with cache.bypassed():
        assert key_of(project) is None


def test_the_console_width_is_in_the_key_a_file_is_not(
    project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    narrow, console = output_form(OutputFormat.TEXT, None)
    assert console is not None and narrow["width"] == 90
    monkeypatch.setenv("COLUMNS", "160")
    wide, _ = output_form(OutputFormat.TEXT, None)
    assert key_of(project, form=narrow) != key_of(project, form=wide)
    to_file, no_console = output_form(OutputFormat.TEXT, project / "out.txt")
    assert no_console is None and to_file == output_form(OutputFormat.TEXT, project / "b.txt")[0]
    assert output_form(OutputFormat.JSON, None)[0] == output_form(OutputFormat.JSON, project)[0]


def test_without_an_as_of_date_tomorrow_is_another_key(
    project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pack judges scan age and exception expiry by today: yesterday's verdict is stale."""
    monkeypatch.delenv("MCP_FLEET_REVIEW_AS_OF", raising=False)
    late_today = dt.datetime(2026, 12, 3, 23, 59, tzinfo=dt.UTC)
    days = iter([late_today, late_today, late_today + dt.timedelta(minutes=2)])

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Clock:  # type: ignore[override]
            return next(days)  # type: ignore[return-value]

    monkeypatch.setattr(cache.dt, "datetime", Clock)
    today = key_of(project)
    assert key_of(project) == today, "the same day, the same key"
    assert key_of(project) != today, "a minute past midnight (UTC), another"
    assert key_of(project, check_policy=False) == key_of(project, check_policy=False)


FAST_PATH = """
import sys
from review.cli import main
try:
    main()
finally:
    heavy = ["pulumi", "botocore", "grpc", "stacks.settings", "review.pipeline", "review.model"]
    sys.stderr.write("IMPORTED " + " ".join(m for m in heavy if m in sys.modules) + "\\n")
"""


@pytest.mark.parametrize("exit_code", [0, 1])
def test_a_stored_report_is_printed_without_importing_the_review(
    exit_code: int, project: Path, cache_dir: Path, tmp_path: Path
) -> None:
    stored = '{\n  "stack": "dev"\n}\n'
    report_cache.store(key_of(project), report_cache.StoredReport(stored, exit_code))
    output = tmp_path / "dev.json"
    command = [sys.executable, "-c", FAST_PATH, "dev", "--format", "json"]
    command += ["--project-dir", str(project), "--output", str(output)]
    done = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True)
    assert done.returncode == exit_code, done.stderr
    assert output.read_text() == stored
    assert done.stderr.strip().endswith("IMPORTED"), done.stderr
    assert json.loads(output.read_text()) == {"stack": "dev"}


def test_a_damaged_report_entry_is_not_trusted(project: Path, cache_dir: Path) -> None:
    key = key_of(project)
    report_cache.store(key, report_cache.StoredReport("text\n", 1))
    assert report_cache.load(key) == report_cache.StoredReport("text\n", 1)
    (entry,) = (cache_dir / report_cache.KIND).glob("*/*.json")
    entry.write_bytes(entry.read_bytes().replace(b"text", b"TEXT"))
    assert report_cache.load(key) is None
    assert report_cache.StoredReport.decode(b'{"no": 1}\nx') is None
