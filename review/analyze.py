"""Check a rendered stack against the policy pack, offline, over the analyzer gRPC protocol.

The pack is never imported: it runs in its own process and is spoken to exactly as the
Pulumi CLI speaks to it during ``pulumi preview --policy-pack policy``, so what passes here
passes there, and a pack that only works when imported cannot sneak through.

What the CLI does (pulumi ``NewPolicyAnalyzer`` in
``sdk/go/common/resource/plugin/analyzer_plugin.go``, the ``pulumi-analyzer-policy-python``
shim in ``sdk/python/dist`` and ``pulumi/policy/__main__.py`` in the Python SDK):

1. Reads ``PulumiPolicy.yaml`` in the pack directory (runtime, version).
2. Starts ``pulumi-analyzer-policy-python ENGINE_ADDRESS .`` (plus ``-virtualenv=...`` from the
   runtime options) with the pack directory as working directory. The shim runs
   ``python -u -m pulumi.policy ENGINE_ADDRESS .``, which runs the pack's ``__main__.py``;
   ``PolicyPack(...)`` there serves the Analyzer service on ``127.0.0.1:0`` and prints the
   port on stdout. The environment is the CLI's own plus ``PULUMI_CONFIG`` (the stack config
   as a JSON object of ``namespace:key`` to string, secrets decrypted), ``PULUMI_PROJECT``,
   ``PULUMI_STACK``, ``PULUMI_DRY_RUN`` and ``PULUMI_ORGANIZATION``.
3. ``Handshake`` (engine address, pack directory); ``UNIMPLEMENTED`` is fine, and
   pulumi-policy does not implement it.
4. ``ConfigureStack`` (stack, project, organization, dry run, config, secret keys, stack tags).
5. ``GetAnalyzerInfo`` (policies, their schemas and levels, the pack's initial config) and
   ``GetPluginInfo``.
6. ``Configure`` with every policy's config: schema defaults, then the pack's initial config,
   then ``--policy-pack-config`` (see ``review.policy_config``), validated against the
   schemas.
7. ``Analyze`` for every resource as it is registered, with its inputs (internal ``__`` keys
   dropped); its diagnostics are reported against that resource.
8. ``AnalyzeStack`` once at the end with every resource's outputs, parent, dependencies and
   property dependencies, the root stack and the default providers included; a diagnostic
   naming no resource of the stack is reported against the root stack.
9. Any diagnostic at the ``mandatory`` level fails the preview.

Where the review differs, and why:

- Interpreter: the review's own (``sys.executable``, the project's locked environment) in place
  of the virtualenv ``PulumiPolicy.yaml`` may name; the lock holds pulumi-policy and all the
  pack needs.
- Engine address: no engine runs. ``pulumi.policy`` parses the address but never dials it (a
  pack's ``pulumi.log`` calls go to stderr), so the review passes an address nothing listens on.
- Secrets: ``secure:`` values cannot be decrypted without the stack's key; they arrive as the
  placeholder ``[secret]`` and are listed in ``config_secret_keys``.
- Dry run: ``true``, as in a preview; the mock runtime made every output known.
- Default providers: the SDK under mocks registers none; the review adds the engine's
  ``default_<version>`` provider for each package (its properties are the package's config, like
  ``region``) so a policy reading ``args.provider`` sees what it would see in a preview.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from review.policy_config import (
    DeclaredPolicy,
    PolicyConfig,
    load_policy_config,
    reconcile_policy_config,
)
from review.render import RenderedStack

ORGANIZATION = "organization"
"""What the CLI passes as the organization for a DIY backend, and pulumi-policy's default."""
UNREACHABLE_ENGINE = "127.0.0.1:0"
STARTUP_TIMEOUT_SECONDS = 60.0
CALL_TIMEOUT_SECONDS = 120.0
_MAX_MESSAGE = 400 * 1024 * 1024  # what pulumi-policy's server accepts

_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_CODES = {name: code for code, name in _LEVELS.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_KINDS = {analyzer_pb2.POLICY_TYPE_RESOURCE: "resource", analyzer_pb2.POLICY_TYPE_STACK: "stack"}


class PolicyPackError(Exception):
    """The policy pack could not be run: missing, failed to start, or failed in a call."""


@dataclass(frozen=True)
class StackConfig:
    """The stack's config as the CLI hands it to a policy pack."""

    project: str
    stack: str
    config: Mapping[str, str]
    secret_keys: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def load_stack_config(
    project_dir: Path, stack: str, config_file: Path | None = None
) -> StackConfig:
    """The config the render used, and the stack tags the CLI sets from ``Pulumi.yaml``."""
    from review.render_worker import stack_config

    project, config, secret_keys = stack_config(project_dir, stack, config_file)
    document = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    runtime = document.get("runtime")
    tags: dict[str, str] = {
        "pulumi:project": project,
        "pulumi:runtime": str(runtime.get("name") if isinstance(runtime, dict) else runtime),
    }
    if document.get("description"):
        tags["pulumi:description"] = str(document["description"])
    return StackConfig(project, stack, config, tuple(secret_keys), tags)


@dataclass(frozen=True)
class PolicyDiagnostic:
    """One policy violation, attributed to a resource the way the CLI attributes it."""

    policy: str
    pack: str
    pack_version: str
    enforcement: str
    """advisory, mandatory, remediate or disabled."""
    severity: str | None
    """low, medium, high or critical, when the policy declares one."""
    urn: str
    message: str
    stage: str
    """``analyze`` (one resource's inputs) or ``analyze-stack`` (the whole stack's outputs)."""

    @property
    def mandatory(self) -> bool:
        return self.enforcement in ("mandatory", "remediate")


@dataclass(frozen=True)
class PolicyReport:
    """Everything the pack said about one stack."""

    pack: str
    version: str
    policies: tuple[DeclaredPolicy, ...]
    config: Mapping[str, PolicyConfig]
    diagnostics: tuple[PolicyDiagnostic, ...]
    not_applicable: tuple[tuple[str, str], ...] = ()
    """(policy, reason) pairs the pack reported as not applicable."""

    @property
    def mandatory_violations(self) -> tuple[PolicyDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.mandatory)

    @property
    def passed(self) -> bool:
        return not self.mandatory_violations


# -- the pack process ---------------------------------------------------------------------


@dataclass(frozen=True)
class PackManifest:
    directory: Path
    name: str | None
    version: str | None
    runtime: str


def read_manifest(pack_dir: Path) -> PackManifest:
    """``PulumiPolicy.yaml``, as the CLI reads it before starting the pack."""
    path = pack_dir / "PulumiPolicy.yaml"
    if not path.is_file():
        raise PolicyPackError(f"{path}: no policy pack here (PulumiPolicy.yaml is missing)")
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise PolicyPackError(f"{path}: not valid YAML: {error}") from None
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise PolicyPackError(
            f"{path}: runtime is {runtime_name!r}; the offline review runs Python packs only"
        )
    if not (pack_dir / "__main__.py").is_file():
        raise PolicyPackError(f"{pack_dir}: the pack has no __main__.py to run")
    version = document.get("version")
    return PackManifest(
        directory=pack_dir,
        name=document.get("name"),
        version=str(version) if version is not None else None,
        runtime="python",
    )


def pack_environment(stack_config: StackConfig) -> dict[str, str]:
    """The CLI's ``constructEnv``: its own environment plus the stack's identity and config."""
    env = dict(os.environ)
    if stack_config.config:
        env["PULUMI_CONFIG"] = json.dumps(dict(stack_config.config))
    env["PULUMI_ORGANIZATION"] = ORGANIZATION
    env["PULUMI_PROJECT"] = stack_config.project
    env["PULUMI_STACK"] = stack_config.stack
    env["PULUMI_DRY_RUN"] = "true"
    return env


def _tail(stream: IO[bytes]) -> str:
    stream.flush()
    stream.seek(0)
    text = stream.read().decode(errors="replace").strip()
    return text[-4000:] if text else "(the pack wrote nothing to stderr)"


@dataclass
class RunningPack:
    """A started pack: its Analyzer client, process and captured stderr."""

    manifest: PackManifest
    process: subprocess.Popen[bytes]
    channel: grpc.Channel
    client: analyzer_pb2_grpc.AnalyzerStub
    stderr: IO[bytes]

    def stderr_text(self) -> str:
        return _tail(self.stderr)

    def call(self, method: str, request: Any, *, optional: bool = False) -> Any:
        """One RPC; ``optional`` ones may be UNIMPLEMENTED (the CLI then carries on)."""
        try:
            return getattr(self.client, method)(request, timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            call = error if isinstance(error, grpc.Call) else None
            code = call.code() if call else None
            if optional and code == grpc.StatusCode.UNIMPLEMENTED:
                return None
            details = call.details() if call else str(error)
            raise PolicyPackError(
                f"policy pack {self.manifest.directory}: {method} failed ({code}): {details}\n"
                f"pack stderr:\n{self.stderr_text()}"
            ) from None


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> bytes | None:
    """The first line the pack prints (its port): ``b""`` when it closed stdout (it exited),
    None when it printed nothing within ``timeout``."""
    stdout = process.stdout
    assert stdout is not None
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else None


def _startup_failure(process: subprocess.Popen[bytes], line: bytes | None) -> str:
    if line:
        return f"printed {line!r} instead of its port"
    if line is None:
        return f"printed no port within {STARTUP_TIMEOUT_SECONDS:.0f} s"
    try:
        return f"exited with status {process.wait(timeout=10)}"
    except subprocess.TimeoutExpired:
        return "closed its stdout without printing its port"


def _drain(stream: IO[bytes]) -> None:
    """Keep reading what the pack prints after its port so it never blocks on a full pipe."""

    def read_to_end() -> None:
        try:
            while stream.read(65536):
                pass
        except (OSError, ValueError):  # closed under us while the pack is being stopped
            pass

    threading.Thread(target=read_to_end, daemon=True).start()


@contextmanager
def running_pack(
    pack_dir: Path, stack_config: StackConfig, python: str = sys.executable
) -> Iterator[RunningPack]:
    """Start the pack like the CLI does; stop it (and only it) when the block ends."""
    manifest = read_manifest(pack_dir)
    command = [python, "-u", "-m", "pulumi.policy", UNREACHABLE_ENGINE, "."]
    with tempfile.TemporaryFile(prefix="policy-pack-stderr-") as stderr:
        process = subprocess.Popen(
            command,
            cwd=pack_dir,
            env=pack_environment(stack_config),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        channel: grpc.Channel | None = None
        try:
            line = _read_port(process, STARTUP_TIMEOUT_SECONDS)
            port = line.strip() if line else b""
            if not port.isdigit():
                why = _startup_failure(process, line)
                raise PolicyPackError(
                    f"policy pack {pack_dir} failed to start: it {why}.\n"
                    f"pack stderr:\n{_tail(stderr)}"
                )
            assert process.stdout is not None
            _drain(process.stdout)
            channel = grpc.insecure_channel(
                f"127.0.0.1:{int(port)}",
                options=[("grpc.max_receive_message_length", _MAX_MESSAGE)],
            )
            try:
                grpc.channel_ready_future(channel).result(timeout=STARTUP_TIMEOUT_SECONDS)
            except grpc.FutureTimeoutError:
                raise PolicyPackError(
                    f"policy pack {pack_dir} printed port {int(port)} but does not answer there"
                ) from None
            yield RunningPack(
                manifest, process, channel, analyzer_pb2_grpc.AnalyzerStub(channel), stderr
            )
        finally:
            if channel is not None:
                channel.close()
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()


# -- the conversation ---------------------------------------------------------------------


def _struct(wire: Mapping[str, Any]) -> struct_pb2.Struct:
    """The engine's wire form back from the recorded ``MessageToDict`` of a Struct."""
    message = struct_pb2.Struct()
    json_format.ParseDict(dict(wire), message)
    return message


def _without_internal_keys(wire: Mapping[str, Any]) -> dict[str, Any]:
    """``SkipInternalKeys``: the engine never shows analyzers its ``__``-prefixed keys."""
    return {key: value for key, value in wire.items() if not key.startswith("__")}


def _options(record: Mapping[str, Any]) -> analyzer_pb2.AnalyzerResourceOptions:
    options = record.get("options") or {}
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(options.get("protect")),
        ignoreChanges=list(options.get("ignoreChanges") or []),
        deleteBeforeReplace=bool(options.get("deleteBeforeReplace")),
        deleteBeforeReplaceDefined=bool(options.get("deleteBeforeReplaceDefined")),
        additionalSecretOutputs=list(options.get("additionalSecretOutputs") or []),
        aliases=list(options.get("aliases") or []),
        parent=record.get("parent") or "",
    )


@dataclass(frozen=True)
class _Resource:
    """A resource as the engine holds it: what Analyze and AnalyzeStack are built from."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    record: Mapping[str, Any]
    provider: _Resource | None = None


def _default_provider(
    rendered: RenderedStack, package: str, version: str | None, config: Mapping[str, str]
) -> _Resource:
    name = f"default_{version.replace('.', '_')}" if version else "default"
    properties: dict[str, Any] = {
        key.split(":", 1)[1]: value
        for key, value in config.items()
        if key.startswith(f"{package}:")
    }
    if version:
        properties["version"] = version
    urn = f"urn:pulumi:{rendered.stack}::{rendered.project}::pulumi:providers:{package}::{name}"
    record = {"urn": urn, "type": f"pulumi:providers:{package}", "parent": None}
    return _Resource(urn, record["type"], name, properties, properties, record)  # type: ignore[arg-type]


def engine_resources(rendered: RenderedStack, config: Mapping[str, str]) -> list[_Resource]:
    """The root stack, default providers and every rendered resource, in registration order."""
    root_name = rendered.root_urn.rsplit("::", 1)[-1]
    root_outputs = rendered.root.get("outputs") or {}
    resources = [
        _Resource(
            rendered.root_urn,
            "pulumi:pulumi:Stack",
            root_name,
            {},
            root_outputs,
            {"urn": rendered.root_urn, "parent": None},
        )
    ]
    by_urn = {r.urn: r for r in resources}
    defaults: dict[str, _Resource] = {}
    for record in rendered.resources:
        provider: _Resource | None = None
        reference = record.get("provider")
        if reference:
            provider = by_urn.get(reference.rsplit("::", 1)[0])
        elif record.get("custom") and not record["type"].startswith("pulumi:providers:"):
            package = record["type"].split(":", 1)[0]
            if package not in defaults:
                defaults[package] = _default_provider(
                    rendered, package, record.get("version"), config
                )
                resources.append(defaults[package])
            provider = defaults[package]
        resource = _Resource(
            record["urn"],
            record["type"],
            record["name"],
            record.get("wire") or {},
            record.get("outputs") or record.get("wire") or {},
            record,
            provider,
        )
        resources.append(resource)
        by_urn[resource.urn] = resource
    return resources


def _provider_message(provider: _Resource | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        urn=provider.urn,
        name=provider.name,
        properties=_struct(_without_internal_keys(provider.inputs)),
    )


def _declared_policies(info: Any) -> tuple[DeclaredPolicy, ...]:
    policies = []
    for policy in info.policies:
        schema = json_format.MessageToDict(policy.configSchema.properties)
        policies.append(
            DeclaredPolicy(
                name=policy.name,
                description=policy.description,
                enforcement_level=_LEVELS.get(policy.enforcementLevel, "advisory"),
                severity=_SEVERITIES.get(policy.severity),
                kind=_KINDS.get(policy.policy_type, "resource"),
                config_schema=schema,
                required=tuple(policy.configSchema.required),
            )
        )
    return tuple(policies)


def _initial_config(info: Any) -> dict[str, PolicyConfig]:
    return {
        name: PolicyConfig(
            _LEVELS.get(config.enforcementLevel) if config.enforcementLevel else None,
            json_format.MessageToDict(config.properties),
        )
        for name, config in info.initialConfig.items()
    }


def _configure_request(config: Mapping[str, PolicyConfig]) -> analyzer_pb2.ConfigureAnalyzerRequest:
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, policy_config in config.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = _LEVEL_CODES[policy_config.enforcement_level or "advisory"]
        entry.properties.CopyFrom(_struct(policy_config.properties))
    return request


def _diagnostics(
    response: Any, stage: str, fallback_urn: str, known: set[str], version: str | None
) -> list[PolicyDiagnostic]:
    found = []
    for diagnostic in response.diagnostics:
        if stage == "analyze":
            urn = fallback_urn
        else:
            urn = diagnostic.urn if diagnostic.urn in known else fallback_urn
        found.append(
            PolicyDiagnostic(
                policy=diagnostic.policyName,
                pack=diagnostic.policyPackName,
                # The CLI prefers PulumiPolicy.yaml's version over the pack's own.
                pack_version=version or diagnostic.policyPackVersion,
                enforcement=_LEVELS.get(diagnostic.enforcementLevel, "advisory"),
                severity=_SEVERITIES.get(diagnostic.severity),
                urn=urn,
                message=diagnostic.message,
                stage=stage,
            )
        )
    return found


def _handshake(pack: RunningPack) -> None:
    directory = str(pack.manifest.directory)
    request = analyzer_pb2.AnalyzerHandshakeRequest(
        engine_address=UNREACHABLE_ENGINE, root_directory=directory, program_directory=directory
    )
    pack.call("Handshake", request, optional=True)


def _configure_stack(pack: RunningPack, stack_config: StackConfig) -> None:
    request = analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=stack_config.stack,
        project=stack_config.project,
        organization=ORGANIZATION,
        dry_run=True,
        config=dict(stack_config.config),
        config_secret_keys=list(stack_config.secret_keys),
        tags=dict(stack_config.tags),
    )
    pack.call("ConfigureStack", request, optional=True)


AS_OF_VARIABLE = "MCP_FLEET_REVIEW_AS_OF"
"""An ISO date the review judges time-bound policies by (scan age, SLO exception expiry).

Unset, the pack judges by today, as the CLI's preview does. Set, a review is reproducible:
the tests pin it so the example catalog's scans do not go stale under them, and a person can
re-run a past review as it was judged that day.
"""


def judged_as_of(
    config: dict[str, PolicyConfig], policies: Sequence[DeclaredPolicy], as_of: str | None
) -> dict[str, PolicyConfig]:
    """``config`` with ``now`` pinned to ``as_of`` in every policy whose schema has it."""
    if not as_of:
        return config
    pinned = dict(config)
    for policy in policies:
        if "now" in (policy.config_schema or {}):
            current = pinned.get(policy.name, PolicyConfig())
            pinned[policy.name] = PolicyConfig(
                current.enforcement_level, {**current.properties, "now": as_of}
            )
    return pinned


def analyze_stack(
    rendered: RenderedStack,
    stack_config: StackConfig,
    pack_dir: Path,
    policy_config_file: Path | None = None,
) -> PolicyReport:
    """Run the pack over ``rendered`` through the analyzer protocol; see the module doc."""
    given = load_policy_config(policy_config_file)
    with running_pack(pack_dir, stack_config) as pack:
        _handshake(pack)
        _configure_stack(pack, stack_config)
        info = pack.call("GetAnalyzerInfo", empty_pb2.Empty())
        pack.call("GetPluginInfo", empty_pb2.Empty())
        policies = _declared_policies(info)
        source = str(policy_config_file) if policy_config_file else "policy config"
        config = reconcile_policy_config(policies, _initial_config(info), given, source)
        config = judged_as_of(config, policies, os.environ.get(AS_OF_VARIABLE))
        pack.call("Configure", _configure_request(config))

        resources = engine_resources(rendered, stack_config.config)
        known = {resource.urn for resource in resources}
        version = pack.manifest.version
        diagnostics: list[PolicyDiagnostic] = []
        not_applicable: list[tuple[str, str]] = []
        for resource in resources:
            request = analyzer_pb2.AnalyzeRequest(
                type=resource.type,
                properties=_struct(_without_internal_keys(resource.inputs)),
                urn=resource.urn,
                name=resource.name,
                options=_options(resource.record),
                provider=_provider_message(resource.provider),
            )
            response = pack.call("Analyze", request)
            diagnostics += _diagnostics(response, "analyze", resource.urn, known, version)
            not_applicable += [(n.policy_name, n.reason) for n in response.not_applicable]

        stack_request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=resource.type,
                    properties=_struct(_without_internal_keys(resource.outputs)),
                    urn=resource.urn,
                    name=resource.name,
                    options=_options(resource.record),
                    provider=_provider_message(resource.provider),
                    parent=resource.record.get("parent") or "",
                    dependencies=list(resource.record.get("dependencies") or []),
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                        for key, urns in (resource.record.get("propertyDependencies") or {}).items()
                        if urns
                    },
                )
                for resource in resources
            ]
        )
        response = pack.call("AnalyzeStack", stack_request, optional=True)
        if response is not None:
            diagnostics += _diagnostics(
                response, "analyze-stack", rendered.root_urn, known, version
            )
            not_applicable += [(n.policy_name, n.reason) for n in response.not_applicable]

    return PolicyReport(
        pack=info.name,
        version=version or info.version,
        policies=policies,
        config=config,
        diagnostics=tuple(diagnostics),
        not_applicable=tuple(not_applicable),
    )
