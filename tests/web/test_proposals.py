"""Proposals over HTTP on a real server: a contributor's facts wait, out of the published graph,
until an editor admits them (as a contribution) or refuses them (with a reason on record)."""

from __future__ import annotations

import json
import threading
import urllib.parse

import pytest
from rdflib import Graph

from tests.conftest import CONTRIBUTOR_TOKEN, NS, TOKEN, http, start_server
from tests.web.test_assertions import PREFIXES, S1, ask, count, post, statement

SECOND_CONTRIBUTOR = "a-second-contributor-token"
TOKENS = (
    f"tester:{TOKEN},desk:another-test-token,reader:{CONTRIBUTOR_TOKEN}:contributor,"
    f"stringer:{SECOND_CONTRIBUTOR}:contributor"
)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("proposals") / "store", env={"KG_TOKENS": TOKENS})
    yield server
    server.stop()


def call(server, method: str, path: str, token: str | None = TOKEN, body=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.setdefault("Accept", "application/json")
    if isinstance(body, dict):
        body, headers["Content-Type"] = json.dumps(body), "application/json"
    return http(method, server.url + path, body=body, headers=headers)


def propose(server, body: str, token: str = CONTRIBUTOR_TOKEN):
    answer = post(server, body, token=token)
    assert answer.status == 202, answer.text
    return json.loads(answer.body)


def statement_iri(slug: str) -> str:
    return NS.iri(f"id/statement/{slug}")


def in_graph(server, iri: str) -> bool:
    return ask(server, f"ASK {{ <{iri}> ?p ?o }}")


def meta(server, pattern: str) -> bool:
    """Whether the metadata graph holds ``pattern`` (prov:, pkg: and rdfs: are known)."""
    return ask(
        server,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX pkg: <https://w3id.org/policykg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        ASK {{ GRAPH <{NS.meta_graph}> {{ {pattern} }} }}""",
    )


def test_a_contributors_facts_wait_out_of_the_published_graph(live):
    before = count(live)
    answer = post(live, statement("waiting"), token=CONTRIBUTOR_TOKEN)
    assert answer.status == 202, answer.text
    proposal = json.loads(answer.body)
    assert answer.headers["Location"] == f"/proposals/{proposal['id']}"
    assert proposal["status"] == "pending" and proposal["proposer"] == "reader"
    assert any(fact.startswith("Jessica Tisch said (2025-01-19): “Words said in waiting.”")
               for fact in proposal["facts"])  # fmt: skip
    # not in queries, counts, pages or search
    assert count(live) == before
    assert not in_graph(live, statement_iri("waiting"))
    assert http("GET", live.url + "/id/statement/waiting").status == 404
    found = call(live, "GET", "/search?q=words+said+in+waiting", token=None)
    assert statement_iri("waiting") not in found.text
    # who may read it
    assert call(live, "GET", "/proposals", token=None).status == 401
    own = json.loads(call(live, "GET", "/proposals", CONTRIBUTOR_TOKEN).body)["items"]
    assert proposal["id"] in [p["id"] for p in own]
    others = json.loads(call(live, "GET", "/proposals", SECOND_CONTRIBUTOR).body)["items"]
    assert proposal["id"] not in [p["id"] for p in others]
    assert call(live, "GET", f"/proposals/{proposal['id']}", SECOND_CONTRIBUTOR).status == 403
    shown = call(live, "GET", f"/proposals/{proposal['id']}", TOKEN, Accept="text/html")
    assert shown.status == 200 and "Jessica Tisch said" in shown.text
    raw = call(live, "GET", f"/proposals/{proposal['id']}", TOKEN, Accept="application/n-triples")
    assert len(Graph().parse(data=raw.text, format="nt")) == proposal["triples"]


def test_an_invalid_proposal_is_refused_at_once_and_nothing_is_kept(live):
    before = json.loads(call(live, "GET", "/proposals", CONTRIBUTOR_TOKEN).body)["items"]
    answer = post(live, statement("too-late", date="2025-03-01"), token=CONTRIBUTOR_TOKEN)
    assert answer.status == 422
    assert "after the source" in answer.text
    after = json.loads(call(live, "GET", "/proposals", CONTRIBUTOR_TOKEN).body)["items"]
    assert after == before


def test_an_editor_admits_a_proposal_as_a_contribution_with_its_record(live):
    proposal = propose(live, statement("admitted-proposal"))
    path = f"/proposals/{proposal['id']}"
    assert call(live, "POST", path + "/admit", CONTRIBUTOR_TOKEN).status == 403
    answer = call(live, "POST", path + "/admit")
    assert answer.status == 201, answer.text
    contribution = json.loads(answer.body)["id"]
    assert answer.headers["Location"] == f"/assertions/{contribution}"
    assert in_graph(live, statement_iri("admitted-proposal"))
    graph = NS.iri(f"graph/contribution/{contribution}")
    record = NS.iri(f"id/proposal/{proposal['id']}")
    assert meta(
        live,
        f"""<{graph}> prov:wasGeneratedBy ?admission ;
        prov:wasAttributedTo/rdfs:label "reader" .
        ?admission a pkg:Admission ; prov:used <{record}> ;
        prov:wasAssociatedWith/rdfs:label "tester" ; prov:atTime ?when .
        <{record}> a pkg:Proposal ; prov:wasAttributedTo/rdfs:label "reader" ;
        prov:generatedAtTime ?proposed""",
    )
    again = call(live, "POST", path + "/admit")
    assert again.status == 409 and "admitted" in again.text
    assert call(live, "POST", path + "/refuse", body={"reason": "late"}).status == 409
    shown = json.loads(call(live, "GET", path, CONTRIBUTOR_TOKEN).body)
    assert shown["status"] == "admitted" and shown["contribution"] == contribution


def test_a_refusal_keeps_the_reason_on_record_and_the_facts_out(live):
    proposal = propose(live, statement("refused-proposal"))
    path = f"/proposals/{proposal['id']}"
    assert call(live, "POST", path + "/refuse", CONTRIBUTOR_TOKEN, {"reason": "x"}).status == 403
    assert call(live, "POST", path + "/refuse", body={"reason": "  "}).status == 400
    assert (
        call(
            live, "POST", path + "/refuse", body=b"[1]", **{"Content-Type": "application/json"}
        ).status
        == 400
    )
    answer = call(live, "POST", path + "/refuse", body={"reason": "The source does not say it."})
    assert answer.status == 200, answer.text
    assert json.loads(answer.body)["status"] == "refused"
    assert not in_graph(live, statement_iri("refused-proposal"))
    record = NS.iri(f"id/proposal/{proposal['id']}")
    reason = '"The source does not say it."'
    assert meta(live, f"?r a pkg:Refusal ; prov:used <{record}> ; pkg:reason {reason}")
    assert "Words said in refused-proposal" not in http("GET", live.url + "/dumps/policykg.nq").text
    assert call(live, "POST", path + "/admit").status == 409
    # a form field does as well as JSON
    other = propose(live, statement("refused-by-form"))
    form = call(live, "POST", f"/proposals/{other['id']}/refuse", body="reason=Unsourced",
                **{"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert json.loads(form.body)["reason"] == "Unsourced"


def test_only_its_proposer_withdraws_a_proposal(live):
    proposal = propose(live, statement("withdrawn-proposal"))
    path = f"/proposals/{proposal['id']}"
    assert call(live, "DELETE", path, SECOND_CONTRIBUTOR).status == 403
    answer = call(live, "DELETE", path, CONTRIBUTOR_TOKEN)
    assert answer.status == 200 and json.loads(answer.body)["status"] == "withdrawn"
    assert call(live, "POST", path + "/admit").status == 409
    assert call(live, "GET", "/proposals/nosuchproposal").status == 404
    assert call(live, "POST", "/proposals/nosuchproposal/admit").status == 404


def adoption(policy: str) -> str:
    return (
        PREFIXES
        + f"""
<https://w3id.org/policykg/id/event/contested-adoption> a pkg:PolicyAdoption ;
    rdfs:label "A contested adoption"@en ;
    pkg:changedPolicy <https://w3id.org/policykg/id/policy/{policy}> ;
    dct:date "2019"^^xsd:gYear ;
    pkg:reportedBy <{S1}> ."""
    )


def test_admitting_after_the_graph_changed_is_refused_and_stays_pending(live):
    proposal = propose(live, adoption("lvmpd-immigration-policy"))
    # meanwhile an editor says the same event adopted another policy
    assert post(live, adoption("lvmpd-roundups-position")).status == 201
    answer = call(live, "POST", f"/proposals/{proposal['id']}/admit")
    assert answer.status == 422, answer.text
    assert "exactly one policy" in answer.text
    shown = json.loads(call(live, "GET", f"/proposals/{proposal['id']}").body)
    assert shown["status"] == "pending"


def test_two_editors_admitting_at_once_make_one_contribution(live):
    proposal = propose(live, statement("raced-proposal"))
    answers, tokens = [], [TOKEN, "another-test-token"] * 3

    def admit(token: str) -> None:
        answers.append(call(live, "POST", f"/proposals/{proposal['id']}/admit", token).status)

    threads = [threading.Thread(target=admit, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201] + [409] * 5
    query = f"""SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{
        GRAPH ?g {{ <{statement_iri("raced-proposal")}> ?p ?o }} }}"""
    rows = call(live, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), None)
    assert json.loads(rows.body)["results"]["bindings"][0]["n"]["value"] == "1"


def test_a_contributor_cannot_write_around_the_review(live):
    update = 'INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/b> "c" } }'
    headers = {"Content-Type": "application/sparql-update"}
    assert call(live, "POST", "/update", CONTRIBUTOR_TOKEN, update, **headers).status == 403
    turtle = {"Content-Type": "text/turtle"}
    put = "/rdf-graphs?graph=https%3A%2F%2Fexample.org%2Fg"
    body = "<https://example.org/a> <https://example.org/b> 'c' ."
    assert call(live, "PUT", put, CONTRIBUTOR_TOKEN, body, **turtle).status == 403
    admitted = post(live, statement("an-editors-own"))
    contribution = json.loads(admitted.body)["id"]
    assert call(live, "DELETE", f"/assertions/{contribution}", CONTRIBUTOR_TOKEN).status == 403


@pytest.fixture(scope="module")
def editors_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("editors") / "store", env={"KG_TOKENS": TOKENS})
    yield server
    server.stop()


POLICY = (
    PREFIXES
    + """@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
<https://w3id.org/policykg/id/policy/same-content> a pkg:DepartmentPolicy ;
    rdfs:label "Same-content policy"@en ;
    pkg:issuedBy <https://w3id.org/policykg/id/agency/chicago-pd> ;
    odrl:prohibition <https://w3id.org/policykg/id/provision/same-content-1> .
<https://w3id.org/policykg/id/provision/same-content-1> a odrl:Prohibition ;
    rdfs:label "Chicago police do not honor detainers"@en ;
    odrl:action <https://w3id.org/policykg/vocab/activity/honor-detainer> ;
    odrl:assignee <https://w3id.org/policykg/id/agency/chicago-pd> ;
    pkg:counterparty <https://w3id.org/policykg/id/agency/ice> ;
    pkg:condition "without a judicial warrant"@en ."""
)


@pytest.mark.parametrize(
    "content", [statement("same-content"), POLICY], ids=["statement", "policy"]
)
def test_an_admitted_proposal_adds_what_an_editors_contribution_adds(live, editors_server, content):
    proposal = propose(live, content)
    admitted = call(live, "POST", f"/proposals/{proposal['id']}/admit")
    posted = post(editors_server, content)
    assert admitted.status == 201 and posted.status == 201
    graphs = []
    for server, answer in ((live, admitted), (editors_server, posted)):
        graph = NS.iri(f"graph/contribution/{json.loads(answer.body)['id']}")
        quoted = urllib.parse.quote(graph, safe="")
        body = http("GET", f"{server.url}/rdf-graphs?graph={quoted}",
                    headers={"Accept": "application/n-triples"})  # fmt: skip
        graphs.append(set(Graph().parse(data=body.text, format="nt")))
    assert graphs[0] == graphs[1] and graphs[0]
