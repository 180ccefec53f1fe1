"""The two widget shapes the fleet dashboard is made of: markdown text and metric graphs."""

from __future__ import annotations

from typing import Any, Protocol

GRID_WIDTH = 24
"""CloudWatch dashboards are 24 grid units wide."""

Widget = dict[str, Any]


class Located(Protocol):
    """What a graph needs to know about where its metrics live."""

    @property
    def region(self) -> str: ...


def text(markdown: str, y: int, height: int = 2) -> Widget:
    return {
        "type": "text",
        "x": 0,
        "y": y,
        "width": GRID_WIDTH,
        "height": height,
        "properties": {"markdown": markdown},
    }


def graph(
    view: Located,
    title: str,
    metrics: list[list[Any]],
    x: int,
    y: int,
    *,
    stat: str = "Sum",
    period: int = 60,
    width: int = 6,
    height: int = 6,
    annotations: list[dict[str, Any]] | None = None,
    left_label: str | None = None,
    stacked: bool = False,
) -> Widget:
    properties: dict[str, Any] = {
        "title": title,
        "region": view.region,
        "view": "timeSeries",
        "stacked": stacked,
        "stat": stat,
        "period": period,
        "metrics": metrics,
    }
    if annotations:
        properties["annotations"] = {"horizontal": annotations}
    axis: dict[str, Any] = {"min": 0}
    if left_label:
        axis["label"] = left_label
    properties["yAxis"] = {"left": axis}
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "properties": properties,
    }
