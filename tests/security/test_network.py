"""Threat: a submission reaches the network, loopback included. Listeners on the host record
every connection or datagram; none may arrive, and the attempts must fail fast."""
from __future__ import annotations

import os
import secrets
import socket
import threading
import time

import pytest

from tests.security.conftest import GOOD, lines


class Listener:
    """A host socket that records whatever reaches it while a submission runs."""

    def __init__(self, family: int, kind: int, address):
        self.sock = socket.socket(family, kind)
        self.sock.bind(address)
        if kind == socket.SOCK_STREAM:
            self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.seen: list = []
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return self.sock.getsockname()

    def _serve(self):
        while not self.stop:
            try:
                if self.sock.type == socket.SOCK_STREAM:
                    conn, peer = self.sock.accept()
                    self.seen.append(peer)
                    conn.close()
                else:
                    self.seen.append(self.sock.recvfrom(4096))
            except (socket.timeout, OSError):
                continue

    def close(self) -> list:
        time.sleep(0.3)
        self.stop = True
        self.thread.join()
        self.sock.close()
        return self.seen


ATTEMPTS = '''
import socket
def attempt(family, kind, address, send=False):
    try:
        s = socket.socket(family, kind)
        s.settimeout(1)
        if send:
            s.sendto(b"leak", address)
        else:
            s.connect(address)
            s.sendall(b"leak")
        print("REACHED", address)
    except OSError as e:
        print("BLOCKED", address, type(e).__name__, e.errno)
'''


def run(lab, calls: str):
    t0 = time.monotonic()
    r = lab.grade(ATTEMPTS + calls + GOOD)
    return r, time.monotonic() - t0


def test_tcp_loopback_is_unreachable(lab):
    lis = Listener(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
    port = lis.address[1]
    r, _ = run(lab, "".join(f"attempt(socket.AF_INET, socket.SOCK_STREAM, ({h!r}, {port}))\n"
                            for h in ("127.0.0.1", "localhost", "0.0.0.0", "127.0.1.1")))
    assert lis.close() == []
    assert "REACHED" not in r.stdout and len(lines(r, "BLOCKED")) == 4
    assert r.score == lab.full_marks
    lab.healthy()


def test_udp_datagrams_do_not_leave(lab):
    lis = Listener(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
    port = lis.address[1]
    r, _ = run(lab, f"attempt(socket.AF_INET, socket.SOCK_DGRAM, ('127.0.0.1', {port}), send=True)\n")
    assert lis.close() == []
    assert "REACHED" not in r.stdout and "BLOCKED" in r.stdout
    lab.healthy()


def test_ipv6_loopback_is_unreachable(lab):
    try:
        lis = Listener(socket.AF_INET6, socket.SOCK_STREAM, ("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this host")
    port = lis.address[1]
    r, _ = run(lab, f"attempt(socket.AF_INET6, socket.SOCK_STREAM, ('::1', {port}))\n")
    assert lis.close() == []
    assert "REACHED" not in r.stdout and "BLOCKED" in r.stdout
    lab.healthy()


def test_host_unix_sockets_are_unreachable(lab, tmp_path):
    abstract = "\0tracegrade-test-" + secrets.token_hex(4)
    lis_abstract = Listener(socket.AF_UNIX, socket.SOCK_STREAM, abstract)
    path = str(tmp_path / "host.sock")
    lis_path = Listener(socket.AF_UNIX, socket.SOCK_STREAM, path)
    r, _ = run(lab, f"attempt(socket.AF_UNIX, socket.SOCK_STREAM, {abstract!r})\n"
                    f"attempt(socket.AF_UNIX, socket.SOCK_STREAM, {path!r})\n"
                    f"attempt(socket.AF_UNIX, socket.SOCK_STREAM, '/run/docker.sock')\n")
    assert lis_abstract.close() == [] and lis_path.close() == []
    assert "REACHED" not in r.stdout and len(lines(r, "BLOCKED")) == 3
    lab.healthy()


def test_raw_packet_and_netlink_sockets_cannot_be_opened(lab):
    src = '''
import socket
for fam, kind, proto in ((socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                         (socket.AF_PACKET, socket.SOCK_RAW, 0),
                         (socket.AF_NETLINK, socket.SOCK_RAW, 0),
                         (socket.AF_INET6, socket.SOCK_DGRAM, 0)):
    try:
        socket.socket(fam, kind, proto)
        print("OPENED", fam)
    except OSError as e:
        print("BLOCKED", fam, e.errno)
''' + GOOD
    r = lab.grade(src)
    assert "OPENED" not in r.stdout and len(lines(r, "BLOCKED")) == 4
    assert r.score == lab.full_marks
    lab.healthy()


def test_outside_addresses_fail_fast(lab):
    r, seconds = run(lab, "attempt(socket.AF_INET, socket.SOCK_STREAM, ('1.1.1.1', 443))\n"
                          "attempt(socket.AF_INET, socket.SOCK_DGRAM, ('8.8.8.8', 53), send=True)\n"
                          "import urllib.request\ntry:\n"
                          "    urllib.request.urlopen('http://example.com', timeout=1)\n"
                          "    print('REACHED http')\nexcept OSError as e:\n    print('BLOCKED http', e)\n")
    assert "REACHED" not in r.stdout and len(lines(r, "BLOCKED")) == 3
    assert r.score == lab.full_marks
    assert seconds < 30
    lab.healthy()
