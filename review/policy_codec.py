"""A policy report as JSON and back, exactly: what the review cache stores for an analysis.

JSON rather than pickle, so an entry from a shared cache is data and never code; every field
of the report round-trips (tuples come back as tuples, dict order is kept), so a report read
from the cache gives the same review, byte for byte, as the analysis that produced it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from review.analyze import PolicyDiagnostic, PolicyReport
from review.policy_config import DeclaredPolicy, PolicyConfig


def encode_report(report: PolicyReport) -> bytes:
    document = {
        "pack": report.pack,
        "version": report.version,
        "policies": [asdict(policy) for policy in report.policies],
        "config": {name: asdict(config) for name, config in report.config.items()},
        "diagnostics": [asdict(diagnostic) for diagnostic in report.diagnostics],
        "not_applicable": [list(pair) for pair in report.not_applicable],
    }
    return json.dumps(document).encode()


def _policy(document: dict[str, Any]) -> DeclaredPolicy:
    return DeclaredPolicy(**{**document, "required": tuple(document.get("required") or ())})


def decode_report(payload: bytes) -> PolicyReport:
    document = json.loads(payload)
    return PolicyReport(
        pack=document["pack"],
        version=document["version"],
        policies=tuple(_policy(policy) for policy in document["policies"]),
        config={name: PolicyConfig(**config) for name, config in document["config"].items()},
        diagnostics=tuple(PolicyDiagnostic(**d) for d in document["diagnostics"]),
        not_applicable=tuple((policy, reason) for policy, reason in document["not_applicable"]),
    )
