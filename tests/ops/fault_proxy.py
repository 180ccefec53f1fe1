"""A TCP proxy that lets an S3 endpoint "die" or stall mid-upload, for fault-injection tests.

Forwards loopback connections to a real endpoint (moto_server). Once ``limit`` bytes have
gone upstream it either drops every connection and refuses new ones, like a crashed
endpoint or a severed network (``revive()`` makes it forward again), or, with
``stall=True``, holds the bytes until ``release()``: a test then knows for certain that the
client is in the middle of an upload, however fast or loaded the machine is.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class DyingProxy:
    def __init__(self, upstream_port: int, limit: int, stall: bool = False) -> None:
        self.upstream_port = upstream_port
        self.limit = limit
        self.stall = stall
        self.stalled = threading.Event()
        self._released = threading.Event()
        self.forwarded = 0
        self.dead = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def revive(self) -> None:
        self.limit = 1 << 62
        self.dead.clear()

    def release(self) -> None:
        """Forward what was held, and everything from now on."""
        self.limit = 1 << 62
        self._released.set()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.dead.is_set():
                client.close()  # refused: the endpoint is down
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update({client, upstream})
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, upstream: bool) -> None:
        try:
            while data := source.recv(65536):
                if upstream:
                    with self._lock:
                        self.forwarded += len(data)
                        over = self.forwarded > self.limit
                    if over and self.stall:
                        self.stalled.set()
                        self._released.wait(timeout=120)
                    elif over:
                        self._die()
                        return
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _die(self) -> None:
        self.dead.set()
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self._stopped = True
        self._die()
        with contextlib.suppress(OSError):
            self._listener.close()


@contextlib.contextmanager
def dying_proxy(upstream_port: int, limit: int, stall: bool = False) -> Iterator[DyingProxy]:
    proxy = DyingProxy(upstream_port, limit, stall)
    try:
        yield proxy
    finally:
        proxy.close()
