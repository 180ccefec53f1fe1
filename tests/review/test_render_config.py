"""The render derives the stack's config once, as the CLI would, and refuses what it can't see."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from review.render import PROJECT_DIR, RenderedStack, RenderError, render_stack
from review.render_worker import StackFileError, stack_config

PROJECT_FILE = "name: demo\nruntime: python\nconfig:\n  demo:size:\n    default: 3\n"


def project(tmp_path: Path, stack_file: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(PROJECT_FILE)
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_file)
    (tmp_path / "__main__.py").write_text("raise SystemExit('the program must not run')\n")
    return tmp_path


def test_config_is_passed_as_the_engine_passes_it(tmp_path: Path) -> None:
    stack_file = "config:\n  demo:name: x\n  aws:region: eu-west-1\n  demo:list: [1, 2]\n"
    name, config, secrets = stack_config(project(tmp_path, stack_file), "dev")
    assert name == "demo" and secrets == []
    assert config == {
        "demo:size": "3",
        "demo:name": "x",
        "aws:region": "eu-west-1",
        "demo:list": "[1, 2]",
    }


def test_secure_values_are_placeholders_marked_secret(tmp_path: Path) -> None:
    stack_file = "config:\n  demo:token:\n    secure: AAABAxyz\n"
    _, config, secrets = stack_config(project(tmp_path, stack_file), "dev")
    assert config["demo:token"] == "[secret]" and secrets == ["demo:token"]


@pytest.mark.parametrize("imports", ["[acme/prod-settings]", "acme/prod-settings"])
def test_esc_environment_imports_are_refused_not_ignored(tmp_path: Path, imports: str) -> None:
    stack_file = f"environment: {imports}\nconfig:\n  demo:name: x\n"
    directory = project(tmp_path, stack_file)
    with pytest.raises(StackFileError, match="acme/prod-settings") as raised:
        stack_config(directory, "dev")
    assert "Pulumi ESC" in str(raised.value) and "Pulumi.dev.yaml" in str(raised.value)
    with pytest.raises(RenderError) as failed:
        render_stack("dev", directory)
    assert failed.value.bad_input and "environment: imports Pulumi ESC" in str(failed.value)
    assert "\n" not in str(failed.value)


def test_the_render_carries_the_config_it_ran_with(
    rendered: Callable[[str], RenderedStack],
) -> None:
    prod = rendered("prod")
    assert prod.config == stack_config(PROJECT_DIR, "prod")[1]
    assert prod.config["mcp-fleet:environment"] == "prod"
