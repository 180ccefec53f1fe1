"""Start every reference-server replica of the lab from one interpreter: import once, fork each.

Importing the MCP SDK costs about a second of CPU; a lab of six servers with two replicas each
paid it twelve times, on machines where the tests share two cores. Here the parent imports
once and forks one child per replica, each a separate process with its own PID and log, so
killing one replica still kills only that replica. The parent prints one JSON line per child
(``{"name": ..., "pid": ...}``) and exits; the children run on.

Input: a JSON list on stdin of ``{"name", "log", "argv"}``, where ``argv`` are the arguments
of ``python -m lab.reference_server``.
"""

from __future__ import annotations

import json
import os
import sys

from lab import reference_server


def _run_child(log: str, argv: list[str]) -> None:
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)
    status = 0
    try:
        reference_server.main(argv)
    except BaseException:  # the child must never return into the parent's loop
        import traceback

        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def main() -> None:
    replicas = json.loads(sys.stdin.read())
    for replica in replicas:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _run_child(replica["log"], list(replica["argv"]))
        print(json.dumps({"name": replica["name"], "pid": pid}), flush=True)


if __name__ == "__main__":
    main()
