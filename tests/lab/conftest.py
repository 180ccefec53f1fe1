"""One lab for the e2e tests that only read: the dev stack plus a remote HTTPS server."""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from lab import processes
from lab.ports import free_ports
from lab.stack import PROJECT_DIR
from tests.gateway.haproxy import haproxy_or_skip
from tests.gateway.keys import TlsFiles, self_signed_ca_and_server
from tests.lab.running_lab import RunningLab, start_lab, stop_lab

REMOTE_NAME = "remote-docs"
REMOTE_TENANT = "research"
REMOTE_CREDENTIAL_ENV = "LAB_REMOTE_DOCS_TOKEN"
LAB_RATE_LIMIT = 50
"""Requests per second per tenant in the shared lab: the tests' own pace stays below it."""


@dataclass(frozen=True)
class RemoteServer:
    url: str
    credential: str
    tls: TlsFiles


def _https_ready(url: str, ca_file: Path) -> bool:
    try:
        context = ssl.create_default_context(cafile=str(ca_file))
        return httpx.get(url, verify=context, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def remote_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteServer]:
    """A reference MCP server over HTTPS with its own CA, demanding a bearer credential."""
    directory = tmp_path_factory.mktemp("remote")
    tls = self_signed_ca_and_server(directory, "localhost")
    (port,) = free_ports(1)
    credential = "remote-credential-" + os.urandom(8).hex()
    argv = [sys.executable, "-m", "lab.reference_server", "--server", REMOTE_NAME]
    argv += ["--replica", "r0", "--port", str(port), "--kind", "stateless"]
    argv += ["--certfile", str(tls.cert_file), "--keyfile", str(tls.key_file)]
    argv += ["--require-bearer-env", REMOTE_CREDENTIAL_ENV]
    env = {"PYTHONPATH": str(PROJECT_DIR), REMOTE_CREDENTIAL_ENV: credential}
    started = processes.start("remote", argv, directory / "remote.log", env)
    try:
        probe = lambda: _https_ready(f"https://localhost:{port}/readyz", tls.ca_file)  # noqa: E731
        processes.wait_until({"remote": probe}, {"remote": started}, timeout=60)
        yield RemoteServer(url=f"https://localhost:{port}/mcp", credential=credential, tls=tls)
    finally:
        processes.stop([started])


@pytest.fixture(scope="session")
def dev_lab(
    tmp_path_factory: pytest.TempPathFactory, remote_server: RemoteServer
) -> Iterator[RunningLab]:
    """`python -m lab up --stack dev` with the remote server added, shared by read-only tests."""
    haproxy_or_skip()
    directory = tmp_path_factory.mktemp("lab")
    remotes = directory.parent / "remotes.yaml"
    remotes.write_text(
        yaml.safe_dump(
            [
                {
                    "name": REMOTE_NAME,
                    "url": remote_server.url,
                    "tenant": REMOTE_TENANT,
                    "caFile": str(remote_server.tls.ca_file),
                    "credentialEnv": REMOTE_CREDENTIAL_ENV,
                    "approvedTools": ["echo", "whoami"],
                }
            ]
        )
    )
    env = {REMOTE_CREDENTIAL_ENV: remote_server.credential}
    lab = start_lab(
        directory,
        "--stack",
        "dev",
        "--remotes",
        str(remotes),
        "--rate-limit",
        str(LAB_RATE_LIMIT),
        env=env,
    )
    try:
        yield lab
    finally:
        stop_lab(lab)
