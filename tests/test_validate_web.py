"""``POST /validate`` over HTTP against a real ``mediakg serve`` of the real build.

Good files conform (in each of the four formats, and a data file checked as the new version of the
served one); every case of the broken-data corpus (tests/bad/) is reported with the fragment its
``# expect:`` line names, located in the posted file, and a syntax error with its line; hostile files are
refused with a 4xx naming what and where, without a connection to a local listener (remote JSON-LD
contexts) or a read of a local file (``file:`` contexts), and RDF/XML (where entity bombs live) is not
accepted at all. Time, memory and concurrency limits are checked against servers with tight settings: the
validation's process is killed at the limit and the web process keeps answering. Nothing is written into
the served build.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from conftest import snapshot
from proc_support import children
from service_fixtures import PROCESSES, server_factory  # noqa: F401  (fixture)
from test_bad_data import BAD, CASES, expectation
from test_untrusted_input import BOMB, Listener, _remote_contexts

REPO = Path(__file__).resolve().parents[1]
DATA_FILE = REPO / "data" / "004_5fc3c1fc3dcca73a.ttl"
SOURCE_004 = "https://w3id.org/mediakg/id/source/004_5fc3c1fc3dcca73a"
GOOD_TRIG_GRAPH = "https://w3id.org/mediakg/id/source/good-trig"
#: missing_source.ttl with the fault fixed: a new person with its source and a verbatim quote.
GOOD = (
    (BAD / "missing_source.ttl")
    .read_text(encoding="utf-8")
    .replace(
        'skos:prefLabel "Bad No-Source"@en ;',
        'skos:prefLabel "Bad No-Source"@en ;\n    prov:wasDerivedFrom <source/004_5fc3c1fc3dcca73a> ;',
    )
)
JSON_ANSWER = {"Accept": "application/json"}
TIMEOUT = 300


def post(base: str, body: bytes | str, media: str = "text/turtle", **params: str) -> httpx.Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"Content-Type": media, **JSON_ANSWER}
    return httpx.post(f"{base}/validate", content=data, headers=headers, params=params, timeout=TIMEOUT)


def problem_texts(answer: httpx.Response) -> list[str]:
    return [p["text"] for p in answer.json()["problems"]]


@pytest.fixture(scope="module")
def served(built_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real build (the module checks that validating writes nothing into it)."""
    out = tmp_path_factory.mktemp("validate") / "build"
    shutil.copytree(built_dataset, out)
    return out


@pytest.fixture(scope="module")
def before(served: Path) -> dict:
    return snapshot(served)


@pytest.fixture(scope="module")
def base(served: Path, before: dict, server_factory: Callable[..., str]) -> str:  # noqa: F811
    # a time limit far above a validation's few seconds: a loaded machine must not turn answers into 503s
    return server_factory(served, validate_concurrency=2, validate_timeout=300)


# --------------------------------------------------------------------------- good files


def _formats(turtle: str) -> dict[str, tuple[str, bytes]]:
    """``turtle`` in each accepted format: media type and bytes (TriG: in a named graph of its own)."""
    graph = Graph().parse(data=turtle, format="turtle")
    ntriples = graph.serialize(format="nt", encoding="utf-8")
    return {
        "turtle": ("text/turtle", turtle.encode()),
        "nt": ("application/n-triples", ntriples),
        "trig": ("application/trig", f"<{GOOD_TRIG_GRAPH}> {{\n".encode() + ntriples + b"}\n"),
        "jsonld": ("application/ld+json", graph.serialize(format="json-ld", encoding="utf-8")),
    }


@pytest.mark.parametrize("fmt", ["turtle", "nt", "trig", "jsonld"])
def test_a_good_file_conforms_in_every_format(base: str, fmt: str) -> None:
    media, body = _formats(GOOD)[fmt]
    answer = post(base, body, media)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["conforms"] is True and report["parsed"] is True, report["problems"]
    assert report["problems"] == [] and report["violations"] == 0
    assert report["file"]["format"] == fmt and report["file"]["triples"] == len(Graph().parse(data=GOOD))
    if fmt == "trig":
        assert report["file"]["graphs"] == [GOOD_TRIG_GRAPH]
    assert report["validated_triples"] > 8000  # validated together with the served build
    assert report["quotes"]["checked"]["004_5fc3c1fc3dcca73a"] >= 1
    assert answer.headers["content-type"] == "application/json"


def test_a_data_file_is_checked_as_the_new_version_of_the_served_one(base: str) -> None:
    """Named as in data/, the file replaces the served graph it fills: no clash with its old version."""
    answer = post(base, DATA_FILE.read_bytes(), name=DATA_FILE.name)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["conforms"] is True, report["problems"][:3]
    assert report["file"]["graphs"] == [SOURCE_004] and report["file"]["replaces"] == [SOURCE_004]


def test_quotes_of_a_source_without_a_text_here_are_counted_not_reported(base: str) -> None:
    """A new source's text is on the contributor's machine, not on the server: its quotes are left
    unchecked (and said to be), while the other checks run as usual."""
    sid = "900_invented"
    new_source = (
        GOOD.replace("<source/004_5fc3c1fc3dcca73a>", f"<source/{sid}>")
        + f'\n<source/{sid}> a mkg:SourceDocument ; dct:identifier "{sid}" ; dct:title "Invented"@en .\n'
    )
    answer = post(base, new_source, name=f"{sid}.ttl")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["conforms"] is True, report["problems"]
    assert report["quotes"]["unchecked"] == {sid: 1} and sid not in report["quotes"]["checked"]


def test_the_fix_of_a_bad_file_is_what_makes_it_conform(base: str) -> None:
    bad = post(base, (BAD / "missing_source.ttl").read_bytes()).json()
    good = post(base, GOOD).json()
    assert bad["conforms"] is False and bad["violations"] == 1
    assert good["conforms"] is True


# --------------------------------------------------------------------------- the broken-data corpus


@pytest.fixture(scope="module")
def corpus(base: str) -> dict[str, httpx.Response]:
    """Every file of tests/bad/ posted under its own name, two at a time (the server runs two at once)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = pool.map(lambda name: post(base, (BAD / name).read_bytes(), name=name), CASES)
        return dict(zip(CASES, answers, strict=True))


@pytest.mark.parametrize("name", CASES)
def test_each_broken_file_is_reported_with_its_message(corpus: dict[str, httpx.Response], name: str) -> None:
    fragment = expectation(BAD / name)
    answer = corpus[name]
    syntax = "syntax error" in fragment
    assert answer.status_code == (422 if syntax else 200), answer.text
    report = answer.json()
    assert report["conforms"] is False and report["parsed"] is (not syntax)
    matching = [p for p in report["problems"] if fragment in p["text"]]
    assert matching, (fragment, problem_texts(answer))
    problem = matching[0]
    assert problem["in_file"] is True and problem["file"] == name
    assert problem["message"] and problem["constraint_words"]
    if syntax:  # e.g. "syntax_error.ttl:27: syntax error": the line is given as a number too
        assert problem["kind"] == "parse" and fragment.startswith(f"{name}:{problem['line']}:")
    else:
        assert problem["kind"] == "violation" and problem["focus"] and problem["constraint"]


def test_an_ntriples_syntax_error_names_its_line(base: str) -> None:
    body = '<http://example.org/a> <http://example.org/p> "ok" .\n<http://example.org/a> <p> .\n'
    answer = post(base, body, "application/n-triples")
    assert answer.status_code == 422
    (problem,) = answer.json()["problems"]
    assert problem["line"] == 2 and problem["text"].startswith("posted.nt:2: syntax error")


def test_the_html_answer_lists_the_problem(base: str) -> None:
    answer = httpx.post(
        f"{base}/validate",
        content=(BAD / "syntax_error.ttl").read_bytes(),
        headers={"Content-Type": "text/turtle", "Accept": "text/html"},
        params={"name": "syntax_error.ttl"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "line 27" in answer.text and "expected &#39;.&#39;" in answer.text


def test_an_upload_is_named_after_its_file(base: str) -> None:
    """The form's upload keeps its file name (made plain), which locates the problems."""
    body = (BAD / "syntax_error.ttl").read_bytes()
    answer = httpx.post(
        f"{base}/validate", files={"file": ("my draft (2).ttl", body)}, headers=JSON_ANSWER, timeout=TIMEOUT
    )
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["text"].startswith("my-draft-2-.ttl:27: syntax error")


# --------------------------------------------------------------------------- hostile files


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener.running() as server:
        yield server


@pytest.mark.parametrize("case", ["plain", "array", "import", "node", "scoped"])
def test_a_remote_jsonld_context_is_never_fetched(base: str, listener: Listener, case: str) -> None:
    document = _remote_contexts(listener.url)[case]
    answer = post(base, json.dumps(document), "application/ld+json")
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["problems"]
    assert (
        problem["text"].startswith("posted.jsonld: refused:") and f"{listener.url}/{case}" in problem["text"]
    )
    time.sleep(0.2)  # a connection attempt, had there been one, has reached the listener by now
    assert listener.connections == 0


def test_a_file_context_is_never_read(base: str, tmp_path: Path) -> None:
    secret = tmp_path / "context.jsonld"
    secret.write_text(json.dumps({"@context": {"x": "http://example.org/secret-x"}}))
    document = {"@context": [secret.as_uri()], "@id": "http://example.org/a", "x": "v"}
    answer = post(base, json.dumps(document), "application/ld+json")
    assert answer.status_code == 422
    assert "refused: the JSON-LD names the context" in answer.text and "secret-x" not in answer.text


def test_deeply_nested_json_is_refused(base: str) -> None:
    body = '{"@id": "http://a", "http://b": ' + "[" * 50_000 + "]" * 50_000 + "}"
    answer = post(base, body, "application/ld+json")
    assert answer.status_code == 422 and "refused: JSON nested too deeply" in answer.text


def test_rdfxml_and_so_entity_bombs_are_not_accepted(base: str) -> None:
    started = time.monotonic()
    raw = post(base, BOMB, "application/rdf+xml")
    form = httpx.post(f"{base}/validate", files={"file": ("bomb.rdf", BOMB.encode())}, headers=JSON_ANSWER)
    chosen = httpx.post(
        f"{base}/validate",
        data={"text": BOMB, "format": "rdfxml"},
        files={"x": ("", b"")},
        headers=JSON_ANSWER,
    )
    assert time.monotonic() - started < 5
    for answer in (raw, form, chosen):
        assert answer.status_code == 415, answer.text
    assert "RDF/XML (application/rdf+xml) is not accepted here" in raw.json()["detail"]
    assert "bomb.rdf" in form.json()["detail"] and "'rdfxml'" in chosen.json()["detail"]


@pytest.mark.parametrize("how", ["content-length", "chunked", "form"])
def test_a_3_mb_file_is_refused_with_413(base: str, how: str) -> None:
    body = b"# " + b"x" * 3_000_000 + b"\n"
    if how == "form":
        answer = httpx.post(f"{base}/validate", files={"file": ("big.ttl", body)}, headers=JSON_ANSWER)
    else:
        content = body if how == "content-length" else iter([body[:1_000_000], body[1_000_000:]])
        headers = {"Content-Type": "text/turtle", **JSON_ANSWER}
        answer = httpx.post(f"{base}/validate", content=content, headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 413, answer.text
    assert "too large" in answer.json()["detail"] and "2,000,000 bytes" in answer.json()["detail"]


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld"])
def test_bytes_that_are_not_utf8_are_refused_with_their_line(base: str, fmt: str) -> None:
    lines = {
        "turtle": [b'<http://example.org/a> <http://example.org/p> "ok" .', b"<http://example.org/a> "],
        "nt": [b'<http://example.org/a> <http://example.org/p> "ok" .', b"# a comment"],
        "jsonld": [b'{"@id": "http://example.org/a",', b' "http://example.org/p": '],
    }[fmt]
    tail = {
        "turtle": b'<http://example.org/p> "\xff\xfe latin-1" .\n',
        "nt": b'<http://example.org/a> <http://example.org/p> "\xff\xfe latin-1" .\n',
        "jsonld": b'"\xff\xfe"}\n',
    }[fmt]
    body = b"\n".join(lines) + b"\n\n" + tail
    media = {"turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}[fmt]
    answer = post(base, body, media)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["problems"]
    assert "not UTF-8 text" in problem["message"] and problem["line"] == 4, problem


def test_an_empty_file_has_nothing_to_validate(base: str) -> None:
    answer = post(base, "@prefix x: <http://example.org/> .\n")
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["message"] == "the file holds no triples: nothing to validate"


# --------------------------------------------------------------------------- bad requests


def test_bad_requests_get_a_4xx_naming_the_fault(base: str) -> None:
    url = f"{base}/validate"
    cases = {
        "415 unknown type": (
            httpx.post(url, content=b"x", headers={"Content-Type": "text/csv"}),
            415,
            "text/csv",
        ),
        "415 no type": (httpx.post(url, content=b"x"), 415, "(none)"),
        "400 name": (post(base, GOOD, name="../etc/passwd"), 400, "'../etc/passwd' is not a file name"),
        "400 empty form": (httpx.post(url, data={"text": " "}, files={"x": ("", b"")}), 400, "has no file"),
        "400 both": (
            httpx.post(url, data={"text": GOOD}, files={"file": ("a.ttl", GOOD.encode())}),
            400,
            "both a pasted text and a file",
        ),
        "400 no boundary": (
            httpx.post(url, content=b"x", headers={"Content-Type": "multipart/form-data"}),
            400,
            "the form could not be read",
        ),
        "415 format": (
            httpx.post(url, data={"text": GOOD, "format": "n3"}, files={"x": ("", b"")}),
            415,
            "'n3'",
        ),
    }
    for label, (answer, status, words) in cases.items():
        assert answer.status_code == status, (label, answer.text)
        assert words in answer.json()["detail"], (label, answer.text)
    refused = httpx.post(url, content=GOOD, headers={"Content-Type": "text/turtle", "Accept": "text/csv"})
    assert refused.status_code == 406 and "application/json or text/html" in refused.text
    put = httpx.put(url, content=GOOD)
    assert put.status_code == 405 and "POST" in put.headers["Allow"] and "use GET" in put.text
    assert httpx.options(url).status_code == 204 and httpx.head(url).status_code == 200


# --------------------------------------------------------------------------- limits


def _forked(server_pid: int) -> set[int]:
    """Processes forked by the server's forkserver (query workers and validations)."""
    return {pid for child in children(server_pid) for pid in children(child)}


def test_the_web_process_answers_while_a_file_is_validated(base: str) -> None:
    pid = PROCESSES[base].pid
    baseline = _forked(pid)
    done: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: done.append(post(base, DATA_FILE.read_bytes())))
    thread.start()
    deadline = time.monotonic() + 10
    while not (_forked(pid) - baseline) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _forked(pid) - baseline, "the validation runs in a process of its own"
    for _ in range(3):
        started = time.monotonic()
        assert httpx.get(f"{base}/health", timeout=5).status_code == 200
        assert time.monotonic() - started < 2.0  # a validation takes seconds: it is not waited for
    thread.join(TIMEOUT)
    assert done and done[0].status_code == 200
    assert _forked(pid) <= baseline  # the validation's process is gone when the answer comes


def _big_file(size: int = 1_900_000) -> bytes:
    """A valid Turtle file just under the size limit: far more than a validation can do in 2 s."""
    head = (
        "@prefix mkg: <https://w3id.org/mediakg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    )
    block = '<https://w3id.org/mediakg/id/person/p{}> a mkg:Person ; skos:prefLabel "Person {}"@en .\n'
    lines, total, i = [head], len(head), 0
    while total < size:
        line = block.format(i, i)
        lines.append(line)
        total, i = total + len(line), i + 1
    return "".join(lines).encode()


@pytest.fixture(scope="module")
def tight(served: Path, server_factory: Callable[..., str]) -> str:  # noqa: F811
    return server_factory(served, validate_timeout=2, validate_concurrency=1)


def test_a_validation_past_its_time_limit_is_killed_with_503(tight: str) -> None:
    pid = PROCESSES[tight].pid
    baseline = _forked(pid)
    started = time.monotonic()
    answer = post(tight, _big_file())
    took = time.monotonic() - started
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert "did not finish within 2 s and was stopped" in answer.json()["detail"]
    assert took < 10, took
    assert _forked(pid) <= baseline  # killed and reaped before the answer
    assert post(tight, "@prefix x: <http://example.org/> .\n").status_code == 422  # and serving on


def test_validations_beyond_the_bound_get_429(tight: str) -> None:
    first: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: first.append(post(tight, _big_file())))
    thread.start()
    time.sleep(0.5)  # the first now holds the only slot (for 2 s: its time limit)
    second = post(tight, GOOD)
    thread.join(TIMEOUT)
    assert second.status_code == 429, second.text
    assert int(second.headers["Retry-After"]) > 0 and "try again" in second.json()["detail"]
    assert first[0].status_code == 503
    again = post(tight, "@prefix x: <http://example.org/> .\n")
    assert again.status_code == 422  # the slot was given back


def test_a_validation_past_its_memory_limit_gets_503(
    served: Path,
    server_factory: Callable[..., str],  # noqa: F811
) -> None:
    small = server_factory(served, validate_memory_limit_mb=100)
    answer = post(small, GOOD)
    assert answer.status_code == 503, answer.text
    assert "needed more memory than it may use (100 MB)" in answer.json()["detail"]
    assert answer.headers["Retry-After"]
    assert httpx.get(f"{small}/health").json()["status"] == "ok"


# --------------------------------------------------------------------------- nothing written


def test_validating_writes_nothing_into_the_served_build(base: str, served: Path, before: dict) -> None:
    post(base, GOOD)
    assert snapshot(served) == before
