"""Remote MCP servers the lab routes to, described in a small YAML file (``--remotes``).

Each item: ``name``, ``url`` (https), ``tenant``, ``caFile``, ``credentialEnv`` (the variable
holding the credential the gateway injects; it must be set where `lab up` runs),
``sessionMode`` (default stateless) and ``approvedTools``. The catalog will carry these
fields for real remote entries; the lab takes them from a file so a test can point the
gateway at an HTTPS server it just started.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.model import RemoteUpstream, Route, SessionMode
from lab.errors import LabError


class RemoteEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str
    url: str
    tenant: str
    ca_file: str = Field(alias="caFile")
    credential_env: str = Field(alias="credentialEnv")
    session_mode: SessionMode = Field(default=SessionMode.STATELESS, alias="sessionMode")
    approved_tools: tuple[str, ...] = Field(default=(), alias="approvedTools")


def _route(entry: RemoteEntry) -> Route:
    return Route(
        name=entry.name,
        tenant=entry.tenant,
        session_mode=entry.session_mode,
        approved_tools=entry.approved_tools,
        upstream=RemoteUpstream(
            url=entry.url,
            ca_file=entry.ca_file,
            credential_env=entry.credential_env,
            runtime_dns=False,  # lab remotes live on loopback: /etc/hosts, never DNS
        ),
    )


def load_remotes(path: Path) -> tuple[Route, ...]:
    """Routes for the file's remotes; every mistake names the file, the item and the fix."""
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as error:
        raise LabError(f"--remotes {path}: cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise LabError(f"--remotes {path}: not valid YAML: {error}") from None
    if not isinstance(document, list):
        raise LabError(f"--remotes {path}: expected a list of remote servers at the top level")
    routes: list[Route] = []
    for index, item in enumerate(document):
        try:
            entry = RemoteEntry.model_validate(item)
            routes.append(_route(entry))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise LabError(f"--remotes {path}: [{index}].{where}: {first['msg']}") from None
        if not os.environ.get(entry.credential_env):
            raise LabError(
                f"--remotes {path}: [{index}].credentialEnv: {entry.credential_env} is not set; "
                "export the remote's credential in it before `lab up`"
            )
    return tuple(routes)
