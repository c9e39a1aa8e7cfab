// The policy form: a new policy with its adoption and provisions, or an amendment that adds and
// withdraws provisions. Builds the JSON-LD an API client would send (shown under the form),
// posts it to /assertions with the token, and shows refusals next to the fields concerned.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const form = document.getElementById("policy-form");
  const outcome = document.getElementById("outcome");
  const provisions = document.getElementById("provisions");
  const template = document.getElementById("provision-template");
  const agencies = document.getElementById("agencies");
  const known = new Map([["U.S. Immigration and Customs Enforcement", config.ice]]); // shown name → IRI
  const policies = new Map(config.policies.map((p) => [p.iri, p]));
  const ODRL = { prohibition: "odrl:Prohibition", permission: "odrl:Permission", obligation: "odrl:Duty" };
  const VERBS = { prohibition: "prohibits", permission: "permits", obligation: "requires" };
  // Which field a SHACL result's path speaks of (a provision's own are shown beside it).
  const FIELDS = {
    "pkg:issuedBy": "agency", "rdfs:label": "title", "dct:date": "adopted", "pkg:changedPolicy": "policy",
    "pkg:reportedBy": "source", "dct:title": "source", "dct:issued": "source", "schema:url": "source",
    "dct:publisher": "source", "prov:wasDerivedFrom": "source",
  };

  const { dated, describeSource } = window.PolicyKGForms;
  const SLUG = 50; // characters of a name kept in an IRI
  const slug = (text) => window.PolicyKGForms.slug(text, SLUG);

  const isDate = (text) => /^\d{4}(-\d{2}(-\d{2})?)?$/.test(text);
  const en = (text) => ({ "@value": text, "@language": "en" });
  const mode = () => form.elements.mode.value;

  // --- agencies, found as the user types --------------------------------------------------
  let asked = 0;
  async function suggest(input) {
    const text = input.value.trim();
    if (text.length < 2 || known.has(text)) return;
    const ticket = ++asked;
    const answer = await fetch(`/search?format=json&kind=organization&limit=10&q=${encodeURIComponent(text)}`);
    if (ticket !== asked || !answer.ok) return;
    agencies.textContent = "";
    for (const hit of (await answer.json()).results) {
      const shown = hit.label + (hit.state ? " — " + hit.state : "");
      known.set(shown, hit.iri);
      const option = document.createElement("option");
      option.value = shown;
      agencies.append(option);
    }
  }
  form.addEventListener("input", (event) => {
    if (event.target.getAttribute("list") === "agencies") suggest(event.target);
  });

  // --- provisions -------------------------------------------------------------------------
  function describe(select, hint) {
    hint.textContent = select.selectedOptions[0] ? select.selectedOptions[0].title : "";
  }
  function addProvision() {
    const block = template.content.firstElementChild.cloneNode(true);
    const activity = block.querySelector('[name="activity"]');
    const hint = block.querySelector(".activity-definition");
    activity.addEventListener("change", () => describe(activity, hint));
    describe(activity, hint);
    block.querySelector(".remove-provision").addEventListener("click", () => block.remove());
    provisions.append(block);
  }
  document.getElementById("add-provision").addEventListener("click", addProvision);
  addProvision();

  const kind = form.elements.kind;
  kind.addEventListener("change", () => describe(kind, document.getElementById("kind-definition")));
  describe(kind, document.getElementById("kind-definition"));

  // --- new policy or amendment ------------------------------------------------------------
  function showMode() {
    form.querySelector(".new-policy").hidden = mode() !== "new";
    form.querySelector(".amend-policy").hidden = mode() !== "amend";
  }
  for (const radio of form.elements.mode) radio.addEventListener("change", showMode);
  form.elements.policy.addEventListener("change", () => {
    const box = document.getElementById("withdrawable");
    box.textContent = "";
    const policy = policies.get(form.elements.policy.value);
    if (!policy) return;
    const legend = document.createElement("p");
    legend.textContent = "Withdraw provisions (they stay in the graph as their sources give them; from the amendment on they no longer hold):";
    box.append(legend);
    for (const provision of policy.provisions) {
      const label = document.createElement("label");
      label.className = "inline";
      const tick = document.createElement("input");
      tick.type = "checkbox";
      tick.name = "withdraw";
      tick.value = provision.iri;
      label.append(tick, ` ${provision.verb}: ${provision.label}`);
      box.append(label);
    }
  });

  // --- building the contribution ----------------------------------------------------------
  function clearErrors() {
    for (const p of form.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  }
  function showError(target, message) {
    const p = typeof target === "string"
      ? form.querySelector(`.field-error[data-for="${target}"]`) : target;
    (p || outcome).hidden = false;
    (p || outcome).textContent += ((p || outcome).textContent ? " " : "") + message;
  }

  // The JSON-LD of the form, and the problems found before sending (field → message).
  function build() {
    const data = new FormData(form);
    const errors = [];
    const nodes = [];
    const amend = mode() === "amend";
    let policy, issuer, issuerName, title;
    if (amend) {
      const chosen = policies.get(data.get("policy"));
      if (!chosen) errors.push(["policy", "Choose the policy amended."]);
      else [policy, issuer, issuerName, title] = [chosen.iri, chosen.issuer, chosen.issuerLabel, chosen.label];
    } else {
      issuerName = data.get("agency").trim();
      issuer = known.get(issuerName);
      title = data.get("title").trim();
      if (!issuer) errors.push(["agency", issuerName ? "Choose the agency from the suggestions: it must be in the graph." : "Name the issuing agency."]);
      if (!title) errors.push(["title", "Give the policy's title."]);
      policy = config.base + "id/policy/" + slug(title);
    }
    const date = (amend ? data.get("amended") : data.get("adopted")).trim();
    const dateField = amend ? "amended" : "adopted";
    if (amend && !date) errors.push(["amended", "Date the amendment."]);
    if (date && !isDate(date)) errors.push([dateField, "Write the date as 2019-05-01, 2019-05 or 2019."]);

    let source = data.get("source");
    if (!source) {
      const issued = data.get("sourceDate").trim();
      if (!data.get("sourceTitle").trim()) errors.push(["source", "Choose a source, or describe a new one (its title at least)."]);
      else {
        if (issued && !isDate(issued)) errors.push(["source", "Write the source's date as 2025-01-22, 2025-01 or 2025."]);
        source = describeSource(data, config.base, nodes, SLUG);
      }
    }

    const event = config.base + "id/event/" + slug(title || "policy") + (amend ? "-amended-" + date : "-adopted");
    const change = {
      "@id": event, "@type": amend ? "pkg:PolicyAmendment" : "pkg:PolicyAdoption",
      label: en((title || "") + (amend ? " amended" : " adopted")),
      "pkg:changedPolicy": { "@id": policy }, "prov:wasAssociatedWith": { "@id": issuer }, reportedBy: source,
    };
    if (date) change["dct:date"] = dated(date);
    const policyNode = { "@id": policy };
    if (!amend) Object.assign(policyNode, { "@type": data.get("kind"), label: en(title), issuedBy: issuer });

    const blocks = Array.from(provisions.querySelectorAll(".provision"));
    const withdrawn = amend ? data.getAll("withdraw") : [];
    if (!blocks.length && !withdrawn.length) errors.push(["provisions", amend ? "Add or withdraw at least one provision." : "Add at least one provision."]);
    const used = new Set();
    blocks.forEach((block, index) => {
      const field = (name) => block.querySelector(`[name="${name}"]`);
      const rule = field("rule").value;
      const activity = field("activity");
      const activityLabel = activity.selectedOptions[0].textContent.replace(" (in general)", "");
      let iri = config.base + "id/provision/" + slug(title || "policy") + "-" + slug(VERBS[rule] + " " + activityLabel);
      while (used.has(iri)) iri += "-" + (index + 1);
      used.add(iri);
      block.dataset.iri = iri;
      const provision = {
        "@id": iri, "@type": ODRL[rule],
        label: en(`${issuerName || "The agency"} ${VERBS[rule]} ${activityLabel}`),
        "odrl:action": { "@id": activity.value }, "odrl:assignee": { "@id": issuer },
      };
      const counterparty = field("counterparty").value.trim();
      if (counterparty) {
        if (!known.has(counterparty)) errors.push([block.querySelector(".provision-error"), "Choose the counterparty from the suggestions, or leave it empty."]);
        else provision["pkg:counterparty"] = { "@id": known.get(counterparty) };
      }
      if (field("condition").value.trim()) provision.condition = en(field("condition").value.trim());
      if (field("exception").value.trim()) provision["pkg:exception"] = en(field("exception").value.trim());
      nodes.push(provision);
      (policyNode["odrl:" + rule] = policyNode["odrl:" + rule] || []).push({ "@id": iri });
      if (amend) (change["pkg:addedRule"] = change["pkg:addedRule"] || []).push({ "@id": iri });
    });
    if (withdrawn.length) change["pkg:withdrawnRule"] = withdrawn.map((iri) => ({ "@id": iri }));
    if (!amend && data.get("kind").endsWith("#Agreement")) {  // an agreement names its federal party
      const party = nodes.find((n) => n["pkg:counterparty"]);
      policyNode["pkg:counterparty"] = party ? party["pkg:counterparty"] : { "@id": config.ice };
    }
    nodes.unshift(policyNode);
    if (date) nodes.splice(1, 0, change);  // an event is dated: no adoption without its date
    return { body: { "@context": config.context, "@graph": nodes }, source: data.get("source") || null, errors };
  }

  form.addEventListener("input", () => {
    document.getElementById("preview").textContent = JSON.stringify(build().body, null, 2);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const { body, source, errors } = build();
    document.getElementById("preview").textContent = JSON.stringify(body, null, 2);
    const token = new FormData(form).get("token");
    if (!token) errors.push(["token", "A write needs a token."]);
    if (errors.length) {
      for (const [field, message] of errors) showError(field, message);
      outcome.textContent = "Not sent: " + errors.length + " field(s) to fix, shown next to them. Nothing was written.";
      return;
    }
    outcome.textContent = "Checking against the whole graph…";
    const query = source ? "?" + new URLSearchParams({ source }) : "";
    const response = await fetch("/assertions" + query, {
      method: "POST",
      headers: { "Content-Type": "application/ld+json", Accept: "application/json", Authorization: "Bearer " + token },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let answer = {};
    try { answer = JSON.parse(text); } catch (error) { answer = { error: text.trim() }; }
    outcome.textContent = "";
    if (response.status === 201) {
      const link = document.createElement("a");
      link.href = "/assertions/" + answer.id;
      link.textContent = "contribution " + answer.id;
      outcome.append("Admitted: " + answer.triples + " facts, as ", link, ".");
    } else if (response.status === 202) {
      outcome.textContent = "Proposed: " + answer.triples + " facts passed the checks and wait for an editor, as proposal " + answer.id + ". Nothing is published until an editor admits it.";
    } else if (response.status === 422) {
      outcome.textContent = "Not admitted: " + answer.violations + " problem(s), shown next to the fields. Nothing was written.";
      for (const result of answer.results.filter((r) => r.severity === "Violation")) {
        const block = provisions.querySelector(`.provision[data-iri="${CSS.escape(result.focus)}"]`);
        showError(block ? block.querySelector(".provision-error") : FIELDS[result.path] || "source", result.message);
      }
    } else if (response.status === 401 || response.status === 403) {
      showError("token", response.status === 401 ? "This token is not accepted." : answer.error);
      outcome.textContent = "Not admitted: the token cannot write this.";
    } else {
      outcome.textContent = "Not admitted (" + response.status + "): " + (answer.error || "");
    }
  });
})();
