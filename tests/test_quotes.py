"""``mediakg verify-quotes``: every evidence quote occurs in its source text (whitespace-normalised)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mediakg.errors import MediakgError
from mediakg.graph.merge import merge
from mediakg.graph.parse import project_inputs
from mediakg.paths import ProjectPaths
from mediakg.validation.quotes import check_quotes, normalise


def test_normalise_collapses_every_kind_of_whitespace() -> None:
    assert normalise("  a \n\n b\t c\u00a0d  ") == "a b c d"
    assert normalise("“curly” ’quotes’") == "“curly” ’quotes’"  # only whitespace is normalised


def test_tiny_project_quotes_all_found(tiny_project: Path, run_cli) -> None:
    result = run_cli("verify-quotes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "src1: 2 quotes checked, 0 not found" in result.stdout
    assert "all 2 quotes found" in result.stdout


def test_missing_quote_is_reported_with_entity_source_and_quote(tiny_project: Path, run_cli) -> None:
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace("met in Townville", "met in Cityville"))
    result = run_cli("verify-quotes")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if "not found in source" in x)
    assert line.startswith("id:meeting/m1 | mkg:evidence/oa:exact |")
    assert 'quote not found in source src1: "met in Cityville on 27 June 2024"' in line
    assert line.endswith("[data/src1.ttl]")
    assert "src1: 2 quotes checked, 1 not found" in result.stdout


def test_quote_differing_only_in_case_is_missing(tiny_project: Path) -> None:
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace("met in Townville", "Met in Townville"))
    merged = merge(project_inputs(ProjectPaths(tiny_project)))
    check = check_quotes(merged.union(), tiny_project / "sources", merged.locate)
    assert [p.message for p in check.problems] == [
        'quote not found in source src1: "Met in Townville on 27 June 2024"'
    ]


def test_missing_source_text_is_reported(tiny_project: Path, run_cli) -> None:
    (tiny_project / "sources" / "src1.txt").unlink()
    result = run_cli("verify-quotes")
    assert result.returncode == 1
    assert re.search(r"source text src1\.txt not found in .*sources", result.stdout)


def test_sources_folder_must_exist(tiny_project: Path, run_cli, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    result = run_cli("verify-quotes", "--sources", str(missing))
    assert result.returncode == 1
    assert f"sources folder {missing} does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(MediakgError, match="does not exist"):
        check_quotes(merge([]).union(), missing, lambda node: "")


def test_sources_option_overrides_default(tiny_project: Path, run_cli, tmp_path: Path) -> None:
    other = tmp_path / "other-sources"
    other.mkdir()
    (other / "src1.txt").write_text("Nothing relevant here.")
    result = run_cli("verify-quotes", "--sources", str(other))
    assert result.returncode == 1
    assert "src1: 2 quotes checked, 2 not found" in result.stdout


def test_build_fails_on_a_missing_quote(tiny_project: Path, run_cli) -> None:
    data = tiny_project / "data" / "src1.ttl"
    data.write_text(data.read_text().replace("Ann  Example", "Anne Example"))
    result = run_cli("build")
    assert result.returncode == 1
    assert (
        "id:person/ann-example | mkg:evidence/oa:exact | mkg:QuoteInSourceText | quote not found"
        in result.stdout
    )
    assert not (tiny_project / "build").exists()


def test_real_quotes_all_found(project_root: Path, sources_dir: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("MEDIAKG_HOME", str(project_root))
    result = run_cli("verify-quotes", "--sources", str(sources_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    counts = dict(re.findall(r"^(\S+): (\d+) quotes checked, 0 not found$", result.stdout, flags=re.M))
    assert set(counts) == {p.stem for p in (project_root / "data").glob("*.ttl")}
    assert all(int(n) > 0 for n in counts.values())
