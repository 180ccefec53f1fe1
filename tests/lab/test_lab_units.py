"""The lab's parts on their own: issuer, state file, remotes file, ALB config, processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest

from lab import processes
from lab.alb import render_alb
from lab.errors import LabError
from lab.issuer import EXPIRED_AGO_SECONDS, create_issuer, issue_token
from lab.remotes import load_remotes
from lab.state import LabServer, LabState, StartedProcess, load, save

NOW = 1_800_000_000


def _state(tmp_path: Path) -> LabState:
    return LabState(
        stack="dev",
        public_base_url="http://127.0.0.1:9",
        gateway_config=str(tmp_path / "gateway.cfg"),
        tenants={"storefront": create_issuer("storefront", tmp_path / "keys")},
        servers={
            "github": LabServer(
                url="http://127.0.0.1:9/github/mcp", tenant="storefront", session_mode="stateless"
            )
        },
    )


def _claims(token: str, public_key: str) -> dict[str, Any]:
    return jwt.decode(
        token,
        Path(public_key).read_text(),
        algorithms=["RS256"],
        options={
            "verify_aud": False,
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
        },
    )


def test_tokens_name_the_tenant_issuer_and_the_server_uri(tmp_path: Path) -> None:
    state = _state(tmp_path)
    public = state.tenants["storefront"].public_key
    claims = _claims(issue_token(state, tenant="storefront", server="github", now=NOW), public)
    assert claims["iss"] == "https://storefront.issuer.lab.invalid"
    assert claims["aud"] == "http://127.0.0.1:9/github/mcp"
    assert claims["nbf"] == NOW and claims["exp"] == NOW + 3600
    expired = _claims(
        issue_token(state, tenant="storefront", server="github", expired=True, now=NOW), public
    )
    assert expired["exp"] == NOW - EXPIRED_AGO_SECONDS and expired["nbf"] < expired["exp"]
    other = _claims(
        issue_token(state, tenant="storefront", server="github", audience="urn:x", now=NOW), public
    )
    assert other["aud"] == "urn:x"


def test_the_private_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    tenant = create_issuer("research", tmp_path)
    assert Path(tenant.private_key).stat().st_mode & 0o777 == 0o600


def test_unknown_tenant_or_server_lists_what_exists(tmp_path: Path) -> None:
    state = _state(tmp_path)
    with pytest.raises(LabError, match="this lab has tenants storefront"):
        issue_token(state, tenant="research", server="github")
    with pytest.raises(LabError, match="this lab has servers github"):
        issue_token(state, tenant="storefront", server="jira")


def test_state_round_trips_and_a_broken_file_is_one_message(tmp_path: Path) -> None:
    state = _state(tmp_path)
    save(tmp_path, state)
    assert load(tmp_path) == state
    (tmp_path / "lab.json").write_text("{not json")
    with pytest.raises(LabError, match="not a lab state file"):
        load(tmp_path)


def test_remotes_file_mistakes_name_the_item_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "remotes.yaml"
    path.write_text("name: not-a-list\n")
    with pytest.raises(LabError, match="expected a list of remote servers"):
        load_remotes(path)
    path.write_text(
        "- {name: v, url: 'https://h/mcp', tenant: t, caFile: /c, credentialEnv: V_T, colour: red}\n"
    )
    with pytest.raises(LabError, match=r"\[0\]\.colour: Extra inputs are not permitted"):
        load_remotes(path)
    path.write_text(
        "- {name: v, url: 'https://h:8443/x/mcp', tenant: t, caFile: /c, credentialEnv: V_T}\n"
    )
    monkeypatch.setenv("V_T", "secret")
    (route,) = load_remotes(path)
    assert route.upstream.url == "https://h:8443/x/mcp"  # type: ignore[union-attr]
    assert route.upstream.runtime_dns is False  # type: ignore[union-attr]
    with pytest.raises(LabError, match="cannot read it"):
        load_remotes(tmp_path / "missing.yaml")


def test_alb_balances_over_health_checked_gateways() -> None:
    text = render_alb("127.0.0.1:8000", [("gw0", 8001, 8101), ("gw1", 8002, 8102)])
    assert "    server gw0 127.0.0.1:8001 check port 8101" in text
    assert "    server gw1 127.0.0.1:8002 check port 8102" in text
    assert "option httpchk GET /healthz" in text and "retry-on conn-failure" in text


def test_stop_ends_a_process_and_never_signals_a_stranger_with_its_pid(tmp_path: Path) -> None:
    sleeper = processes.start(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "s.log"
    )
    assert processes.is_running(sleeper)
    stranger = sleeper.model_copy(update={"start_ticks": sleeper.start_ticks + 1})
    assert not processes.is_running(stranger)
    assert processes.stop([stranger]) == []  # a PID that is not ours is left alone
    assert processes.is_running(sleeper)
    assert processes.stop([sleeper]) == ["sleeper"]
    assert not processes.is_running(sleeper)


def test_waiting_fails_fast_with_the_log_of_a_process_that_exited(tmp_path: Path) -> None:
    crash = processes.start(
        "crash",
        [sys.executable, "-c", "print('boom: port in use'); raise SystemExit(3)"],
        tmp_path / "c.log",
    )
    # "exited while starting", not "not ready after": it did not wait out the timeout
    with pytest.raises(LabError, match=r"crash exited while starting(.|\n)*boom: port in use"):
        processes.wait_until({"crash": lambda: False}, {"crash": crash}, timeout=600)


def test_gone_process_is_not_running(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = StartedProcess(name="gone", pid=int(done.stdout), start_ticks=1, log=str(tmp_path / "x"))
    assert not processes.is_running(gone)
