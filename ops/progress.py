"""What an operator sees while ops works: progress bars on a terminal, step lines always.

Progress bars (bytes moved, rate) are drawn on stderr only when stderr is a terminal, so
cron jobs and CI logs stay clean; one-line step messages go to stderr either way, and
command results go to stdout.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)


class ProgressTask:
    """One progress line: ``task(n)`` advances it by n bytes (thread-safe); ``done()``
    turns an open-ended bar (a stream of unknown length) into a full one."""

    def __init__(self, progress: Progress, task_id: TaskID) -> None:
        self._progress = progress
        self._task_id = task_id

    def __call__(self, amount: int) -> None:
        self._progress.update(self._task_id, advance=amount)

    def done(self) -> None:
        task = self._progress.tasks[self._task_id]
        self._progress.update(self._task_id, total=task.completed)


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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def task(self, description: str, total: int | None = None) -> ProgressTask:
        """A new progress line; call it with a number of bytes to advance it."""
        return ProgressTask(self._progress, self._progress.add_task(description, total=total))

    def note(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False, soft_wrap=True)


class Silent(TransferProgress):
    """No bars, no step lines (library use and tests)."""

    def __init__(self) -> None:
        super().__init__(enabled=False)

    def note(self, message: str) -> None:
        return None
