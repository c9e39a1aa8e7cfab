"""Pages kept by the store's generation, over a real server: revalidation, staleness after a
write, Accept variants, credentials; and the cache's byte bound."""

from __future__ import annotations

import urllib.parse

import pytest

from kg.web.caching import PageCache
from tests.conftest import NS, TOKEN, http, start_server

HTML = {"Accept": "text/html"}
QUOTE = """<{statement}> a <https://w3id.org/policykg/ontology#Quote> ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Cache test"@en ;
  <https://schema.org/text> "Words said to move the generation."@en ;
  <https://w3id.org/policykg/ontology#speaker> <https://w3id.org/policykg/id/person/jessica-tisch> ;
  <http://purl.org/dc/terms/date> "2025-01-19"^^<http://www.w3.org/2001/XMLSchema#date> ;
  <https://w3id.org/policykg/ontology#reportedBy> <{source}> ."""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: its writes leave records (with times) the session's
    server is compared against elsewhere."""
    started = start_server(tmp_path_factory.mktemp("caching") / "store")
    yield started
    started.stop()


def test_a_page_revalidates_with_304(server):
    first = http("GET", server.url + "/id/agency/lvmpd", headers=HTML)
    assert first.status == 200 and first.headers["Cache-Control"] == "public, no-cache"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = http("GET", server.url + "/id/agency/lvmpd", headers={**HTML, "If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["ETag"] == etag
    since = http("GET", server.url + "/agencies", headers={**HTML, "If-Modified-Since": modified})
    assert since.status == 304


def test_accept_variants_never_share_an_entry(server):
    page = http("GET", server.url + "/id/agency/lvmpd", headers=HTML)
    turtle = http("GET", server.url + "/id/agency/lvmpd", headers={"Accept": "text/turtle"})
    assert page.headers["Content-Type"].startswith("text/html")
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    assert page.headers["ETag"] != turtle.headers["ETag"]
    search = "/search?q=LVMPD"
    as_json = http("GET", server.url + search, headers={"Accept": "application/json"})
    as_page = http("GET", server.url + search, headers=HTML)
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_page.headers["Content-Type"].startswith("text/html")


def test_a_request_with_credentials_is_not_kept(server):
    answer = http(
        "GET", server.url + "/agencies", headers={**HTML, "Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status == 200 and "ETag" not in answer.headers


def test_a_write_makes_every_page_stale(server):
    before = http("GET", server.url + "/statements", headers=HTML)
    source = NS.iri("id/source/s1")
    body = QUOTE.format(statement=NS.iri("id/statement/cache-test"), source=source)
    written = http(
        "POST",
        f"{server.url}/assertions?" + urllib.parse.urlencode({"source": source}),
        body=body,
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status == 201, written.text
    stale = http(
        "GET", server.url + "/statements", headers={**HTML, "If-None-Match": before.headers["ETag"]}
    )
    assert stale.status == 200 and stale.headers["ETag"] != before.headers["ETag"]
    assert "Cache test" in stale.text and "Cache test" not in before.text
    withdrawn = http(
        "DELETE",
        server.url + written.headers["Location"],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert withdrawn.status == 200
    assert "Cache test" not in http("GET", server.url + "/statements", headers=HTML).text


def test_the_cache_holds_its_byte_limit():
    cache = PageCache(1000)
    for number in range(10):
        cache.put((1, f"/page/{number}", ""), b"x" * 300, {})
    assert cache.size <= 1000 and len(cache) == 3
    assert cache.get((1, "/page/9", "")) is not None and cache.get((1, "/page/0", "")) is None
    cache.get((1, "/page/7", ""))  # used: kept when the next page comes
    cache.put((1, "/page/10", ""), b"x" * 300, {})
    assert cache.get((1, "/page/7", "")) is not None and cache.get((1, "/page/8", "")) is None
    cache.put((1, "/huge", ""), b"x" * 2000, {})  # larger than the whole cache: not kept
    assert cache.get((1, "/huge", "")) is None and cache.size <= 1000


def test_a_kept_page_is_served_as_it_was_rendered(server):
    """The first answer of each worker renders the page; the later ones come from the cache
    in front of the application, with the same body and headers, logged all the same."""
    path = "/id/agency/nypd"
    answers = [http("GET", server.url + path, headers=HTML) for _ in range(6)]
    first = answers[0]
    assert first.status == 200 and "ETag" in first.headers
    for answer in answers[1:]:
        assert answer.body == first.body
        assert {k.lower(): v for k, v in answer.headers.items() if k.lower() != "date"} == {
            k.lower(): v for k, v in first.headers.items() if k.lower() != "date"
        }
    assert first.headers["Content-Security-Policy"] and first.headers["Access-Control-Allow-Origin"]
    logged = [line for line in server.log.read_text().splitlines() if f'"path": "{path}"' in line]
    assert len(logged) >= 6
    head = http("HEAD", server.url + path, headers=HTML)
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == str(len(first.body))


def test_a_sparql_answer_by_get_is_kept_until_a_write(server):
    statement = NS.iri("id/statement/cache-test-sparql")
    ask = f"{server.url}/sparql?" + urllib.parse.urlencode(
        {"query": f"ASK {{ <{statement}> ?p ?o }}"}
    )
    accept = {"Accept": "application/sparql-results+json"}
    before = http("GET", ask, headers=accept)
    assert before.status == 200 and '"boolean":false' in before.text.replace(" ", "")
    etag = before.headers["ETag"]
    assert http("GET", ask, headers={**accept, "If-None-Match": etag}).status == 304
    posted = http(
        "POST",
        server.url + "/sparql",
        body=f"ASK {{ <{statement}> ?p ?o }}",
        headers={"Content-Type": "application/sparql-query", **accept},
    )
    assert posted.status == 200 and "ETag" not in posted.headers  # only GET answers are kept
    source = NS.iri("id/source/s1")
    written = http(
        "POST",
        f"{server.url}/assertions?" + urllib.parse.urlencode({"source": source}),
        body=QUOTE.format(statement=statement, source=source),
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status == 201, written.text
    after = http("GET", ask, headers={**accept, "If-None-Match": etag})
    assert after.status == 200 and '"boolean":true' in after.text.replace(" ", "")
    http(
        "DELETE",
        server.url + written.headers["Location"],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
