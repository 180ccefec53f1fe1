"""The web ACL in front of the load balancer: how much one client IP may send."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stacks.model_base import CamelModel, Integer


class WafSettings(CamelModel):
    """AWS WAF's rate-based rule: requests per client IP over a window, then blocked."""

    requests_per_window: Integer = Field(
        default=3000,
        ge=10,
        le=2_000_000_000,
        description="requests one client IP may send per window before AWS WAF blocks it, "
        "10 to 2000000000, like 3000",
    )
    window_seconds: Literal[60, 120, 300, 600] = Field(
        default=300, description="the window AWS WAF counts over: 60, 120, 300 or 600 seconds"
    )
