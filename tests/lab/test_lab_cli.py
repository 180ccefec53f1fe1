"""`python -m lab`: one clear line and exit 2 for every user mistake; `down` leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import processes
from lab.state import load
from tests.gateway.haproxy import haproxy_or_skip
from tests.lab.running_lab import run_lab, start_lab

pytestmark = [pytest.mark.xdist_group("lab")]


def _refused(*args: str) -> str:
    result = run_lab(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return " ".join(result.stderr.split())


def test_token_without_a_lab_says_how_to_start_one(tmp_path: Path) -> None:
    message = _refused(
        "token", "--tenant", "storefront", "--server", "github", "--state-dir", str(tmp_path)
    )
    assert f"{tmp_path}/lab.json: no lab runs here" in message
    assert "python -m lab up --stack dev" in message


def test_down_without_a_lab_is_refused(tmp_path: Path) -> None:
    assert "no lab runs here" in _refused("down", "--state-dir", str(tmp_path))


def test_an_unknown_stack_lists_the_stacks(tmp_path: Path) -> None:
    haproxy_or_skip()
    message = _refused("up", "--stack", "qa", "--state-dir", str(tmp_path))
    assert "--stack 'qa'" in message and "use one of: dev, prod, staging" in message


def test_an_unknown_server_lists_the_stack_servers(tmp_path: Path) -> None:
    haproxy_or_skip()
    message = _refused("up", "--server", "gitlab", "--state-dir", str(tmp_path))
    assert "--server gitlab: the stack runs github, jira, slack" in message


def test_an_otlp_endpoint_that_is_not_a_url_is_refused(tmp_path: Path) -> None:
    haproxy_or_skip()
    message = _refused("up", "--otlp-endpoint", "localhost:4318", "--state-dir", str(tmp_path))
    assert "--otlp-endpoint 'localhost:4318': use the OTLP/HTTP base URL" in message
    assert not (tmp_path / "lab.json").exists()  # refused before anything started


def test_a_remote_without_its_credential_is_refused(tmp_path: Path) -> None:
    haproxy_or_skip()
    remotes = tmp_path / "remotes.yaml"
    remotes.write_text(
        "- name: vendor\n  url: https://localhost:1/mcp\n  tenant: research\n"
        "  caFile: /nonexistent.pem\n  credentialEnv: LAB_TEST_UNSET_CREDENTIAL\n"
    )
    message = _refused("up", "--remotes", str(remotes), "--state-dir", str(tmp_path / "s"))
    assert "[0].credentialEnv: LAB_TEST_UNSET_CREDENTIAL is not set" in message
    remotes.write_text("- name: vendor\n  url: http://plain.example/mcp\n")
    message = _refused("up", "--remotes", str(remotes), "--state-dir", str(tmp_path / "s"))
    assert f"--remotes {remotes}: [0]" in message


@pytest.mark.integration
def test_down_stops_everything_and_a_second_up_is_refused_while_running(tmp_path: Path) -> None:
    haproxy_or_skip()
    lab = start_lab(tmp_path, "--stack", "dev", "--server", "github")
    started = lab.state().processes
    assert sorted(process.name for process in started) == [
        "alb",
        "github-r0",
        "github-r1",
        "gw0",
        "gw1",
    ]
    assert "a lab is already running there" in _refused("up", "--state-dir", str(tmp_path))
    result = run_lab("down", "--state-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "stopped 5 processes" in result.stderr
    assert not any(processes.is_running(process) for process in started)
    assert not (tmp_path / "lab.json").exists()
    assert (tmp_path / "logs" / "gw0.log").is_file()  # logs stay for a look


@pytest.mark.integration
def test_a_start_that_fails_half_way_stops_what_it_started(tmp_path: Path) -> None:
    haproxy_or_skip()
    remotes = tmp_path / "remotes.yaml"
    remotes.write_text(
        "- name: vendor\n  url: https://localhost:1/mcp\n  tenant: storefront\n"
        "  caFile: /nonexistent/ca.pem\n  credentialEnv: LAB_TEST_VENDOR_CREDENTIAL\n"
    )
    state_dir = tmp_path / "s"
    result = run_lab(
        "up",
        "--server",
        "github",
        "--remotes",
        str(remotes),
        "--state-dir",
        str(state_dir),
        env={"LAB_TEST_VENDOR_CREDENTIAL": "x"},
    )
    assert result.returncode == 2, result.stderr
    assert "route vendor CA: /nonexistent/ca.pem does not exist" in " ".join(result.stderr.split())
    started = load(state_dir).processes
    assert sorted(process.name for process in started) == ["github-r0", "github-r1"]
    assert not any(processes.is_running(process) for process in started)
