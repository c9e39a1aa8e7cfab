"""Each named competency query answers what FACTS.md says; SERVICE and LOAD are refused."""

from __future__ import annotations

import re

import pytest

from kg.service.query.queries import (
    ForbiddenQueryError,
    UnknownQueryError,
    check_allowed,
    named_queries,
    named_query,
    run_query,
)
from tests.conftest import FACTS, NS


def answer(store, name: str) -> list[dict[str, str]]:
    result = run_query(store, named_query(name).text(NS), NS)
    names = [variable.value for variable in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def sources(row: dict[str, str]) -> set[str]:
    return set(row["sources"].split(", "))


def test_every_named_query_has_a_title_and_a_question():
    for query in named_queries().values():
        assert query.title != query.name and query.question.endswith("?"), query.name


def test_unknown_named_query_lists_the_known_ones():
    with pytest.raises(UnknownQueryError, match="statements"):
        named_query("no-such-query")


def test_agencies_refusing_raids(seed_store):
    rows = answer(seed_store, "agencies-refusing-raids")
    by_agency = {row["agencyLabel"]: sources(row) for row in rows}
    # LVMPD: "will not take part in federal immigration roundups" (S0, S2, S4);
    # Omaha: "no plans to participate in raids" (S3).
    assert by_agency == {
        "Las Vegas Metropolitan Police Department": {"S0", "S2", "S4"},
        "Omaha Police Department": {"S3"},
    }


def test_agency_heads(seed_store):
    rows = answer(seed_store, "agency-heads")
    heads = {
        (row["organizationLabel"], row["personLabel"], row.get("role"), row.get("since"))
        for row in rows
    }
    assert heads == {
        ("Las Vegas Metropolitan Police Department", "Kevin McMahill", "sheriff", "2023"),
        ("New York City Police Department", "Jessica Tisch", "police commissioner", None),
        ("Omaha Police Department", "Todd Schmaderer", "police chief", None),
        ("Trump administration", "Donald Trump", "president", "2025-01-20"),
    }


def test_status_only_detention_bans(seed_store):
    rows = answer(seed_store, "status-only-detention-bans")
    assert {row["policy"].removeprefix(NS.base) for row in rows} == {
        "id/policy/lvmpd-immigration-policy",
        "id/policy/omaha-pd-position",
    }
    lvmpd = [row for row in rows if "lvmpd" in row["policy"]]
    assert all("solely" in row["condition"] and sources(row) == {"S0", "S2"} for row in lvmpd)


def test_policy_history_of_lvmpd(seed_store):
    rows = [
        row
        for row in answer(seed_store, "policy-history")
        if row["policy"] == NS.iri("id/policy/lvmpd-immigration-policy")
    ]
    assert [(row["change"], row["date"]) for row in rows] == [
        ("adopted", "2019"),
        ("amended", "2023"),
    ]
    assert all(sources(row) == {"S0", "S2"} for row in rows)


def test_what_agencies_still_do_with_ice(seed_store):
    rows = answer(seed_store, "cooperation-with-ice")
    assert {(row["agencyLabel"], row["kind"], row["activity"]) for row in rows} == {
        ("Las Vegas Metropolitan Police Department", "permits", "sharing criminal intelligence"),
        ("Las Vegas Metropolitan Police Department", "requires", "notifying ICE of arrests"),
    }
    notify = next(row for row in rows if row["kind"] == "requires")
    assert "serious crimes" in notify["condition"]


def facts_quotes() -> dict[str, str]:
    """speaker → verbatim quote, from the statements table of FACTS.md."""
    table = FACTS.read_text(encoding="utf-8").split("## Statements")[1].split("## Events")[0]
    quotes = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        found = re.search(r'"(.+)"', cells[1]) if len(cells) > 3 else None
        if found:
            quotes[cells[0]] = found.group(1)
    return quotes


def test_every_statement_with_speaker_date_and_source(seed_store):
    rows = answer(seed_store, "statements")
    quotes = {row["speakerLabel"]: row["text"] for row in rows if row["kind"] == "quote"}
    expected = facts_quotes()
    assert len(expected) == 5
    assert quotes == {
        "Kevin McMahill": expected["Kevin McMahill"],
        "Jessica Tisch": expected["Jessica Tisch"],
        "Todd Schmaderer": expected["Todd Schmaderer"],
        "Stockton Police Department": expected["Stockton Police Department"],
        "Emil Bove": expected["Emil Bove (DOJ memo)"],
    }
    dated = {(row["speakerLabel"], row["date"], row["sources"].count("S")) for row in rows}
    assert ("Kevin McMahill", "2025-01-21", 3) in dated
    paraphrases = [row for row in rows if row["kind"] == "paraphrase"]
    assert [(row["speakerLabel"], row["date"], row["sources"]) for row in paraphrases] == [
        ("U.S. Immigration and Customs Enforcement", "2025-01", "S0")
    ]


def test_federal_actions_of_january_2025(seed_store):
    rows = answer(seed_store, "federal-actions-2025-01")
    actions = {(row["date"], row["actorLabel"]) for row in rows}
    assert actions == {
        ("2025-01-20", "Donald Trump"),
        ("2025-01-21", "Trump administration"),
        ("2025-01-21", "Tom Homan"),
        ("2025-01-21", "Emil Bove"),
        ("2025-01-21", "U.S. Department of Justice"),
    }
    rollback = next(row for row in rows if row["actorLabel"] == "Trump administration")
    assert sources(rollback) == {"S0", "S1", "S3"}


def test_sources_reporting_an_entity(seed_store):
    rows = answer(seed_store, "sources-of-entity")
    ice = {row["sourceKey"] for row in rows if row["entity"] == NS.iri("id/agency/ice")}
    assert ice == {"S0", "S1", "S2", "S3"}
    tisch = {row["sourceKey"] for row in rows if row["entity"] == NS.iri("id/person/jessica-tisch")}
    assert tisch == {"S1"}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service silent ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE\n<http://example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused_unless_allowed(query):
    with pytest.raises(ForbiddenQueryError, match="KG_ALLOW_SERVICE"):
        check_allowed(query)


def test_allowed_service_passes_and_words_in_strings_do_not_count():
    check_allowed(
        "SELECT * WHERE { SERVICE <http://ok.example/sparql> { ?s ?p ?o } }",
        allowed_services=frozenset({"http://ok.example/sparql"}),
    )
    check_allowed(
        'SELECT ?service WHERE { ?service <http://ex/SERVICE> "SERVICE LOAD" } # SERVICE',
        is_update=True,
    )


def test_load_is_refused_in_updates():
    with pytest.raises(ForbiddenQueryError, match="LOAD"):
        check_allowed("LOAD <http://example.org/data.ttl>", is_update=True)
