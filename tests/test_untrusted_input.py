"""RDF handed in by a user never makes mediakg fetch or read anything else, and cannot make it expand
entities: ``mediakg validate FILE`` and ``mediakg serve --data FILE`` refuse remote and ``file:`` JSON-LD
contexts, DTDs and external entities in RDF/XML, and entity bombs, each with a message naming the file.

Each case runs the real command in a subprocess whose Python audit hook logs every file it opens and every
socket connection it makes, next to a listener on 127.0.0.1 that counts the connections it accepts."""

from __future__ import annotations

import contextlib
import json
import os
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediakg.graph.untrusted import RefusedInput, check_rdfxml

# Runs the CLI with an audit hook that prints "AUDIT open <path>" / "AUDIT connect <address>" on stderr.
AUDITED_CLI = """
import sys
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        print("AUDIT open", args[0], file=sys.stderr, flush=True)
    elif event == "socket.connect":
        print("AUDIT connect", args[1], file=sys.stderr, flush=True)
sys.addaudithook(hook)
from mediakg.cli import main
sys.exit(main(sys.argv[1:]))
"""

RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'
BODY = f'<rdf:RDF {RDF_NS}><rdf:Description rdf:about="http://example.org/a"><ex:p>{{}}</ex:p>'
BODY += "</rdf:Description></rdf:RDF>\n"
LAUGHS = "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
)  # lol9 = 10^9 x "lol"
BOMB = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">{LAUGHS}]>\n' + BODY.format("&lol9;")


class Listener(socketserver.ThreadingTCPServer):
    """A TCP listener on 127.0.0.1 that counts the connections it accepts (and answers none)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), socketserver.BaseRequestHandler)
        self.connections = 0

    def verify_request(self, request: object, client_address: object) -> bool:
        self.connections += 1
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @classmethod
    @contextlib.contextmanager
    def running(cls) -> Iterator[Listener]:
        """A listener serving in a thread until the block ends."""
        server = cls()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener.running() as server:
        yield server


def run_audited(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """``mediakg ARGS`` under the audit hook; the result and its wall time."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", AUDITED_CLI, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    return result, time.monotonic() - started


def audit(result: subprocess.CompletedProcess[str], kind: str) -> list[str]:
    prefix = f"AUDIT {kind} "
    return [line[len(prefix) :] for line in result.stderr.splitlines() if line.startswith(prefix)]


def messages(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + "\n".join(x for x in result.stderr.splitlines() if not x.startswith("AUDIT "))


def assert_refused(result: subprocess.CompletedProcess[str], path: Path, *expected: str) -> None:
    text = messages(result)
    assert result.returncode != 0, text
    assert "Traceback" not in text
    assert f"{path.name}: refused:" in text, text
    for part in expected:
        assert part in text, text
    # The hook saw the input file opened (it works), and no connection was made.
    assert str(path) in audit(result, "open")
    assert audit(result, "connect") == []


# --------------------------------------------------------------------------- JSON-LD contexts


def _remote_contexts(url: str) -> dict[str, object]:
    doc = {"@id": "http://example.org/a", "x": "v"}
    nested = {"@id": "http://example.org/b", "t": {"@id": "http://example.org/c", "x": "v"}}
    return {
        "plain": {"@context": f"{url}/plain", **doc},
        "array": {"@context": [{"y": "http://example.org/y"}, f"{url}/array"], **doc},
        "import": {"@context": {"@version": 1.1, "@import": f"{url}/import"}, **doc},
        "node": {"@id": "http://example.org/a", "http://example.org/p": {"@context": f"{url}/node", **doc}},
        "scoped": {"@context": {"t": {"@id": "http://example.org/t", "@context": f"{url}/scoped"}}, **nested},
    }


@pytest.mark.parametrize("case", ["plain", "array", "import", "node", "scoped"])
def test_validate_never_fetches_a_remote_jsonld_context(
    tiny_project: Path, tmp_path: Path, listener: Listener, case: str
) -> None:
    path = tmp_path / f"remote-{case}.jsonld"
    path.write_text(json.dumps(_remote_contexts(listener.url)[case]))
    result, _ = run_audited("validate", str(path))
    assert_refused(result, path, f"{listener.url}/{case}", "context")
    assert listener.connections == 0


@pytest.mark.parametrize("how", ["file-uri", "relative"])
def test_validate_never_reads_a_file_context(tiny_project: Path, tmp_path: Path, how: str) -> None:
    """A context naming a real local file (by ``file:`` IRI, or relative to the document) is not read."""
    secret = tmp_path / "context.jsonld"
    secret.write_text(json.dumps({"@context": {"x": "http://example.org/x"}}))
    path = tmp_path / f"local-{how}.jsonld"
    ref = secret.as_uri() if how == "file-uri" else secret.name
    path.write_text(json.dumps({"@context": ref, "@id": "http://example.org/a", "x": "v"}))
    result, _ = run_audited("validate", str(path))
    assert_refused(result, path, repr(ref))
    assert str(secret) not in audit(result, "open")


def test_inline_jsonld_contexts_are_still_read(tiny_project: Path, tmp_path: Path, run_cli) -> None:
    path = tmp_path / "inline.jsonld"
    context = {"mkg": "https://w3id.org/mediakg/ontology#", "skos": "http://www.w3.org/2004/02/skos/core#"}
    doc = {"@context": context, "@id": "https://w3id.org/mediakg/id/place/x", "@type": "mkg:Place"}
    path.write_text(json.dumps({**doc, "skos:prefLabel": {"@value": "X", "@language": "en"}}))
    result = run_cli("validate", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms: 1 files checked" in result.stdout


@pytest.mark.parametrize(
    "doc",
    [{"@context": 5, "@id": "http://a"}, {"@context": {"@vocab": 5}, "x": 1}, {"@reverse": 5}, 7],
    ids=["context-number", "vocab-number", "reverse-number", "bare-number"],
)
def test_ill_typed_jsonld_is_a_syntax_error(tiny_project: Path, tmp_path: Path, run_cli, doc: object) -> None:
    """rdflib's JSON-LD parser raises TypeError/AttributeError on these: a located message, no traceback."""
    path = tmp_path / "odd.jsonld"
    path.write_text(json.dumps(doc))
    result = run_cli("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "odd.jsonld: syntax error: not valid json-ld" in result.stdout


def test_deeply_nested_jsonld_is_refused(tiny_project: Path, tmp_path: Path, run_cli) -> None:
    path = tmp_path / "deep.jsonld"
    path.write_text('{"@id": "http://a", "http://b": ' + "[" * 50_000 + "]" * 50_000 + "}")
    result = run_cli("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "deep.jsonld: refused: JSON nested too deeply" in result.stdout


# --------------------------------------------------------------------------- RDF/XML


def _xml_cases(url: str, secret: Path) -> dict[str, str]:
    return {
        "external-entity-file": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        + BODY.format("&x;"),
        "external-entity-http": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{url}/entity">]>\n' + BODY.format("&x;"),
        "external-dtd": f'<!DOCTYPE r SYSTEM "{url}/dtd">\n' + BODY.format("x"),
        "parameter-entity": f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/pe"> %p;]>\n' + BODY.format("x"),
        "internal-entity": '<!DOCTYPE r [<!ENTITY x "y">]>\n' + BODY.format("&x;"),
    }


@pytest.mark.parametrize(
    "case",
    ["external-entity-file", "external-entity-http", "external-dtd", "parameter-entity", "internal-entity"],
)
def test_validate_refuses_dtds_and_entities(
    tiny_project: Path, tmp_path: Path, listener: Listener, case: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the parser\n")
    path = tmp_path / f"{case}.rdf"
    path.write_text(_xml_cases(listener.url, secret)[case])
    result, _ = run_audited("validate", str(path))
    assert_refused(result, path, "document type declaration")
    assert str(secret) not in audit(result, "open")
    assert listener.connections == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_validate_refuses_an_entity_bomb_at_once(tiny_project: Path, tmp_path: Path, encoding: str) -> None:
    """A 1 KB billion-laughs file (10^9 x "lol" once expanded), also in UTF-16 where a byte search for
    ``<!DOCTYPE`` would miss it."""
    path = tmp_path / "bomb.rdf"
    text = BOMB.replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
    path.write_bytes(text.encode(encoding))
    assert len(BOMB) < 1100
    result, seconds = run_audited("validate", str(path))
    assert_refused(result, path, "<!DOCTYPE lolz>")
    assert seconds < 10  # the whole command, Python start-up included; the check itself is timed below
    started = time.perf_counter()
    with pytest.raises(RefusedInput):
        check_rdfxml(path.read_bytes())
    assert time.perf_counter() - started < 0.05


def test_plain_rdfxml_is_still_read(tiny_project: Path, tmp_path: Path, run_cli) -> None:
    path = tmp_path / "plain.rdf"
    path.write_text(
        f'<?xml version="1.0"?>\n<rdf:RDF {RDF_NS} xmlns:mkg="https://w3id.org/mediakg/ontology#">'
        '<mkg:Place rdf:about="https://w3id.org/mediakg/id/place/elsewhere"/></rdf:RDF>\n'
    )
    result = run_cli("validate", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- serve --data (pyoxigraph)


@pytest.mark.parametrize("name", ["bomb.rdf", "remote.jsonld"])
def test_serve_refuses_the_same_files(tmp_path: Path, listener: Listener, name: str) -> None:
    """pyoxigraph's RDF/XML parser expands the bomb too (gigabytes in seconds): the server refuses to start
    on it, with the file named, before any worker loads it."""
    path = tmp_path / name
    if name.endswith(".rdf"):
        path.write_text(BOMB)
    else:
        path.write_text(json.dumps(_remote_contexts(listener.url)["plain"]))
    result, seconds = run_audited("serve", "--data", str(path), "--port", "0")
    assert_refused(result, path)
    assert seconds < 10
    assert listener.connections == 0
