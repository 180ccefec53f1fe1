"""The ALB stand-in: a plain round-robin HAProxy in front of the gateway replicas.

Like the real ALB it knows nothing about MCP: it health-checks each gateway replica and
stops sending to one that fails, so killing a replica costs at most a retried connection.
"""

from __future__ import annotations


def render_alb(listen: str, gateways: list[tuple[str, int, int]]) -> str:
    """``gateways``: (name, traffic port, health port) of each replica on loopback."""
    lines = [
        "# The lab's stand-in for the ALB; rendered by lab.alb.",
        "defaults",
        "    mode http",
        "    timeout connect 1s",
        "    timeout client 120s",
        "    timeout server 120s",
        "    retries 3",
        "    retry-on conn-failure",
        "    option redispatch 1",
        "",
        "frontend alb",
        f"    bind {listen}",
        "    monitor-uri /alb/healthz",
        "    default_backend gateways",
        "",
        "backend gateways",
        "    balance roundrobin",
        "    option httpchk GET /healthz",
        "    default-server check inter 500ms fall 1 rise 2",
    ]
    lines += [
        f"    server {name} 127.0.0.1:{port} check port {health}" for name, port, health in gateways
    ]
    return "\n".join(lines) + "\n"
