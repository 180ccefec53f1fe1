"""Profile a whole Python process, every thread, when ``MCP_FLEET_PROFILE_OUT`` names a file.

``benchmarks/review_profile.py`` puts this directory on ``PYTHONPATH`` for the render worker
and for the policy pack process, which the review starts and stops itself, so both are
profiled without changing the review: the pack's policies run on gRPC worker threads, which
a plain ``python -m cProfile`` would not see, and it is stopped with SIGTERM, which would
lose an ``atexit`` dump. Each thread gets its own profiler, timed by the thread's own CPU
clock (``time.thread_time``), so other work on a busy machine does not inflate the figures
and threads waiting cost nothing; on SIGTERM or a normal exit the profiles are merged into
one pstats file.
"""

from __future__ import annotations

import os

_OUT = os.environ.pop("MCP_FLEET_PROFILE_OUT", None)  # the pack's own children go unprofiled

if _OUT:
    import atexit
    import cProfile
    import pstats
    import signal
    import threading
    import time
    from typing import Any

    _profiles: list[cProfile.Profile] = []
    _thread_run = threading.Thread.run

    def _profiled_run(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        _profiles.append(profile)
        profile.enable()
        try:
            _thread_run(self)
        finally:
            profile.disable()

    class _Snapshot:
        """What ``pstats.Stats`` loads: a profile's stats taken without disabling it from
        another thread (a worker may still be waiting for work)."""

        def __init__(self, profile: cProfile.Profile) -> None:
            profile.snapshot_stats()
            self.stats = profile.stats  # type: ignore[attr-defined]

        def create_stats(self) -> None:
            pass

    def _dump(out: str) -> None:
        _main.disable()
        snapshots = [_Snapshot(p) for p in [_main, *_profiles]]
        pstats.Stats(*snapshots).dump_stats(f"{out}.partial")  # type: ignore[arg-type]
        os.replace(f"{out}.partial", out)  # whoever waits for the file sees it whole

    _out: str = _OUT

    def _dump_and_exit(*_: Any) -> None:
        _dump(_out)
        os._exit(0)

    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    signal.signal(signal.SIGTERM, _dump_and_exit)
    atexit.register(_dump, _out)
    _main = cProfile.Profile(time.thread_time)
    _main.enable()
