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

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import analyzer_pb2

from review.engine_resources import (
    EngineResource,
    engine_resources,
    options_of,
    provider_message,
    struct_of,
    without_internal_keys,
)
from review.pack_process import (
    ORGANIZATION,
    UNREACHABLE_ENGINE,
    PolicyPackError,
    RunningPack,
    StackConfig,
    running_pack,
)
from review.policy_config import (
    DeclaredPolicy,
    PolicyConfig,
    load_policy_config,
    reconcile_policy_config,
)
from review.render import RenderedStack

__all__ = [
    "AS_OF_VARIABLE",
    "PolicyDiagnostic",
    "PolicyPackError",
    "PolicyReport",
    "StackConfig",
    "analyze_stack",
    "judged_as_of",
    "stack_config_of",
]

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


def stack_config_of(rendered: RenderedStack, project_dir: Path) -> StackConfig:
    """The config the render used, and the stack tags the CLI sets from ``Pulumi.yaml``."""
    document = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    runtime = document.get("runtime")
    tags: dict[str, str] = {
        "pulumi:project": rendered.project,
        "pulumi:runtime": str(runtime.get("name") if isinstance(runtime, dict) else runtime),
    }
    if document.get("description"):
        tags["pulumi:description"] = str(document["description"])
    return StackConfig(
        rendered.project, rendered.stack, rendered.config, rendered.secret_keys, tags
    )


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


# -- the conversation ---------------------------------------------------------------------


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
        entry.properties.CopyFrom(struct_of(policy_config.properties))
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


@dataclass
class PackSession:
    """A configured pack: analyzes resources one by one, then the stack, into a report.

    Each resource's verdict is kept by URN and the report lists them in the order of the
    stack's resources whatever order they were analyzed in, so a stack analyzed while it
    registers (``review.streamed_analysis``) gets the report of one analyzed afterwards.
    """

    pack: RunningPack
    info: Any
    policies: tuple[DeclaredPolicy, ...]
    config: dict[str, PolicyConfig]
    analyzed: dict[str, tuple[str | None, Any]]
    """URN -> (its provider's URN, the Analyze response)."""

    @classmethod
    def configure(
        cls,
        pack: RunningPack,
        stack_config: StackConfig,
        policy_config_file: Path | None,
        given: Mapping[str, PolicyConfig],
    ) -> PackSession:
        """Handshake, ConfigureStack, GetAnalyzerInfo, GetPluginInfo and Configure with the
        config ``given`` in ``policy_config_file``."""
        _handshake(pack)
        _configure_stack(pack, stack_config)
        info = pack.call("GetAnalyzerInfo", empty_pb2.Empty())
        pack.call("GetPluginInfo", empty_pb2.Empty())
        policies = _declared_policies(info)
        source = str(policy_config_file) if policy_config_file else "policy config"
        config = reconcile_policy_config(policies, _initial_config(info), given, source)
        config = judged_as_of(config, policies, os.environ.get(AS_OF_VARIABLE))
        pack.call("Configure", _configure_request(config))
        return cls(pack, info, policies, config, {})

    def analyze(self, resource: EngineResource) -> None:
        """``Analyze`` one resource's inputs."""
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=struct_of(without_internal_keys(resource.inputs)),
            urn=resource.urn,
            name=resource.name,
            options=options_of(resource.record),
            provider=provider_message(resource.provider),
        )
        provider = resource.provider.urn if resource.provider else None
        self.analyzed[resource.urn] = (provider, self.pack.call("Analyze", request))

    def was_analyzed(self, resource: EngineResource) -> bool:
        """Analyzed already, with the provider the stack's resources name for it."""
        provider = resource.provider.urn if resource.provider else None
        found = self.analyzed.get(resource.urn)
        return found is not None and found[0] == provider

    def finish(self, rendered: RenderedStack, resources: Sequence[EngineResource]) -> PolicyReport:
        """Analyze what is left, then ``AnalyzeStack``; the report in ``resources``' order."""
        known = {resource.urn for resource in resources}
        version = self.pack.manifest.version
        diagnostics: list[PolicyDiagnostic] = []
        not_applicable: list[tuple[str, str]] = []
        for resource in resources:
            if not self.was_analyzed(resource):
                self.analyze(resource)
            response = self.analyzed[resource.urn][1]
            diagnostics += _diagnostics(response, "analyze", resource.urn, known, version)
            not_applicable += [(n.policy_name, n.reason) for n in response.not_applicable]
        response = self.pack.call("AnalyzeStack", _stack_request(resources), optional=True)
        if response is not None:
            diagnostics += _diagnostics(
                response, "analyze-stack", rendered.root_urn, known, version
            )
            not_applicable += [(n.policy_name, n.reason) for n in response.not_applicable]
        return PolicyReport(
            pack=self.info.name,
            version=version or self.info.version,
            policies=self.policies,
            config=self.config,
            diagnostics=tuple(diagnostics),
            not_applicable=tuple(not_applicable),
        )


def _stack_request(resources: Sequence[EngineResource]) -> analyzer_pb2.AnalyzeStackRequest:
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=resource.type,
                properties=struct_of(without_internal_keys(resource.outputs)),
                urn=resource.urn,
                name=resource.name,
                options=options_of(resource.record),
                provider=provider_message(resource.provider),
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


def analyze_stack(
    rendered: RenderedStack,
    stack_config: StackConfig,
    pack_dir: Path,
    policy_config_file: Path | None = None,
) -> PolicyReport:
    """Run the pack over ``rendered`` through the analyzer protocol; see the module doc."""
    given = load_policy_config(policy_config_file)
    with running_pack(pack_dir, stack_config) as pack:
        session = PackSession.configure(pack, stack_config, policy_config_file, given)
        return session.finish(rendered, engine_resources(rendered, stack_config.config))
