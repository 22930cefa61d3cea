"""A loopback HTTPS server with a throwaway CA, for tests of anything that fetches.

Nothing here touches the real network: the server listens on 127.0.0.1 (port 0, so the
OS picks a free port) and presents a certificate for test hostnames (``issuer.test``,
``status.test`` ...) signed by a CA generated for the test session. Clients reach it by
mapping the hostname to 127.0.0.1 explicitly, e.g. with
``NetworkPolicy(resolve=server.resolve_entries("status.test"), ca_bundle=server.ca_path)``.

Use it from any test module (``tests/`` is on ``sys.path`` because ``tests/conftest.py``
lives there); ``pytest_plugins`` registers the ``https_server`` and ``tls_material``
fixtures::

    from https_fixture import HTTPSServer, Route

    pytest_plugins = ["https_fixture"]

    def test_something(https_server: HTTPSServer) -> None:
        https_server.routes["/list"] = Route(200, {"Content-Type": "application/json"}, b"{}")
        url = https_server.url("status.test", "/list")
        ...
        assert len(https_server.requests) == 1
        assert https_server.requests[0].sni == "status.test"

A :class:`Route` can also redirect (status 3xx + ``Location``), ``stall`` before answering
(released when the server stops, never longer than ``STALL_LIMIT`` seconds), trickle its
body in small pieces, or omit ``Content-Length`` so the body is delimited by connection close.

(PYTEST_DONT_REWRITE: plain helpers; test modules import it before pytest registers it.)
"""

from __future__ import annotations

import datetime as _dt
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

__all__ = [
    "DEFAULT_HOSTNAMES",
    "STALL_LIMIT",
    "HTTPSServer",
    "RecordedRequest",
    "Route",
    "TLSMaterial",
    "https_server",
    "make_tls_material",
    "tls_material",
]

DEFAULT_HOSTNAMES = ("issuer.test", "status.test", "example.test")
STALL_LIMIT = 30.0  # upper bound on how long a stalled route can hold a server thread


@dataclass(frozen=True)
class TLSMaterial:
    """PEM files: the throwaway CA (give ``ca_path`` to the client) and the server's pair."""

    ca_path: Path
    cert_path: Path
    key_path: Path
    hostnames: tuple[str, ...]


def make_tls_material(
    directory: Path, hostnames: tuple[str, ...] = DEFAULT_HOSTNAMES
) -> TLSMaterial:
    """Generate a CA and a server certificate whose SANs are exactly ``hostnames``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = _dt.datetime.now(_dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mcbadge test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in hostnames]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    material = TLSMaterial(
        directory / "ca.pem", directory / "server.pem", directory / "server.key", tuple(hostnames)
    )
    material.ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    material.cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    material.key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return material


@dataclass
class Route:
    """What the server answers on one path.

    ``stall``: wait (until the server stops) before sending anything.
    ``trickle``: send the body in pieces of this many bytes, flushing each, waiting
    ``piece_delay`` seconds (bounded; cut short when the server stops) between pieces.
    ``content_length``: send a Content-Length header (otherwise the body ends at close).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b"{}"
    stall: bool = False
    trickle: int = 0
    piece_delay: float = 0.0
    content_length: bool = True


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    sni: str | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._record(
            RecordedRequest("GET", self.path, dict(self.headers.items()), _sni_of(self.connection))
        )
        route = owner.routes.get(self.path.split("?", 1)[0])
        if route is None:
            route = Route(404, {"Content-Type": "text/plain"}, b"not found")
        if route.stall:
            owner.release.wait(STALL_LIMIT)
            return
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.content_length:
            self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        try:
            if route.trickle:
                for start in range(0, len(route.body), route.trickle):
                    self.wfile.write(route.body[start : start + route.trickle])
                    self.wfile.flush()
                    if route.piece_delay and owner.release.wait(min(route.piece_delay, 1.0)):
                        return
            else:
                self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client hung up (e.g. its size cap tripped); that is the point

    def log_message(self, format: str, *args: object) -> None:
        del format, args  # keep test output clean


def _sni_of(connection: object) -> str | None:
    return getattr(connection, "mcbadge_sni", None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HTTPSServer

    def handle_error(self, request: object, client_address: object) -> None:
        del request, client_address  # failed handshakes are expected in TLS tests


class HTTPSServer:
    """The running server: edit ``routes``, read ``requests``; see the module docstring."""

    def __init__(self, material: TLSMaterial) -> None:
        self.material = material
        self.ca_path = material.ca_path
        self.routes: dict[str, Route] = {}
        self.requests: list[RecordedRequest] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(material.cert_path, material.key_path)
        context.sni_callback = _remember_sni
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> HTTPSServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def url(self, host: str, path: str = "/") -> str:
        """The https URL of ``path`` on this server under the test hostname ``host``."""
        return f"https://{host}:{self.port}{path}"

    def resolve_entries(self, *hosts: str) -> dict[tuple[str, int], str]:
        """``NetworkPolicy.resolve`` entries mapping each host (on this port) to 127.0.0.1."""
        return {(host, self.port): "127.0.0.1" for host in hosts or self.material.hostnames}

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


def _remember_sni(
    sock: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _ctx: object
) -> None:
    sock.mcbadge_sni = server_name  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> TLSMaterial:
    """A CA and a server certificate for ``DEFAULT_HOSTNAMES``, generated once per session."""
    return make_tls_material(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(tls_material: TLSMaterial) -> Iterator[HTTPSServer]:
    """A fresh loopback HTTPS server (no routes yet) for one test; stopped afterwards."""
    server = HTTPSServer(tls_material).start()
    try:
        yield server
    finally:
        server.stop()
