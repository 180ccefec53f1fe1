"""The policy pack judging a stack while the program is still registering it, as the CLI does.

``pulumi preview --policy-pack`` sends each resource to the analyzer as the program registers
it, so the pack works while the program runs. The review used to render first and analyze
afterwards, leaving one of the machine's cores idle during each. Here the pack is started,
configured and fed on a thread of its own while the render worker runs: each resource the
worker streams (``review.render.streaming_records``) is queued and analyzed at once, and
after the render whatever the stream did not carry (the root stack, a render read from the
cache) is analyzed before ``AnalyzeStack``. The report is the one ``analyze_stack`` gives for
the same stack (``PackSession`` lists verdicts in the stack's resource order), so a streamed
review and a cached one are byte-identical.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

from review.analyze import PackSession, PolicyReport, StackConfig
from review.engine_resources import EngineView, engine_resources
from review.pack_process import running_pack
from review.policy_config import load_policy_config
from review.render import RenderedStack

_DONE = object()


class StreamedAnalysis:
    """Start with ``start()``; hand it records with ``record``; end with ``finish`` (the
    rendered stack) or ``abandon`` (the render failed). Errors of the pack or its config
    are raised by ``finish``, exactly as ``analyze_stack`` raises them."""

    def __init__(
        self, stack_config: StackConfig, pack_dir: Path, policy_config_file: Path | None
    ) -> None:
        self.stack_config = stack_config
        self.pack_dir = pack_dir
        self.policy_config_file = policy_config_file
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._rendered: RenderedStack | None = None
        self._report: PolicyReport | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="policy-pack", daemon=True)
        self.streamed = 0
        """Resources analyzed while the program was registering (for tests and profiles)."""

    def start(self) -> StreamedAnalysis:
        self._thread.start()
        return self

    def record(self, record: dict[str, Any]) -> None:
        """A resource the program just registered (``render_worker.stream_line``'s fields)."""
        self._queue.put(record)

    def finish(self, rendered: RenderedStack) -> PolicyReport:
        self._rendered = rendered
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._report is not None
        return self._report

    def abandon(self) -> None:
        """The render failed: stop the pack, report nothing."""
        self._queue.put(_DONE)
        self._thread.join()

    def _run(self) -> None:
        try:
            given = load_policy_config(self.policy_config_file)
            with running_pack(self.pack_dir, self.stack_config) as pack:
                session = PackSession.configure(
                    pack, self.stack_config, self.policy_config_file, given
                )
                config = self.stack_config.config
                view = EngineView(self.stack_config.project, self.stack_config.stack, config)
                while (item := self._queue.get()) is not _DONE:
                    for resource in view.add(item):
                        session.analyze(resource)
                        self.streamed += 1
                if self._rendered is not None:
                    resources = engine_resources(self._rendered, config)
                    self._report = session.finish(self._rendered, resources)
        except BaseException as error:  # handed to the caller by finish()
            self._error = error
