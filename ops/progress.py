"""What an operator sees while ops works: progress bars on a terminal, step lines always.

Progress bars (bytes moved, rate) are drawn on stderr only when stderr is a terminal, so
cron jobs and CI logs stay clean; one-line step messages go to stderr either way, and
command results go to stdout.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)


class TransferProgress:
    def __init__(self, enabled: bool | None = None, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.enabled,
            transient=False,
        )

    def __enter__(self) -> TransferProgress:
        self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()

    def task(self, description: str, total: int | None = None) -> Callable[[int], None]:
        """A callback that advances a new progress line by a number of bytes."""
        task_id = self._progress.add_task(description, total=total)

        def advance(amount: int) -> None:
            self._progress.update(task_id, advance=amount)

        return advance

    def note(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False, soft_wrap=True)


class Silent(TransferProgress):
    """No bars, no step lines (library use and tests)."""

    def __init__(self) -> None:
        super().__init__(enabled=False)

    def note(self, message: str) -> None:
        return None
