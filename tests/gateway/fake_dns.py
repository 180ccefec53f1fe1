"""A DNS server on loopback that answers SRV records the way Kubernetes DNS does.

A headless Service's named port is an SRV record listing each ready pod (target name and
port) with the pods' A records in the additional section. The tests change the records while
HAProxy runs, as pods come and go, to watch the gateway follow them.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

Pod = tuple[str, str, int]
"""(pod host name, IPv4 address, port)"""


class FakeDns:
    """SRV name -> pods; safe to change from the test while the server thread answers."""

    def __init__(self) -> None:
        self._records: dict[str, list[Pod]] = {}
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port: int = self._socket.getsockname()[1]
        self._stopped = threading.Event()

    def set(self, srv_name: str, pods: list[Pod]) -> None:
        with self._lock:
            self._records[srv_name] = list(pods)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().rstrip(".")
        with self._lock:
            pods = {key: list(value) for key, value in self._records.items()}
        if question.rdtype == dns.rdatatype.SRV and name in pods:
            for host, address, port in pods[name]:
                response.answer.append(
                    dns.rrset.from_text(question.name, 1, "IN", "SRV", f"0 50 {port} {host}.")
                )
                response.additional.append(dns.rrset.from_text(f"{host}.", 1, "IN", "A", address))
            return response
        addresses = [a for found in pods.values() for h, a, _ in found if h == name]
        if question.rdtype == dns.rdatatype.A and addresses:
            response.answer.append(dns.rrset.from_text(question.name, 1, "IN", "A", addresses[0]))
            return response
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response

    def serve(self) -> None:
        while not self._stopped.is_set():
            try:
                data, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            self._socket.sendto(self._answer(dns.message.from_wire(data)).to_wire(), peer)

    def stop(self) -> None:
        self._stopped.set()


@contextmanager
def fake_dns() -> Iterator[FakeDns]:
    server = FakeDns()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=2)
        server._socket.close()
