"""The review CLI turns every bad stack file and unwritable --output into exit 2 and one line.

Exit 1 means "policy violated"; a path that cannot be written is bad input, never that.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from review.cli import EXIT_BAD_INPUT, app, output_problem, write_output
from stacks.stack_file import STACK_FILE_VARIABLE
from tests.stacks.stack_config import PROJECT_DIR


@pytest.fixture(autouse=True)
def _restore_stack_file_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI sets it for --config-file; monkeypatch puts the environment back."""
    monkeypatch.delenv(STACK_FILE_VARIABLE, raising=False)


def review(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("config:\n  aws:region: [eu-west-1\n", "not valid YAML: line 3, column 1"),
        ("config:\n  aws:region: a\n  aws:region: b\n", "key 'aws:region' appears twice"),
        ("- config\n", "a stack file is a YAML mapping with a config: key, not a list"),
        ("config: [1, 2]\n", "config: must be a mapping of settings"),
    ],
)
def test_a_broken_stack_file_is_exit_2_with_one_message(
    tmp_path: Path, text: str, expected: str
) -> None:
    stack_file = tmp_path / "trial.yaml"
    stack_file.write_text(text)
    status, stderr = review("prod", "--config-file", str(stack_file), "--skip-policy")
    assert status == EXIT_BAD_INPUT
    assert stderr.startswith(f"error: {stack_file}: ") and expected in stderr
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 1


def test_a_broken_project_file_is_exit_2_with_one_message(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: mcp-fleet\nname: other\n")
    (tmp_path / "Pulumi.prod.yaml").write_text((PROJECT_DIR / "Pulumi.prod.yaml").read_text())
    status, stderr = review("prod", "--project-dir", str(tmp_path), "--skip-policy")
    assert status == EXIT_BAD_INPUT
    assert stderr == (
        f"error: {tmp_path / 'Pulumi.yaml'}: not valid YAML: line 2, column 1: key 'name' "
        "appears twice (lines 1 and 2); keep one\n"
    )


def test_all_stacks_of_a_project_without_stacks_is_exit_2(tmp_path: Path) -> None:
    status, stderr = review("--all", "--project-dir", str(tmp_path))
    assert status == EXIT_BAD_INPUT
    assert stderr == f"error: {tmp_path}: no stack files (Pulumi.STACK.yaml) to review\n"


def test_settings_errors_name_the_config_file_not_the_default(tmp_path: Path) -> None:
    stack_file = tmp_path / "trial.yaml"
    text = (PROJECT_DIR / "Pulumi.prod.yaml").read_text()
    stack_file.write_text(text.replace("peakRps: 400", "peakRps: .inf"))
    status, stderr = review("prod", "--config-file", str(stack_file), "--skip-policy")
    assert status == EXIT_BAD_INPUT
    assert stderr.startswith(f"error: {stack_file}: mcp-fleet:servers[0].peakRps: ")
    assert "finite number" in stderr and "Pulumi.prod.yaml" not in stderr


def test_output_in_a_missing_directory_is_refused_before_the_review(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "review.json"
    status, stderr = review("prod", "--output", str(target))
    assert status == EXIT_BAD_INPUT
    assert (
        stderr
        == f"error: {target}: --output: the directory {target.parent} does not exist; create it first\n"
    )


def test_output_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    status, stderr = review("prod", "--output", str(tmp_path))
    assert status == EXIT_BAD_INPUT
    assert "--output names a directory; name a file in it" in stderr


def test_a_writable_output_has_no_problem(tmp_path: Path) -> None:
    assert output_problem(tmp_path / "review.md") is None


def test_a_write_that_fails_late_is_exit_2_not_policy_violated(tmp_path: Path) -> None:
    with pytest.raises(typer.Exit) as raised:
        write_output(tmp_path, "report")  # a directory: the write itself fails
    assert raised.value.exit_code == EXIT_BAD_INPUT
