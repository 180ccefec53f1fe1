"""Render one stack of a Pulumi project under Pulumi's mock runtime; print JSON records.

Run as a script in its own process (``python review/render_worker.py --project-dir DIR
--stack STACK``) so that the program's modules come from DIR alone: rendering a base
revision in a git worktree must run that revision's code, not the code already imported
from the working tree. This file therefore imports nothing from the project.

The config is handed to the program as the Pulumi CLI hands it over: ``namespace:key``
keys, structured values as JSON text, project defaults from Pulumi.yaml, and ``secure:``
values replaced by placeholders (the review has no key to decrypt them) and marked secret.
It is set with the SDK's public ``pulumi.runtime.set_all_config`` and derived here once per
render: the output carries it (``config``) so planning and the policy check reuse it. A stack
file that imports Pulumi ESC environments (``environment:``) is refused with one message:
their values live in Pulumi Cloud and cannot be resolved offline, and rendering without
them would review a different stack.

The program runs through public SDK surfaces: ``pulumi.runtime.set_mocks`` with a recording
``MockMonitor``, ``pulumi.runtime.test`` to run it to completion, ``get_root_resource`` and
``rpc.serialize_properties`` for the exports, ``rpc.UNKNOWN`` and ``rpc.is_rpc_secret`` to read
wire values. The one wire marker with no public name, the resource-reference signature, is
read from the SDK (``rpc._special_resource_sig``), not copied.

Each resource record holds ``urn``, ``type``, ``name``, ``parent``, ``custom``, ``provider``
(a ``URN::id`` reference, None for a default provider), ``version`` (of the package the SDK
registered it with), ``inputs`` (plain JSON), ``dependencies``, ``options``,
``propertyDependencies``, ``wire`` (the inputs' protobuf Struct as ``MessageToDict``, so
``ParseDict`` gives the engine's wire form back), ``outputs`` (wire form of the state the
engine would hold: the mock's answer, or a component's registered outputs) and ``id``. The
``root`` entry is the root stack: its URN and the program's exports as its outputs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"
EXIT_BAD_INPUT = 2


class StackFileError(Exception):
    """The stack file asks for something an offline render cannot honour."""


def stack_config(
    project_dir: Path, stack: str, config_file: Path | None = None
) -> tuple[str, dict[str, str], list[str]]:
    """(project name, config as the engine would pass it, secret keys)."""
    project_doc = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    project = project_doc["name"]
    config: dict[str, str] = {}
    secrets: list[str] = []

    def put(key: str, value: Any) -> None:
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full] = SECRET_PLACEHOLDER
            secrets.append(full)
        elif isinstance(value, str):
            config[full] = value
        else:
            config[full] = json.dumps(value)

    for key, declared in (project_doc.get("config") or {}).items():
        if isinstance(declared, dict) and "default" in declared:
            put(key, declared["default"])
        elif not isinstance(declared, dict):
            put(key, declared)
    path = config_file or project_dir / f"Pulumi.{stack}.yaml"
    stack_doc = yaml.safe_load(path.read_text()) or {}
    if isinstance(stack_doc, dict) and stack_doc.get("environment"):
        raise StackFileError(
            f"{path}: environment: imports Pulumi ESC environments "
            f"({_environment_names(stack_doc['environment'])}), which only Pulumi Cloud can "
            "resolve; the offline review cannot see their values. Put the settings the review "
            "needs under config: in this file, or review with `pulumi preview --policy-pack "
            "policy`"
        )
    for key, value in (stack_doc.get("config") or {}).items():
        put(key, value)
    return project, config, secrets


def _environment_names(imports: Any) -> str:
    names = imports if isinstance(imports, list) else [imports]
    return ", ".join(str(name) for name in names)


def account_of(config: dict[str, str]) -> str:
    match = re.search(r"arn:aws[a-z-]*:iam::(\d{12}):", json.dumps(config))
    return match.group(1) if match else "123456789012"


def _is_resource_reference(value: dict[str, Any]) -> bool:
    from pulumi.runtime import rpc

    return rpc._special_resource_sig in value.values() and "urn" in value


def clean(value: Any) -> Any:
    """Wire values to plain JSON: secrets hidden, unknowns and resource references named."""
    from pulumi.runtime import rpc

    if isinstance(value, dict):
        if rpc.is_rpc_secret(value):
            return SECRET_PLACEHOLDER
        if _is_resource_reference(value):
            return {"$ref": value.get("urn")}
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if value == rpc.UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire carries every number as a double
    return value


def load_mocks_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "_review_mocks", Path(__file__).with_name("mocks.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def resource_record(request: Any, response: Any) -> dict[str, Any]:
    """One ``RegisterResource`` call as a JSON record (see the module docstring)."""
    from google.protobuf import json_format

    wire = json_format.MessageToDict(request.object)
    timeouts = request.customTimeouts
    return {
        "urn": response.urn,
        "type": request.type,
        "name": request.name,
        "parent": request.parent or None,
        "custom": bool(request.custom),
        "provider": request.provider or None,
        "version": request.version or None,
        "inputs": clean(wire),
        "dependencies": sorted(set(request.dependencies)),
        "options": {
            "protect": bool(request.protect),
            "ignoreChanges": list(request.ignoreChanges),
            "deleteBeforeReplace": bool(request.deleteBeforeReplace),
            "deleteBeforeReplaceDefined": bool(request.deleteBeforeReplaceDefined),
            "retainOnDelete": bool(request.retainOnDelete),
            "additionalSecretOutputs": list(request.additionalSecretOutputs),
            "aliases": list(request.aliasURNs),
            # The SDK sends aliases as specs when the monitor supports them (the mock
            # monitor does); review.diff resolves them to URNs.
            "aliasSpecs": [json_format.MessageToDict(a) for a in request.aliases],
            "replaceOnChanges": list(request.replaceOnChanges),
            "customTimeouts": {
                "create": timeouts.create,
                "update": timeouts.update,
                "delete": timeouts.delete,
            },
        },
        "propertyDependencies": {
            key: sorted(deps.urns) for key, deps in request.propertyDependencies.items()
        },
        "wire": wire,
        # What the engine would hold as the resource's state: the mock's answer for a
        # custom resource, its registered outputs for a component (filled in later).
        "outputs": json_format.MessageToDict(response.object) if request.custom else {},
        "id": response.id or None,
    }


STREAMED_KEYS = ("urn", "type", "name", "parent", "custom", "provider", "version", "options")
"""What an ``Analyze`` call needs of a record, besides its ``wire`` inputs."""


def stream_line(record: dict[str, Any]) -> bytes:
    """One record as a line for ``--stream-fd``: what the analyzer needs, nothing more."""
    streamed = {key: record[key] for key in STREAMED_KEYS}
    streamed["wire"] = record["wire"]
    return json.dumps(streamed).encode() + b"\n"


def recording_monitor(mocks: Any, stream: Any = None) -> Any:
    """The SDK's ``MockMonitor`` that also records every registration, for ``set_mocks``;
    each record is also written to ``stream`` (a binary file) as it registers."""
    from google.protobuf import json_format
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        stack_urn: str | None = None

        def __init__(self) -> None:
            super().__init__(mocks)
            self.records: list[dict[str, Any]] = []
            self.registered_outputs: dict[str, dict[str, Any]] = {}

        def RegisterResource(self, request: Any) -> Any:
            response = super().RegisterResource(request)
            if request.type == "pulumi:pulumi:Stack":
                self.stack_urn = response.urn
            else:
                record = resource_record(request, response)
                self.records.append(record)
                if stream is not None:
                    stream.write(stream_line(record))  # one write a line: never interleaved
                    stream.flush()
            return response

        def RegisterResourceOutputs(self, request: Any) -> Any:
            self.registered_outputs[request.urn] = json_format.MessageToDict(request.outputs)
            return super().RegisterResourceOutputs(request)

        def recorded(self) -> list[dict[str, Any]]:
            """Every record, a component's with the outputs it registered."""
            for record in self.records:
                if not record["custom"] and record["urn"] in self.registered_outputs:
                    record["outputs"] = self.registered_outputs[record["urn"]]
            return self.records

    return RecordingMonitor()


def stack_exports() -> Any:
    """The program's ``pulumi.export`` values in wire form.

    ``set_mocks`` registers the root stack's outputs before the program runs, so the
    program's exports wait, unregistered, on the root resource; serialize them as the SDK
    would when it registers them.
    """
    import pulumi
    from pulumi.runtime import rpc

    exports: dict[str, Any] = {}

    def serialize() -> Any:
        root = pulumi.runtime.get_root_resource()

        async def serialized() -> None:
            outputs = dict(getattr(root, "outputs", {}))
            exports["wire"] = await rpc.serialize_properties(outputs, {})

        return serialized()

    pulumi.runtime.test(serialize)()
    return exports["wire"]


def render(
    project_dir: Path, stack: str, config_file: Path | None, stream: Any = None
) -> dict[str, Any]:
    """Run the project's program for ``stack`` under mocks; the records described above,
    each also written to ``stream`` as the program registers it (see ``--stream-fd``)."""
    import pulumi
    from google.protobuf import json_format

    project, config, secret_keys = stack_config(project_dir, stack, config_file)
    region = config.get("aws:region", "us-east-1")
    mocks = load_mocks_module().FleetMocks(region=region, account_id=account_of(config))
    monitor = recording_monitor(mocks, stream)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys)
    os.chdir(project_dir)
    sys.path.insert(0, str(project_dir))

    def program() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    pulumi.runtime.test(program)()
    stack_outputs = json_format.MessageToDict(stack_exports())
    return {
        "project": project,
        "stack": stack,
        "config": config,
        "secretKeys": secret_keys,
        # The root stack resource: the engine hands it to AnalyzeStack with the exports as
        # its outputs, and the report shows the exports.
        "root": {
            "urn": monitor.stack_urn,
            "outputs": stack_outputs,
            "exports": clean(stack_outputs),
        },
        "resources": monitor.recorded(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", type=Path, required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--config-file", type=Path)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument(
        "--stream-fd",
        type=int,
        help="also write each resource, as it registers, as a JSON line to this inherited "
        "file descriptor (the review analyzes it while the program runs on)",
    )
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    stream = os.fdopen(args.stream_fd, "wb") if args.stream_fd is not None else None
    try:
        result = render(
            project_dir,
            args.stack,
            args.config_file.resolve() if args.config_file else None,
            stream,
        )
    except FileNotFoundError as error:
        result = {
            "error": f"{error.filename}: no such file; is {args.stack} a stack of this project?"
        }
    except StackFileError as error:
        result = {"error": str(error)}
    except Exception as error:
        import pulumi

        if isinstance(error, pulumi.RunError):
            result = {"error": str(error)}
        else:
            traceback.print_exc()
            return 1
    finally:
        if stream is not None:
            stream.close()
    args.output.write_text(json.dumps(result))
    return EXIT_BAD_INPUT if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
