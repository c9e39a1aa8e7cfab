"""The policy form and the editors' review in a real browser: a contributor proposes a policy
with two provisions and a new source; an editor reads it in words and admits it, and the
agency's page shows it; a refused proposal never reaches the graph."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.conftest import CONTRIBUTOR_TOKEN, NS, TOKEN, http, start_server
from tests.web.test_assertions import ask


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("policy-form") / "store")
    yield server
    server.stop()


def choose_agency(page, field, typed: str) -> None:
    """Types into a field with agency suggestions and takes the first one offered."""
    page.fill(field, typed)
    page.wait_for_selector("#agencies option", state="attached")
    page.fill(field, page.eval_on_selector("#agencies option", "option => option.value"))


def propose_policy(page, server, title: str) -> None:
    page.goto(server.url + "/contribute/policy")
    choose_agency(page, "input[name=agency]", "Chicago Police")
    page.fill("input[name=title]", title)
    page.fill("input[name=adopted]", "2024")
    first = page.locator(".provision").nth(0)
    first.locator("select[name=activity]").select_option(NS.iri("vocab/activity/honor-detainer"))
    first.locator("input[name=condition]").fill("without a judicial warrant")
    page.click("#add-provision")
    second = page.locator(".provision").nth(1)
    second.locator("select[name=rule]").select_option("permission")
    second.locator("select[name=activity]").select_option(
        NS.iri("vocab/activity/share-criminal-intelligence")
    )
    second.locator("input[name=exception]").fill("never about immigration status alone")
    page.fill("input[name=sourceTitle]", f"Report on the {title}")
    page.fill("input[name=sourceDate]", "2025-01-22")
    page.fill("input[name=token]", CONTRIBUTOR_TOKEN)
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector("#outcome:has-text('Proposed')")


def test_a_proposed_policy_is_reviewed_in_words_and_admitted(live, page):
    title = "Chicago Police Department detainer policy"
    propose_policy(page, live, title)
    policy = NS.iri("id/policy/chicago-police-department-detainer-policy")
    assert not ask(live, f"ASK {{ <{policy}> ?p ?o }}")  # waiting, not published

    page.goto(live.url + "/review")
    page.fill("#review-login input[name=token]", TOKEN)
    page.click("#review-login button[type=submit]")
    card = page.locator("article.proposal", has_text=title).first
    card.wait_for()
    words = card.locator(".proposal-facts").inner_text()
    assert f"{title} prohibits honoring immigration detainers" in words
    assert "condition: without a judicial warrant" in words
    assert f"{title} permits sharing criminal intelligence" in words
    card.locator("button.admit").click()
    card.locator(".outcome a[href^='/assertions/']").wait_for()

    assert ask(live, f"ASK {{ <{policy}> ?p ?o }}")
    page.goto(live.url + "/id/agency/chicago-pd")
    shown = page.inner_text("main")
    assert title in shown
    assert "honoring immigration detainers" in shown and "without a judicial warrant" in shown
    assert f"Report on the {title}" in shown  # the provisions' source


def test_a_refused_proposal_never_appears_in_the_graph(live, page):
    title = "Chicago Police Department refused policy"
    propose_policy(page, live, title)
    page.goto(live.url + "/review")
    page.fill("#review-login input[name=token]", TOKEN)
    page.click("#review-login button[type=submit]")
    card = page.locator("article.proposal", has_text=title).first
    card.wait_for()
    card.locator("input[name=reason]").fill("The report does not say so.")
    card.locator("button.refuse").click()
    card.locator(".outcome:has-text('Refused')").wait_for()
    policy = NS.iri("id/policy/chicago-police-department-refused-policy")
    assert not ask(live, f"ASK {{ <{policy}> ?p ?o }}")
    found = http(
        "GET", live.url + "/search?" + urllib.parse.urlencode({"q": title, "format": "json"})
    )
    assert policy not in [hit["iri"] for hit in json.loads(found.body)["results"]]


def test_missing_fields_are_named_beside_them_and_nothing_is_sent(live, page):
    page.goto(live.url + "/contribute/policy")
    page.fill("input[name=agency]", "No such agency at all")
    page.fill("input[name=adopted]", "last spring")
    page.fill("input[name=token]", TOKEN)
    page.click("#policy-form button[type=submit]")
    assert "suggestions" in page.inner_text(".field-error[data-for=agency]")
    assert "Give the policy's title" in page.inner_text(".field-error[data-for=title]")
    assert "2019-05-01" in page.inner_text(".field-error[data-for=adopted]")
    assert "title at least" in page.inner_text(".field-error[data-for=source]")
    assert "Nothing was written" in page.inner_text("#outcome")


def test_an_amendment_adds_and_withdraws_provisions(live, page):
    lvmpd = NS.iri("id/policy/lvmpd-immigration-policy")
    page.goto(live.url + "/contribute/policy")
    page.check("input[name=mode][value=amend]")
    page.select_option("select[name=policy]", lvmpd)
    page.check(f"input[name=withdraw][value='{NS.iri('id/provision/lvmpd-no-delayed-release')}']")
    page.fill("input[name=amended]", "2025-01")
    page.locator(".provision select[name=activity]").select_option(
        NS.iri("vocab/activity/status-inquiry")
    )
    page.select_option("select[name=source]", NS.iri("id/source/s0"))
    page.fill("input[name=token]", TOKEN)
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector("#outcome:has-text('Admitted')")
    sent = json.loads(page.text_content("#preview"))  # what an API client would send
    amendment = next(n for n in sent["@graph"] if n.get("@type") == "pkg:PolicyAmendment")
    assert amendment["pkg:withdrawnRule"] == [
        {"@id": NS.iri("id/provision/lvmpd-no-delayed-release")}
    ]
    assert ask(
        live,
        f"""ASK {{ ?amendment <{NS.pkg}changedPolicy> <{lvmpd}> ;
              <{NS.pkg}withdrawnRule> <{NS.iri("id/provision/lvmpd-no-delayed-release")}> ;
              <{NS.pkg}addedRule> ?added . <{lvmpd}> ?link ?added }}""",
    )
    page.goto(live.url + "/id/agency/lvmpd")
    assert "withdrawn by the amendment of 2025-01" in page.inner_text("main")
