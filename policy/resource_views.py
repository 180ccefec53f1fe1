"""Reading resources the way policies need them: safely, through unknowns, by concept.

During ``pulumi preview`` some inputs are not known yet; pulumi-policy hands policies a proxy
that raises ``UnknownValueError`` when such a value is read. A policy that lets that escape
is reported as "can't run during preview" and checks nothing else on the resource, so every
read here goes through :func:`get`, which turns an unknown into the :data:`UNKNOWN` marker.
Checks treat ``UNKNOWN`` as "can't tell yet" and skip that one check, never as a pass for
the rest of the resource and never as a crash.

Nothing here imports the rest of the repository: the pack runs on its own (see README.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import PolicyConfigSchema
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

try:
    from . import contract, signatures
except ImportError:  # run by the Pulumi CLI: the pack directory itself is on sys.path
    import contract  # type: ignore[no-redef]
    import signatures  # type: ignore[no-redef]

PACK_DIR = Path(__file__).resolve().parent

# --- the label/tag contract: one module (contract.py), shared with the program and review --

ALARM_KIND = contract.ALARM_KIND
CATALOG_ENTRY_ANNOTATION = contract.CATALOG_ENTRY_ANNOTATION
CATALOG_SIGNATURE_ANNOTATION = contract.CATALOG_SIGNATURE_ANNOTATION
ENVIRONMENT = contract.ENVIRONMENT
FLEET_SERVER = contract.FLEET_SERVER
OWNER = contract.OWNER
PREFIX = contract.PREFIX
REQUIRED_KEYS = contract.REQUIRED_KEYS
SERVER = contract.SERVER
SLO_P95_MS = contract.SLO_P95_MS
SLO_SUCCESS_RATE = contract.SLO_SUCCESS_RATE
STAGES = contract.STAGES
TENANT = contract.TENANT
TIER = contract.TIER

# --- resource types -------------------------------------------------------------------------

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
SERVICE = "kubernetes:core/v1:Service"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
POD_DISRUPTION_BUDGET = "kubernetes:policy/v1:PodDisruptionBudget"
HORIZONTAL_POD_AUTOSCALER = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"

POD_TEMPLATE_WORKLOADS = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET, JOB)
KUBERNETES_WORKLOADS = (
    DEPLOYMENT,
    STATEFUL_SET,
    DAEMON_SET,
    JOB,
    CRON_JOB,
    SERVICE,
    SERVICE_ACCOUNT,
    POD_DISRUPTION_BUDGET,
    HORIZONTAL_POD_AUTOSCALER,
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
    NETWORK_POLICY,
)

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"

# AWS resource types this fleet creates that take tags, for when a program leaves ``tags``
# out of the inputs entirely (then the key is absent and can't reveal that the type is
# taggable). Any other resource whose inputs hold a ``tags`` key counts as taggable too.
TAGGABLE_AWS_TYPES = frozenset(
    {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:lb/targetGroup:TargetGroup",
        "aws:alb/targetGroup:TargetGroup",
        "aws:lb/listener:Listener",
        "aws:alb/listener:Listener",
        "aws:lb/listenerRule:ListenerRule",
        "aws:alb/listenerRule:ListenerRule",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:sns/topic:Topic",
        "aws:kms/key:Key",
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:acm/certificate:Certificate",
    }
)


# --- safe reads -----------------------------------------------------------------------------


class _Unknown:
    """A value the engine does not know yet (preview); falsy, equal only to itself."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<unknown during preview>"


UNKNOWN: Any = _Unknown()

_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS)


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """``value[p0][p1]...``; ``default`` when a step is missing, ``UNKNOWN`` when unknown."""
    current = value
    for step in path:
        if is_unknown(current):
            return UNKNOWN
        try:
            if isinstance(step, int):
                if not isinstance(current, Sequence) or isinstance(current, str):
                    return default
                if not -len(current) <= step < len(current):
                    return default
                current = current[step]
            else:
                if not isinstance(current, Mapping) or step not in current:
                    return default
                current = current[step]
        except UnknownValueError:
            return UNKNOWN
        except (KeyError, IndexError, TypeError):
            return default
    if is_unknown(current):
        return UNKNOWN
    return default if current is None else current


def items(value: Any) -> Iterator[Any]:
    """The elements of a list (unknown elements as ``UNKNOWN``); nothing for a non-list."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return
    for index in range(len(value)):
        yield get(value, index)


def entries(value: Any) -> Iterator[tuple[str, Any]]:
    """The members of a mapping (unknown values as ``UNKNOWN``); nothing for a non-mapping."""
    if not isinstance(value, Mapping):
        return
    for key in list(value):
        yield str(key), get(value, key)


def plain(value: Any) -> Any:
    """A proxied value as plain dicts/lists (unknowns as ``UNKNOWN``), for JSON and parsing."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in entries(value)}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(item) for item in items(value)]
    return UNKNOWN if is_unknown(value) else value


def as_number(value: Any) -> float | None:
    """A number from a number or numeric text; None otherwise (including unknown)."""
    if isinstance(value, bool) or is_unknown(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def string_map(value: Any) -> dict[str, Any]:
    """A mapping of strings (labels, tags), with unknown values kept as ``UNKNOWN``."""
    if isinstance(value, str) and not is_unknown(value):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return {key: item for key, item in entries(value)}


# --- config -----------------------------------------------------------------------------------


def config_with_defaults(args: Any, schema: PolicyConfigSchema) -> dict[str, Any]:
    """The policy's config over its schema's defaults.

    The Pulumi CLI fills in defaults before it configures the pack, but other callers (an
    offline review, tests) may not; applying them here makes every caller equal.
    """
    merged = {
        name: prop["default"] for name, prop in schema.properties.items() if "default" in prop
    }
    try:
        given = args.get_config() or {}
    except AttributeError:
        given = {}
    merged.update({key: value for key, value in dict(given).items() if key != "enforcementLevel"})
    return merged


def today(config: Mapping[str, Any]) -> dt.date:
    """``now`` from config (ISO date or timestamp) for reproducible reviews, else today (UTC)."""
    text = config.get("now")
    if isinstance(text, str) and text:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC).date()


def pack_path(text: str) -> Path:
    """A config path: absolute, or relative to the policy pack directory."""
    path = Path(text)
    return path if path.is_absolute() else PACK_DIR / path


class TrustConfigError(Exception):
    """The policy config names keys that can't be loaded; reported, never crashed on."""


def key_ring(
    config: Mapping[str, Any], *, ids: str, directory: str, inline: str
) -> signatures.KeyRing:
    """The keys a policy trusts: ``ids`` looked up in ``directory``, plus ``inline`` PEMs.

    A key id listed but not found is an error: a stack that means to trust a key and can't
    load it must hear about it, not silently trust nothing.
    """
    trusted_ids = [str(item) for item in config.get(ids) or []]
    folder = pack_path(str(config.get(directory) or "."))
    try:
        inline_keys = signatures.KeyRing.from_pems(dict(config.get(inline) or {}))
        found = signatures.KeyRing.from_directory(folder)
    except signatures.SignatureProblem as error:
        raise TrustConfigError(f"policy config: {error}") from None
    missing = [key for key in trusted_ids if key not in found and key not in inline_keys]
    if missing:
        raise TrustConfigError(
            f"policy config: {ids} lists {', '.join(missing)} but no such key is in "
            f"{folder} (files are named <key-id>.pem)"
        )
    return found.restricted_to(trusted_ids).merged(inline_keys)


TRUST_SCHEMA: dict[str, dict[str, Any]] = {
    "trustedKeyIds": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "default": [],
        "description": "Approver key ids this stack trusts (files <key-id>.pem in keysDir).",
    },
    "keysDir": {
        "type": "string",
        "default": "../catalog/keys",
        "description": "Directory of approver public keys, relative to the policy pack.",
    },
    "trustedKeys": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "default": {},
        "description": "More trusted approver keys inline: {key id: PEM public key}.",
    },
}


def approver_keys(config: Mapping[str, Any]) -> signatures.KeyRing:
    return key_ring(config, ids="trustedKeyIds", directory="keysDir", inline="trustedKeys")


# --- Kubernetes views -------------------------------------------------------------------------


def labels_of(props: Any) -> dict[str, Any]:
    return string_map(get(props, "metadata", "labels", default={}))


def annotations_of(props: Any) -> dict[str, Any]:
    return string_map(get(props, "metadata", "annotations", default={}))


def name_of(props: Any, fallback: str = "") -> str:
    name = get(props, "metadata", "name")
    return name if isinstance(name, str) and name else fallback


def namespace_of(props: Any) -> Any:
    """The namespace, ``UNKNOWN``, or "default" when unset (as the API server would)."""
    namespace = get(props, "metadata", "namespace")
    return namespace if namespace is not None else "default"


def pod_spec_of(resource_type: str, props: Any) -> Any:
    if resource_type == CRON_JOB:
        return get(props, "spec", "jobTemplate", "spec", "template", "spec")
    if resource_type in POD_TEMPLATE_WORKLOADS:
        return get(props, "spec", "template", "spec")
    return None


def pod_labels_of(resource_type: str, props: Any) -> dict[str, Any]:
    if resource_type == CRON_JOB:
        return string_map(
            get(props, "spec", "jobTemplate", "spec", "template", "metadata", "labels")
        )
    return string_map(get(props, "spec", "template", "metadata", "labels"))


@dataclass(frozen=True)
class Container:
    kind: str  # "containers", "initContainers" or "ephemeralContainers"
    name: str
    spec: Any

    @property
    def image(self) -> Any:
        return get(self.spec, "image")

    @property
    def label(self) -> str:
        return (
            f"{self.kind[:-1]} {self.name!r}"
            if self.kind != "containers"
            else f"container {self.name!r}"
        )


def containers_of(pod_spec: Any) -> list[Container]:
    found = []
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for index, spec in enumerate(items(get(pod_spec, kind))):
            name = get(spec, "name")
            found.append(Container(kind, name if isinstance(name, str) else f"#{index}", spec))
    return found


# --- AWS views --------------------------------------------------------------------------------


def provider_default_tags(provider: Any) -> dict[str, Any]:
    """``defaultTags.tags`` of the resource's AWS provider (provider config may be JSON text)."""
    if provider is None:
        return {}
    default_tags = get(getattr(provider, "props", None), "defaultTags")
    if isinstance(default_tags, str) and not is_unknown(default_tags):
        try:
            default_tags = json.loads(default_tags)
        except ValueError:
            return {}
    return string_map(get(default_tags, "tags", default={}))


def tags_of(props: Any, provider: Any = None) -> dict[str, Any]:
    """The tags AWS will put on a resource: the provider's default tags, then its own."""
    tags = provider_default_tags(provider)
    own = get(props, "tags")
    if is_unknown(own):
        return {**tags, **{key: UNKNOWN for key in REQUIRED_KEYS if key not in tags}}
    tags.update(string_map(own))
    return tags


def is_taggable_aws(resource_type: str, props: Any) -> bool:
    if not resource_type.startswith("aws:") or resource_type.startswith("pulumi:providers:"):
        return False
    if resource_type in TAGGABLE_AWS_TYPES:
        return True
    return isinstance(props, Mapping) and "tags" in props


def identity_of(resource_type: str, props: Any, provider: Any = None) -> dict[str, Any]:
    """Labels of a Kubernetes object or tags of an AWS resource: the same keys for both."""
    if resource_type.startswith("kubernetes:"):
        return labels_of(props)
    return tags_of(props, provider)


# --- catalog evidence on a Deployment ---------------------------------------------------------


@dataclass(frozen=True)
class CatalogEvidence:
    """What a Deployment proves about where it came from.

    ``entry`` is set only when the annotation's entry verified against a trusted key.
    ``reason`` is ``ok``, ``unknown`` (can't tell during preview), ``missing``, ``unsigned``,
    ``untrusted-key``, ``tampered``, ``malformed`` or ``config``; ``problem`` explains it.
    """

    reason: str
    problem: str = ""
    entry: dict[str, Any] | None = None
    approver: signatures.TrustedKey | None = None

    @property
    def verified(self) -> bool:
        return self.entry is not None


def catalog_evidence(props: Any, config: Mapping[str, Any]) -> CatalogEvidence:
    annotations = get(props, "metadata", "annotations")
    if is_unknown(annotations):
        return CatalogEvidence("unknown", "the Deployment's annotations are not known yet")
    entry_text = get(annotations, CATALOG_ENTRY_ANNOTATION)
    signature_text = get(annotations, CATALOG_SIGNATURE_ANNOTATION)
    if is_unknown(entry_text) or is_unknown(signature_text):
        return CatalogEvidence("unknown", "the catalog annotations are not known yet")
    if not entry_text:
        return CatalogEvidence(
            "missing",
            f"it carries no {CATALOG_ENTRY_ANNOTATION} annotation: it was not deployed from "
            "an approved catalog entry",
        )
    try:
        entry = json.loads(entry_text)
    except ValueError as error:
        return CatalogEvidence("malformed", f"{CATALOG_ENTRY_ANNOTATION} is not JSON: {error}")
    if not isinstance(entry, dict):
        return CatalogEvidence("malformed", f"{CATALOG_ENTRY_ANNOTATION} is not a JSON object")
    if not signature_text:
        return CatalogEvidence(
            "unsigned",
            f"catalog entry {entry.get('name')!r} is unsigned (no "
            f"{CATALOG_SIGNATURE_ANNOTATION} annotation): an approver must run "
            "`python -m ops catalog sign` on it",
        )
    try:
        block = json.loads(signature_text)
    except ValueError as error:
        return CatalogEvidence("malformed", f"{CATALOG_SIGNATURE_ANNOTATION} is not JSON: {error}")
    try:
        trusted = approver_keys(config)
    except TrustConfigError as error:
        return CatalogEvidence("config", str(error))
    document = {**entry, signatures.SIGNATURE_FIELD: block}
    name = entry.get("name")
    try:
        approver = signatures.verify_entry(document, trusted)
    except signatures.UntrustedKeyError as error:
        return CatalogEvidence("untrusted-key", f"catalog entry {name!r} is {error}")
    except signatures.TamperedError as error:
        return CatalogEvidence("tampered", f"catalog entry {name!r} was tampered with: {error}")
    except signatures.UnsignedError as error:
        return CatalogEvidence("unsigned", f"catalog entry {name!r}: {error}")
    except signatures.SignatureProblem as error:
        return CatalogEvidence("malformed", f"catalog entry {name!r}: {error}")
    return CatalogEvidence("ok", entry=signatures.signed_document(entry), approver=approver)


# --- small parsers ------------------------------------------------------------------------------

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def percent_of(value: Any, total: float | None) -> float | None:
    """An int-or-percent (``maxUnavailable``) as a percent of ``total``; None if unknowable."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return float(match.group(1))
        number = as_number(value)
        value = number if number is not None else None
    if isinstance(value, bool) or value is None or is_unknown(value):
        return None
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        if total:
            return 100.0 * float(value) / total
    return None


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
