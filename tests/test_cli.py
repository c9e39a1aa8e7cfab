"""The `kg` command line, run for real in a subprocess against an on-disk store."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import shutil
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph, URIRef

from kg.resources import dataset_files
from kg.store.embedded import EmbeddedStore
from tests.conftest import run_kg

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    result = run_kg("load", "--seed-only", store=store)
    assert result.returncode == 0, result.stderr
    return store


def count(store: Path) -> int:
    result = run_kg("query", COUNT, "--format", "csv", store=store)
    return int(result.stdout.splitlines()[1])


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def test_load_reports_what_it_loaded(loaded):
    assert count(loaded) > 1000


@pytest.mark.parametrize("command", ["load", "validate", "query", "export", "serve", "assert"])
def test_every_command_has_help(tmp_path, command):
    result = run_kg(command, "--help", store=tmp_path / "store")
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_validate_the_store_conforms(loaded):
    result = run_kg("validate", "--format", "json", store=loaded)
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["conforms"] and report["violations"] == 0 and report["warnings"] == 1


def test_validate_a_broken_file_exits_1_with_a_readable_report(tmp_path):
    broken = tmp_path / "statement.ttl"
    broken.write_text(
        "@prefix pkg: <https://w3id.org/policykg/ontology#> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        '<https://w3id.org/policykg/id/statement/x> a pkg:Quote ; schema:text "words"@en ;\n'
        '    <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n'
    )
    result = run_kg("validate", str(broken), store=tmp_path / "unused")
    assert result.returncode == 1
    assert "A statement needs a speaker" in result.stdout
    assert "focus node: statement:x" in result.stdout


def test_a_file_that_does_not_parse_leaves_the_store_unchanged(loaded, tmp_path):
    before = count(loaded)
    good = tmp_path / "good.ttl"
    good.write_text("<http://ex/a> <http://ex/p> 1 .\n")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://ex/a> <http://ex/p> 1 .\n<http://ex/b> <http://ex/p> .\n")
    result = run_kg("load", str(good), str(bad), store=loaded)
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stderr
    no_traceback(result)
    assert count(loaded) == before


def test_unknown_format_lists_the_known_ones(loaded, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n")
    result = run_kg("load", str(data), store=loaded)
    assert result.returncode == 2 and "known extensions" in result.stderr
    no_traceback(result)


def test_malformed_query_gives_its_position(loaded):
    result = run_kg("query", "SELECT ?x WHERE { ?x ?y }", store=loaded)
    assert result.returncode == 2
    assert "error at 1:" in result.stderr
    no_traceback(result)


def test_named_query_as_csv_and_json(loaded):
    as_csv = run_kg("query", "--named", "statements", "--format", "csv", store=loaded)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 6 and {"statement", "speakerLabel", "date", "text", "sources"} <= set(
        rows[0]
    )
    as_json = json.loads(
        run_kg("query", "--named", "statements", "--format", "json", store=loaded).stdout
    )
    assert len(as_json["results"]["bindings"]) == 6


def test_unknown_named_query(loaded):
    result = run_kg("query", "--named", "nope", store=loaded)
    assert result.returncode == 2 and "agency-heads" in result.stderr


def test_table_is_the_default_for_a_terminal_only(loaded):
    # piped (as here), SELECT results default to CSV
    result = run_kg("query", "--named", "agency-heads", store=loaded)
    assert result.stdout.startswith("organization,")
    table = run_kg("query", "--named", "agency-heads", "--format", "table", store=loaded)
    assert "Kevin McMahill" in table.stdout and "(4 rows)" in table.stdout


def test_construct_as_turtle(loaded):
    result = run_kg(
        "query",
        "CONSTRUCT WHERE { ?s a <https://w3id.org/policykg/ontology#Quote> }",
        "--format",
        "turtle",
        store=loaded,
    )
    assert len(Graph().parse(data=result.stdout, format="turtle")) == 5


@pytest.mark.parametrize("fmt,parser", [("nq", "nquads"), ("trig", "trig"), ("jsonld", "json-ld")])
def test_export_quads_has_every_quad(loaded, tmp_path, fmt, parser):
    output = tmp_path / f"dump.{fmt}"
    result = run_kg("export", "--format", fmt, "-o", str(output), store=loaded)
    assert result.returncode == 0, result.stderr
    dataset = Dataset()
    dataset.parse(output, format=parser)
    assert sum(1 for _ in dataset.quads()) == count(loaded)


@pytest.mark.parametrize("fmt,parser", [("ttl", "turtle"), ("nt", "nt"), ("rdfxml", "xml")])
def test_export_union_formats_parse(loaded, fmt, parser):
    result = run_kg("export", "--format", fmt, store=loaded)
    assert result.returncode == 0, result.stderr
    assert len(Graph().parse(data=result.stdout, format=parser)) > 1000


def test_export_one_graph(loaded):
    result = run_kg(
        "export",
        "--format",
        "nt",
        "--graph",
        "https://w3id.org/policykg/graph/source/s1",
        store=loaded,
    )
    assert result.returncode == 0
    assert "jessica-tisch" in result.stdout and "kevin-mcmahill" not in result.stdout


def test_a_store_held_by_another_program_is_a_clear_error(tmp_path):
    EmbeddedStore(tmp_path / "store")
    holder = pyoxigraph.Store(str(tmp_path / "store"))  # as `oxigraph serve` would hold it
    result = run_kg("load", store=tmp_path / "store")
    assert result.returncode == 1
    assert "held open by another program" in result.stderr
    no_traceback(result)
    del holder


STATEMENT = """@prefix pkg: <https://w3id.org/policykg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/policykg/id/statement/cli-{slug}> a pkg:Quote ;
    rdfs:label "CLI statement {slug}"@en ; schema:text "Words {slug}."@en ;
    pkg:speaker <https://w3id.org/policykg/id/person/jessica-tisch> ;
    dct:date "{date}"^^<http://www.w3.org/2001/XMLSchema#date> ;
    pkg:reportedBy <https://w3id.org/policykg/id/source/s1> .
"""
S1 = "https://w3id.org/policykg/id/source/s1"


def test_assert_admits_refuses_and_dry_runs(loaded, tmp_path):
    good = tmp_path / "good.ttl"
    good.write_text(STATEMENT.format(slug="good", date="2025-01-19"))
    dry = run_kg("assert", str(good), "--source", S1, "--dry-run", store=loaded)
    assert dry.returncode == 0 and "nothing written" in dry.stdout
    before = count(loaded)
    admitted = run_kg("assert", str(good), "--source", S1, "--as", "alice", store=loaded)
    assert admitted.returncode == 0, admitted.stderr
    assert "Admitted: 6 triples" in admitted.stdout
    assert count(loaded) > before
    late = tmp_path / "late.ttl"
    late.write_text(STATEMENT.format(slug="late", date="2025-05-01"))
    refused = run_kg("assert", str(late), "--source", S1, store=loaded)
    assert refused.returncode == 1 and "after the source that reports it" in refused.stdout
    broken = tmp_path / "broken.ttl"
    broken.write_text("<https://w3id.org/policykg/id/x> a .")
    bad = run_kg("assert", str(broken), "--source", S1, store=loaded)
    assert bad.returncode == 2 and "broken.ttl" not in bad.stdout and ":1:" in bad.stderr
    sourceless = run_kg("assert", str(late), store=loaded)
    assert sourceless.returncode == 2 and "source" in sourceless.stderr


def test_every_command_works_over_each_backend(backend, tmp_path):
    env = os.environ | (backend.env if backend else {})
    state = tmp_path / "store"

    def kg(*args: str):
        return run_kg(*args, store=state, env=env)

    assert kg("load", "--seed-only").returncode == 0
    assert kg("validate").returncode == 0
    counted = kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s <https://schema.org/text> ?t }")
    assert counted.returncode == 0 and int(counted.stdout.splitlines()[-1]) > 0
    good = tmp_path / "good.ttl"
    good.write_text(STATEMENT.format(slug="over-backends", date="2025-01-19"))
    assert kg("assert", str(good), "--source", S1).returncode == 0
    late = tmp_path / "late.ttl"
    late.write_text(STATEMENT.format(slug="late", date="2025-05-01"))
    assert kg("assert", str(late), "--source", S1).returncode == 1
    exported = kg("export", "--format", "nq")
    dataset = Dataset()
    dataset.parse(data=exported.stdout, format="nquads")
    statement = "https://w3id.org/policykg/id/statement/cli-over-backends"
    assert any(dataset.quads((URIRef(statement), None, None, None)))
    assert len(list(dataset.quads())) > 1500


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("KG_WORKER_MEMORY", "lots", "KG_WORKER_MEMORY: 'lots' is not an integer"),
        ("KG_QUERY_TIMEOUT", "soon", "KG_QUERY_TIMEOUT: 'soon' is not a number"),
        ("KG_TRUSTED_PROXIES", "nonsense", "KG_TRUSTED_PROXIES: 'nonsense' is not an address"),
    ],
)
def test_a_setting_that_is_not_what_it_should_be_is_named(tmp_path, variable, value, said):
    result = run_kg(
        "query", "ASK {}", store=tmp_path / "store", env={**os.environ, variable: value}
    )
    assert result.returncode == 2 and said in result.stderr
    no_traceback(result)


def in_a_terminal(*args: str, store: Path, exit_code: int = 0) -> str:
    """What the real `kg` writes to a terminal (a pseudo-terminal), carriage returns kept;
    its exit code must be ``exit_code``."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: kg, its output to the terminal
        os.execv(sys.executable, [sys.executable, "-m", "kg", "--store", str(store), *args])
    output = b""
    while True:
        try:
            data = os.read(terminal, 65536)
        except OSError:  # the child ended and closed the terminal
            break
        if not data:
            break
        output += data
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == exit_code, output
    return output.decode()


def test_a_load_shows_each_step_after_its_bytes_on_a_terminal_only(tmp_path):
    # after the bar reaches the end, the store still writes, then merges its files: each
    # step is a line with its time, done ticked; piped, nothing but the summary
    data = tmp_path / "data.nt"
    data.write_text("".join(f'<http://ex/s{n}> <http://ex/p> "o {n}" .\n' for n in range(2000)))
    shown = in_a_terminal("load", str(data), store=tmp_path / "store")
    assert "100%" in shown
    for step in ("Writing into the store", "Merging the store's files"):
        assert re.search(rf"✓ {step}… \d+\.\d s", shown), shown
    assert shown.index("Writing into the store") < shown.index("Merging the store's files")
    piped = run_kg("load", str(data), store=tmp_path / "piped")
    assert piped.returncode == 0 and "Merging" not in piped.stderr, piped.stderr
    assert piped.stderr.startswith("Loaded; the store holds 2,000 quads")


def test_an_import_shows_its_steps_on_a_terminal(tmp_path):
    roster = dataset_files()["fbi-lee"]
    shown = in_a_terminal("import", "fbi-lee", str(roster), store=tmp_path / "store")
    for step in (
        f"Importing fbi-lee from {roster.name}",
        "Composing the names of agencies no source names in full",
        "Merging the store's files",
    ):
        assert re.search(rf"✓ {re.escape(step)}… \d+\.\d s", shown), shown
    assert "rows read: 18,330" in shown


def test_a_folder_of_sheets_shows_the_files_read_then_the_history_built(tmp_path):
    folder = tmp_path / "sheets"
    for sheet in sorted(dataset_files()["ice-287g"].rglob("*.xlsx"))[:2]:
        copied = folder / sheet.parent.name / sheet.name  # its capture folder gives its time
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sheet, copied)
    shown = in_a_terminal("import", "ice-287g", str(folder), store=tmp_path / "store")
    read = r"✓ Reading ICE's sheets from sheets/… 2 of 2 files, \d+\.\d s"
    built = r"✓ Building the 287\(g\) program's history from 2 publications… \d+\.\d s"
    assert re.search(read, shown) and re.search(built, shown), shown
    assert shown.index("Reading ICE's sheets") < shown.index("Building the 287(g)")


def test_validate_and_export_show_their_steps_on_a_terminal(loaded, tmp_path):
    shown = in_a_terminal("validate", store=loaded)
    assert re.search(r"✓ Reading the graph… \d+\.\d s", shown), shown
    assert re.search(r"✓ Validating [\d,]+ triples against the shapes… \d+\.\d s", shown), shown
    out = tmp_path / "graph.nq"
    shown = in_a_terminal("export", "--format", "nq", "-o", str(out), store=loaded)
    megabytes = out.stat().st_size / 1e6
    assert re.search(rf"✓ Writing {re.escape(str(out))}… {megabytes:,.1f} MB, \d+\.\d s", shown)


def test_a_step_that_fails_is_crossed_and_its_error_follows(tmp_path):
    not_a_sheet = tmp_path / "agencies.csv"
    not_a_sheet.write_text("a,b\n1,2\n")
    shown = in_a_terminal(
        "import", "ice-287g", str(not_a_sheet), store=tmp_path / "store", exit_code=2
    )
    failed = r"✗ Reading ICE's sheets from agencies\.csv… 1 of 1 files, \d+\.\d s"
    assert re.search(failed, shown), shown
    assert "✓" not in shown
    assert shown.index("✗") < shown.index("not an ICE 287(g) sheet")
