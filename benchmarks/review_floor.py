"""The bare floor of a review: Pulumi's own mock runtime registering recorded resources.

``python benchmarks/review_floor.py RECORDS.json`` replays, in registration order, exactly
the registrations a render recorded (``review/render_worker.py --output``): every resource
with its type, name, parent, provider, package version, options, dependencies and the inputs
as they were sent to the engine (secrets stay secret, resource references point at the
replayed resource), components' registered outputs and the stack's exports. Nothing else
runs: no stack settings, no program logic, no provider SDK imports, no policy, and the mocks
answer every resource with its own inputs. What a review costs above this is what the
project adds to Pulumi.

Prints one JSON object on stdout: ``resources`` (replayed), ``import_s`` (importing pulumi),
``register_s`` (set_mocks to the last registration settled) and ``registered`` (what the
mock monitor saw, which must equal ``resources``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

STARTED = time.perf_counter()

import pulumi  # noqa: E402  (timed: the import is part of the floor)
from google.protobuf import json_format  # noqa: E402
from pulumi.runtime import mocks as runtime_mocks  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402

IMPORTED = time.perf_counter()

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
PROVIDER_PREFIX = "pulumi:providers:"


class BareMocks(pulumi.runtime.Mocks):
    """Pulumi's mock runtime at its simplest: every resource's outputs are its inputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


class CountingMonitor(runtime_mocks.MockMonitor):
    """The stock mock monitor, counting registrations; with ``keep`` it also keeps what each
    registration carried, so ``--check`` can compare the replay with the recording."""

    registered: ClassVar[int] = 0
    kept: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, mocks: pulumi.runtime.Mocks, keep: bool) -> None:
        super().__init__(mocks)
        self.keep = keep

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            CountingMonitor.registered += 1
            if self.keep:
                CountingMonitor.kept[response.urn] = {
                    "parent": request.parent or None,
                    "dependencies": sorted(set(request.dependencies)),
                    "wire": json_format.MessageToDict(request.object),
                }
        return response


def differences(rendered: dict[str, Any]) -> list[str]:
    """Recorded resources the replay registered differently (URN, parent, deps, inputs)."""
    found = []
    for record in rendered["resources"]:
        replayed = CountingMonitor.kept.get(record["urn"])
        if replayed is None:
            found.append(f"{record['urn']}: not registered")
            continue
        for key in ("parent", "dependencies", "wire"):
            if replayed[key] != (record.get(key) or ({} if key == "wire" else record.get(key))):
                found.append(f"{record['urn']}: {key} differs")
    return found


def value_of(wire: Any, by_urn: dict[str, pulumi.Resource]) -> Any:
    """A wire value (MessageToDict form) as a program would pass it to a resource."""
    if isinstance(wire, dict):
        sig = wire.get(SIG_KEY)
        if sig == SECRET_SIG:
            return pulumi.Output.secret(value_of(wire.get("value"), by_urn))
        if sig == RESOURCE_SIG:
            return by_urn.get(wire.get("urn", ""), wire.get("urn"))
        return {key: value_of(item, by_urn) for key, item in wire.items()}
    if isinstance(wire, list):
        return [value_of(item, by_urn) for item in wire]
    return wire


def alias_of(entry: dict[str, Any]) -> str | pulumi.Alias:
    """An alias as the SDK sent it: a URN, or a spec naming only what changed (the SDK's
    Alias takes no argument for "unchanged", so only the given fields are passed)."""
    if "urn" in entry:
        return str(entry["urn"])
    spec = entry.get("spec", {})
    given = {"name": spec.get("name"), "type_": spec.get("type"), "parent": spec.get("parentUrn")}
    return pulumi.Alias(**{key: value for key, value in given.items() if value})


def options_of(
    record: dict[str, Any], by_urn: dict[str, pulumi.Resource]
) -> pulumi.ResourceOptions:
    options = record["options"]
    timeouts = options.get("customTimeouts") or {}
    provider_urn = (record.get("provider") or "").split("::")
    provider = by_urn.get("::".join(provider_urn[:-1])) if len(provider_urn) > 1 else None
    return pulumi.ResourceOptions(
        parent=by_urn.get(record.get("parent") or ""),
        provider=provider if isinstance(provider, pulumi.ProviderResource) else None,
        version=record.get("version") or None,
        depends_on=[by_urn[urn] for urn in record.get("dependencies") or [] if urn in by_urn],
        protect=options.get("protect") or None,
        ignore_changes=options.get("ignoreChanges") or None,
        delete_before_replace=options.get("deleteBeforeReplace") or None,
        retain_on_delete=options.get("retainOnDelete") or None,
        additional_secret_outputs=options.get("additionalSecretOutputs") or None,
        replace_on_changes=options.get("replaceOnChanges") or None,
        aliases=[alias_of(a) for a in options.get("aliasSpecs") or []]
        + list(options.get("aliases") or [])
        or None,
        custom_timeouts=pulumi.CustomTimeouts(
            create=timeouts.get("create") or None,
            update=timeouts.get("update") or None,
            delete=timeouts.get("delete") or None,
        )
        if any(timeouts.values())
        else None,
    )


def provider_packages(records: list[dict[str, Any]]) -> set[str]:
    """Packages with a provider in the render. A component of such a package (the
    ``kubernetes:yaml/v2:ConfigGroup``) is a provider's remote component: the program's own
    depends_on names it as itself, where a local component would stand for its children, so
    the replay must register it as remote for the same dependencies."""
    return {
        r["type"][len(PROVIDER_PREFIX) :] for r in records if r["type"].startswith(PROVIDER_PREFIX)
    }


def replay(rendered: dict[str, Any]) -> None:
    """Register every recorded resource, then the components' outputs and the exports."""
    by_urn: dict[str, pulumi.Resource] = {}
    components: list[tuple[pulumi.ComponentResource, dict[str, Any]]] = []
    packages = provider_packages(rendered["resources"])
    for record in rendered["resources"]:
        inputs = value_of(record.get("wire") or {}, by_urn)
        options = options_of(record, by_urn)
        kind, name = record["type"], record["name"]
        resource: pulumi.Resource
        if kind.startswith(PROVIDER_PREFIX):
            resource = pulumi.ProviderResource(kind[len(PROVIDER_PREFIX) :], name, inputs, options)
        elif record["custom"]:
            resource = pulumi.CustomResource(kind, name, inputs, options)
        elif kind.split(":", 1)[0] in packages:
            resource = pulumi.ComponentResource(kind, name, inputs, options, remote=True)
        else:
            resource = pulumi.ComponentResource(kind, name, inputs, options)
            components.append((resource, record.get("outputs") or {}))
        by_urn[record["urn"]] = resource
    for component, outputs in components:
        component.register_outputs(value_of(outputs, by_urn))
    for key, value in (rendered.get("root", {}).get("outputs") or {}).items():
        pulumi.export(key, value_of(value, by_urn))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("records", type=Path, help="render_worker.py --output file")
    parser.add_argument(
        "--check", action="store_true", help="also compare each registration with its record"
    )
    args = parser.parse_args(argv)
    rendered = json.loads(args.records.read_text())
    start = time.perf_counter()
    mocks = BareMocks()
    pulumi.runtime.set_mocks(
        mocks,
        project=rendered["project"],
        stack=rendered["stack"],
        preview=False,
        monitor=CountingMonitor(mocks, keep=args.check),
    )
    _sync_await(run_pulumi_func(lambda: replay(rendered)))
    done = time.perf_counter()
    result: dict[str, Any] = {
        "resources": len(rendered["resources"]),
        "registered": CountingMonitor.registered,
        "import_s": round(IMPORTED - STARTED, 3),
        "register_s": round(done - start, 3),
    }
    if args.check:
        result["differences"] = differences(rendered)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
