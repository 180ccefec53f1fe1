"""A lab run's gateway records plus catalog events, archived in moto, searched and verified.

The real gateway (HAProxy, rendered by gateway/) in the real lab (``python -m lab up --stack
dev``): a traced tool call with the official MCP client, an unapproved tool, a request
without a token and a token of the wrong tenant. Both gateway replicas' raw lines (HAProxy's
notices included) are delivered to the audit log group one stream per replica, as Fluent
Bit's audit output sends them (``log_key log``), the catalog events beside them, and the
sealer (``ops audit seal``) archives them, once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import boto3
import httpx
import pytest
import typer
from mcp.shared.exceptions import MCPError
from typer.testing import CliRunner, Result

from ops.audit_cli import audit_app
from tests.audit.audit_log_group import AUDIT_GROUP, CATALOG_STREAM, create_group, deliver
from tests.audit.lab_day import catalog_day
from tests.gateway.haproxy import haproxy_or_skip
from tests.lab.mcp_client import mcp_session, structured
from tests.lab.running_lab import RunningLab, start_lab, stop_lab, wait_for

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lab")]

GATEWAYS = ("gw0", "gw1")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "audit-test", "version": "1"},
    },
}

root = typer.Typer()
root.add_typer(audit_app, name="audit")


@root.callback()
def _root() -> None:
    """Stands in for ``python -m ops``."""


def ops(*args: str) -> Result:
    result = CliRunner().invoke(root, ["audit", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result


def _post(url: str, token: str | None) -> int:
    headers = {"Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(url, json=INITIALIZE, headers=headers, timeout=10).status_code


def _exercise(lab: RunningLab, trace_id: str) -> None:
    """One traced call, then one of each denial the gateway writes for this test."""
    token = lab.token("research", "docs-search")
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"

    async def calls() -> None:
        async with mcp_session(
            lab.servers["docs-search"], token, headers={"traceparent": traceparent}
        ) as session:
            structured(await session.call_tool("whoami", {}))
        async with mcp_session(lab.servers["jira"], lab.token("storefront", "jira")) as session:
            with pytest.raises(MCPError):
                await session.call_tool("delete_everything", {})

    anyio.run(calls)
    assert _post(lab.servers["github"], None) == 401
    assert _post(lab.servers["slack"], lab.token("research", "slack")) == 403


def _logged(lab: RunningLab) -> Callable[[], set[str]]:
    def reasons() -> set[str]:
        lines = [line for gateway in GATEWAYS for line in lab.log_lines(gateway)]
        found = {str(line["denial"]) for line in lines}
        return found | {"whoami" for line in lines if line.get("tool") == "whoami"}

    return reasons


@pytest.fixture
def lab_logs(tmp_path: Path) -> tuple[list[Path], str, datetime]:
    """Run the lab scenario; return both gateway logs, the trace id and when it started."""
    haproxy_or_skip()
    lab = start_lab(tmp_path / "lab", "--stack", "dev")
    try:
        started = datetime.now(UTC).replace(microsecond=0)  # the gateway logs whole seconds
        trace_id = os.urandom(16).hex()
        _exercise(lab, trace_id)
        wanted = {"whoami", "tool-not-approved", "unauthenticated", "forbidden-tenant"}
        wait_for(lambda: wanted <= _logged(lab)(), "the scenario's access-log lines")
        logs = []
        for gateway in GATEWAYS:
            copy = tmp_path / f"{gateway}.log"
            copy.write_bytes(Path(lab.process(gateway).log).read_bytes())
            logs.append(copy)
        return logs, trace_id, started
    finally:
        stop_lab(lab)


def test_a_lab_run_is_archived_searched_and_verified(
    s3: S3Client, locked_bucket: str, lab_logs: tuple[list[Path], str, datetime]
) -> None:
    logs, trace_id, started = lab_logs
    group = boto3.client("logs", region_name="us-east-1")
    create_group(group)
    for gateway, log in zip(GATEWAYS, logs, strict=True):
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        deliver(group, f"node-{gateway}-application.var.log.containers.{gateway}", lines)
    deliver(group, CATALOG_STREAM, [e.model_dump_json() for e in catalog_day()])
    seal = ("seal", "--bucket", locked_bucket, "--log-group", AUDIT_GROUP, "--settle-seconds", "0")
    first = json.loads(ops(*seal, "--format", "json").stdout)
    assert first["sealed"] >= 4 + len(catalog_day())
    assert json.loads(ops(*seal, "--format", "json").stdout)["sealed"] == 0

    def search(*args: str) -> list[dict[str, Any]]:
        found = ops("search", "--bucket", locked_bucket, *args, "--format", "json")
        return [json.loads(line) for line in found.stdout.splitlines()]

    (call,) = [r for r in search("--tool", "whoami") if r["trace_id"] == trace_id]
    assert (call["tenant"], call["result"]) == ("research", "success")
    assert call["resource"] == "servers/docs-search/tools/whoami"
    assert call["ip_address"] == "127.0.0.1"

    window = ["--since", started.isoformat(), "--until", str(datetime.now(UTC) + timedelta(1))]
    research = search("--tenant", "research", *window)
    assert {r["reason"] for r in research} >= {None, "forbidden-tenant"}
    assert {r["tenant"] for r in research} == {"research"}
    (refused,) = [r for r in search("--tool", "delete_everything") if r["tenant"] == "storefront"]
    assert (refused["result"], refused["reason"]) == ("denied", "tool-not-approved")

    promoters = [r["user"] for r in search("--promoted", "github")]
    assert promoters == ["frank@corp.example", "heidi@corp.example"]
    assert "chain intact" in ops("verify", "--bucket", locked_bucket).stdout
