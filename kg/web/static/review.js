// The editors' queue at /review: reads /proposals with the editor's token, shows each proposal
// in words with its source and RDF, and admits or refuses it. Everything is shown as text.
"use strict";

(function () {
  const login = document.getElementById("review-login");
  const queue = document.getElementById("queue");
  let token = sessionStorage.getItem("policykg-token") || "";

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    return node;
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json", Authorization: "Bearer " + token };
    if (body) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    let data = null;
    try { data = JSON.parse(text); } catch (error) { data = { error: text.trim() }; }
    return { status: response.status, data };
  }

  function problems(report) {
    const list = element("ul");
    for (const result of (report.results || []).filter((r) => r.severity === "Violation")) {
      list.append(element("li", result.message + (result.focus ? " (" + result.focus + ")" : "")));
    }
    return list;
  }

  function card(proposal) {
    const article = element("article", null, { class: "proposal", "data-id": proposal.id });
    article.append(element("h2", "Proposal " + proposal.id));
    const who = element("p", "Proposed by " + proposal.proposer + ", " + proposal.created + ", from ");
    const source = element("a", proposal.source, { href: proposal.source });
    who.append(source, ".");
    article.append(who);
    const facts = element("ul", null, { class: "proposal-facts" });
    for (const fact of proposal.facts) facts.append(element("li", fact));
    article.append(facts);
    if (proposal.warnings.length) {
      const warnings = element("ul", null, { class: "warnings" });
      for (const w of proposal.warnings) warnings.append(element("li", "Warning: " + w.message));
      article.append(warnings);
    }
    const raw = element("details");
    raw.append(element("summary", "Its RDF (N-Triples)"), element("pre", proposal.adds, { class: "raw-rdf" }));
    article.append(raw);
    const actions = element("div", null, { class: "actions" });
    const admit = element("button", "Admit", { type: "button", class: "admit" });
    const reason = element("input", null, { name: "reason", placeholder: "Why it is refused", "aria-label": "Reason for refusing" });
    const refuse = element("button", "Refuse", { type: "button", class: "refuse" });
    const outcome = element("p", null, { class: "outcome", role: "status" });
    actions.append(admit, reason, refuse);
    article.append(actions, outcome);

    admit.addEventListener("click", async () => {
      outcome.textContent = "Checking against the graph as it is now…";
      const { status, data } = await call("POST", "/proposals/" + proposal.id + "/admit");
      if (status === 201) {
        outcome.textContent = "Admitted as ";
        outcome.append(element("a", "contribution " + data.id, { href: "/assertions/" + data.id }), ".");
        actions.remove();
      } else if (status === 422) {
        outcome.textContent = "Not admitted: the graph has changed and it no longer conforms. It stays pending.";
        outcome.append(problems(data));
      } else {
        outcome.textContent = "Not admitted (" + status + "): " + (data.error || "");
      }
    });
    refuse.addEventListener("click", async () => {
      if (!reason.value.trim()) { outcome.textContent = "Give a reason to refuse it."; reason.focus(); return; }
      const { status, data } = await call("POST", "/proposals/" + proposal.id + "/refuse", { reason: reason.value });
      outcome.textContent = status === 200 ? "Refused: " + data.reason : "Not refused (" + status + "): " + (data.error || "");
      if (status === 200) actions.remove();
    });
    return article;
  }

  async function show() {
    queue.textContent = "Reading the queue…";
    const { status, data } = await call("GET", "/proposals?status=pending&order=oldest");
    queue.textContent = "";
    const error = login.querySelector('.field-error[data-for="token"]');
    error.hidden = status === 200;
    if (status !== 200) { error.textContent = status === 401 ? "This token is not accepted." : data.error; return; }
    sessionStorage.setItem("policykg-token", token);
    if (!data.items.length) { queue.append(element("p", "Nothing waits for review.")); return; }
    for (const proposal of data.items) queue.append(card(proposal));
  }

  login.addEventListener("submit", (event) => {
    event.preventDefault();
    token = new FormData(login).get("token");
    show();
  });
  if (token) { login.elements.token.value = token; show(); }
})();
