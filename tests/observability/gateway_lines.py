"""Gateway access-log lines as the cluster ships them, for the gateway metric filters' tests.

A line has exactly the fields of gateway/log_format.py's FIELDS, with the values HAProxy
writes (numbers for %Ts.%ms, %ST, %Ta...; ``-`` for an unset variable, as the lab's lines
show); Container Insights' Fluent Bit nests it under ``log_processed`` beside the pod's
``kubernetes`` metadata, the gateway's namespace included.
"""

from __future__ import annotations

import json
from typing import Any

from components.gateway_metrics import DEFAULT_GATEWAY_NAMESPACE, NOT_DENIED, TOOLS_CALL
from gateway.log_format import FIELDS


def gateway_line(**values: Any) -> dict[str, Any]:
    """One access-log record; ``values`` override the defaults (an admitted, successful call)."""
    line: dict[str, Any] = {
        "time_unix": 1796061882.386,
        "handshake_ms": 0,
        "idle_ms": 1,
        "gateway": "gateway-7c9d4b5f6-x2k8q",
        "client": "10.0.3.17",
        "user_agent": "python-httpx/0.28.1",
        "sub": "user:4f1c",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "tenant": "storefront",
        "server": "github",
        "method": TOOLS_CALL,
        "tool": "search_issues",
        "http_method": "POST",
        "status": 200,
        "latency_ms": 120,
        "upstream_ms": 110,
        "replica": "r1",
        "denial": NOT_DENIED,
        "bytes_out": 512,
        "termination": "--",
    }
    unknown = set(values) - set(line)
    if unknown:
        raise KeyError(f"not an access-log field: {sorted(unknown)}")
    line.update(values)
    assert [name for name, _ in FIELDS] == list(line), "log_format.FIELDS changed"
    return line


def shipped(line: dict[str, Any], namespace: str = DEFAULT_GATEWAY_NAMESPACE) -> str:
    """The CloudWatch log event for one stdout line of a pod in ``namespace``."""
    return json.dumps(
        {
            "time": "2026-11-26T18:04:42.386999Z",
            "stream": "stdout",
            "_p": "F",
            "log": json.dumps(line),
            "log_processed": line,
            "kubernetes": {
                "pod_name": str(line.get("gateway", "x")),
                "namespace_name": namespace,
                "container_name": "haproxy",
                "host": "ip-10-0-1-23.eu-west-1.compute.internal",
            },
        }
    )
