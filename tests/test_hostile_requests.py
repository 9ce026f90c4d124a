"""No request makes the service answer 5xx or drop the connection: IRI-breaking and overlong path segments,
malformed and out-of-range header values (``If-Modified-Since`` in year 99999999999, ``Range``, ``Host``,
``Accept``...), undecodable bytes, odd methods, on every route, documented or not (schemathesis covers only
the documented operations, see test_openapi_conformance.py).

Requests are written byte for byte on a raw socket (an HTTP client would refuse to send most of them) to a
real ``mediakg serve`` over the project's build."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ld_support import linked_data_build
from service_fixtures import start_server

FAR_FUTURE = b"Sun, 06 Nov 99999999999 08:49:37 GMT"

#: Path segments (already percent-encoded where they must be) that break IRIs, file names or decoders.
SEGMENTS = [
    "x%7D", "x%3Ey", "x%3C", "x%22y", "x%7Cy", "x%5Ey", "x%60y", "x%5C", "x%20y", "%0A", "%0D%0A", "%00",
    "%FF", "%C0%AF", "%ED%A0%80", "%F0%9F%98%80", "%E2%80%AE", "a" * 8000, "..", "%2e%2e", "%2F", "%25",
    "%", "%ZZ", ":", "mkg:", "xsd:", "foo:bar", "mkg:x%7D", "id:%3C", "a%3Ab%3Ac", "~", "mediakg.css%00",
]  # fmt: skip
#: Where a segment goes: path parameters of every route, query parameters, the query string itself.
TARGETS = [
    "/class/{}", "/class/mkg:{}", "/id/{}", "/id/person/{}", "/static/{}", "/download/{}",
    "/download/mediakg.ttl{}", "/api/{}", "/{}", "/search?q={}", "/sparql?query={}", "/sparql?format={}",
    "/sparql?default-graph-uri={}&query=ASK%7B%7D", "/id/state/kazakhstan?format={}", "/ontology?format={}",
    "/shapes?format={}", "/.well-known/void?format={}", "/api/claims?event={}",
    "/api/incidents-by-year?from={}", "/api/sources?format={}", "/api/people-search?name={}",
]  # fmt: skip
#: Header values that are malformed, out of range or not text.
HEADERS = [
    (b"If-Modified-Since", FAR_FUTURE),
    (b"If-Modified-Since", b"Mon, 01 Jan 0001 00:00:00 +2359"),
    (b"If-Modified-Since", b"Fri, 31 Dec 9999 23:59:59 -2359"),
    (b"If-Modified-Since", b"\xff\xfe"),
    (b"If-None-Match", b"\x01"),
    (b"If-None-Match", b"W/"),
    (b"If-None-Match", b"\xff"),
    (b"Accept", b"*/*;q=NaN"),
    (b"Accept", b"text/html;q=1e999"),
    (b"Accept", b",,,;;;"),
    (b"Accept", b"a/b/c"),
    (b"Accept", b"\xff/\xff"),
    (b"Accept-Encoding", b"gzip;q=nan"),
    (b"Range", b"bytes=99999999999999999999-"),
    (b"Range", b"bytes=5-1"),
    (b"Range", b"bytes=-99999999999999999999999"),
    (b"Range", b"bytes=" + b",".join([b"0-0"] * 500)),
    (b"If-Range", FAR_FUTURE),
    (b"Host", b"["),
    (b"Host", b"a b"),
    (b"Host", b"x:99999999"),
    (b"Host", b"\xff"),
    (b"X-Forwarded-Proto", b"\x7f"),
    (b"Content-Type", b"application/x-www-form-urlencoded; charset=latin1"),
    (b"Accept-Language", b"\xff" * 100),
    (b"Origin", b"\xff"),
]
#: One URL per route (with the parameters that make it do real work).
PATHS = [
    "/", "/api", "/api/claims", "/api/incidents-by-year?from=2010", "/sparql", "/sparql?query=ASK%7B%7D",
    "/id/state/kazakhstan", "/download", "/download/mediakg.ttl", "/download/mediakg.ttl.gz",
    "/class/Meeting", "/ontology", "/shapes", "/.well-known/void", "/context.jsonld", "/search?q=a",
    "/static/mediakg.css", "/health", "/docs", "/openapi.json",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_server(linked_data_build(request, tmp_path_factory), workers=2) as base:
        yield base


def raw_request(base: str, method: str, target: str, headers: list[tuple[bytes, bytes]] | None = None) -> int:
    """Send one request exactly as given; the response's status code (fails on a dropped connection)."""
    host, port = base.removeprefix("http://").split(":")
    headers = headers or []
    names = {name.lower() for name, _ in headers}
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1")]
    lines += [] if b"host" in names else [f"Host: {host}:{port}".encode()]
    lines += [name + b": " + value for name, value in headers] + [b"Connection: close", b"", b""]
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(b"\r\n".join(lines))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line = data.split(b"\r\n", 1)[0].split(b" ")
    assert len(status_line) > 1 and status_line[0].startswith(b"HTTP/"), f"{method} {target}: {data[:200]!r}"
    return int(status_line[1])


def server_errors(base: str, requests: list[tuple[str, str, list[tuple[bytes, bytes]]]]) -> list[str]:
    """The requests (method, target, headers) answered 5xx, sent four at a time."""
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda r: raw_request(base, *r), requests))
    return [f"{s} {m} {t[:100]} {h!r}" for s, (m, t, h) in zip(statuses, requests, strict=True) if s >= 500]


def test_no_path_segment_gives_5xx(server: str) -> None:
    requests = [("GET", t.format(s), []) for t, s in itertools.product(TARGETS, SEGMENTS)]
    assert server_errors(server, requests) == []


def test_no_header_value_gives_5xx(server: str) -> None:
    requests = [(m, p, [h]) for p, h, m in itertools.product(PATHS, HEADERS, ("GET", "HEAD"))]
    assert server_errors(server, requests) == []


def test_no_method_gives_5xx(server: str) -> None:
    methods = ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO")
    assert server_errors(server, [(m, p, []) for p, m in itertools.product(PATHS, methods)]) == []


@pytest.mark.parametrize("name", ["x%7D", "x%3Ey", "x%20y", "x%22", "mkg:x%3E"])
def test_a_class_name_that_is_no_iri_is_not_found(server: str, name: str) -> None:
    assert raw_request(server, "GET", f"/class/{name}") == 404


def test_an_overlong_static_name_is_not_found(server: str) -> None:
    assert raw_request(server, "GET", "/static/" + "a" * 8000) == 404
    assert raw_request(server, "GET", "/static/mediakg.css") == 200


@pytest.mark.parametrize(
    "path",
    ["/", "/api", "/api/sources", "/sparql", "/sparql?query=ASK%7B%7D", "/id/state/kazakhstan", "/download",
     "/download/mediakg.ttl", "/class/Meeting", "/ontology", "/.well-known/void"],
)  # fmt: skip
def test_an_if_modified_since_out_of_range_or_in_the_future_is_ignored(server: str, path: str) -> None:
    """RFC 9110 §13.1.3: an invalid date (year 99999999999, or any date after now) is ignored: the full
    answer, not a 304 and not a 500."""
    assert raw_request(server, "GET", path, [(b"If-Modified-Since", FAR_FUTURE)]) == 200
    assert raw_request(server, "GET", path, [(b"If-Modified-Since", b"Fri, 31 Dec 9999 23:59:59 GMT")]) == 200


def test_a_valid_if_modified_since_still_gives_304(server: str) -> None:
    first = httpx.get(f"{server}/class/Meeting", timeout=30)
    assert first.status_code == 200
    again = httpx.get(
        f"{server}/class/Meeting", headers={"If-Modified-Since": first.headers["last-modified"]}, timeout=30
    )
    assert again.status_code == 304
