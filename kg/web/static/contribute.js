// The contribution form: builds a JSON-LD statement (with the PolicyKG context), sends it to
// /assertions with the token, and shows the validation report next to the fields concerned.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const form = document.getElementById("statement-form");
  const outcome = document.getElementById("outcome");

  // Which form field a SHACL result's path speaks of.
  const FIELDS = {
    "pkg:speaker": "speaker", "schema:text": "text", "rdfs:label": "text", "dct:date": "date",
    "pkg:reportedBy": "source", "dct:title": "source", "dct:issued": "source",
    "schema:url": "source", "dct:publisher": "source", "prov:wasDerivedFrom": "source",
  };

  const { dated, describeSource } = window.PolicyKGForms;
  const SLUG = 40; // characters of a name kept in an IRI
  const slug = (text) => window.PolicyKGForms.slug(text, SLUG);

  function speakerIri(name) {
    const option = Array.from(document.querySelectorAll("#speakers option")).find((o) => o.value === name);
    return option ? [option.dataset.iri, null] : [config.base + "id/person/" + slug(name), name];
  }

  function build(data) {
    const [speaker, newPerson] = speakerIri(data.get("speaker"));
    const words = data.get("text").trim();
    const date = data.get("date").trim();
    const statement = config.base + "id/statement/" + slug(data.get("speaker")) + "-" + date + "-" + slug(words.split(/\s+/).slice(0, 4).join(" "));
    const nodes = [{
      "@id": statement, "@type": data.get("kind"),
      "label": { "@value": data.get("speaker") + ": \u201c" + words + "\u201d", "@language": "en" },
      "text": { "@value": words, "@language": "en" },
      "speaker": speaker, "dct:date": dated(date),
    }];
    if (data.get("about")) nodes[0].about = data.get("about");
    if (newPerson) nodes.push({ "@id": speaker, "@type": "pkg:Person", "label": { "@value": newPerson, "@language": "en" } });
    let source = data.get("source");
    if (!source && data.get("sourceTitle").trim()) source = describeSource(data, config.base, nodes, SLUG);
    if (source) nodes[0].reportedBy = source;
    return { body: { "@context": config.context, "@graph": nodes }, source };
  }

  function clearErrors(scope) {
    for (const p of scope.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  }

  function showError(scope, field, message) {
    const p = scope.querySelector(`.field-error[data-for="${field}"]`) || scope.querySelector("#outcome");
    p.hidden = false;
    p.textContent += (p.textContent ? " " : "") + message;
  }

  async function send(scope, box, body, mediaType, source, token) {
    clearErrors(scope);
    box.textContent = "Checking against the whole graph…";
    const query = source ? "?" + new URLSearchParams({ source }) : "";
    const response = await fetch("/assertions" + query, {
      method: "POST",
      headers: { "Content-Type": mediaType, Accept: "application/json", Authorization: "Bearer " + token },
      body,
    });
    const text = await response.text();
    if (response.status === 201) {
      const summary = JSON.parse(text);
      box.innerHTML = "";
      const link = document.createElement("a");
      link.href = "/assertions/" + summary.id;
      link.textContent = "contribution " + summary.id;
      box.append("Admitted: " + summary.triples + " facts, as ", link, ".");
      return;
    }
    if (response.status === 202) {  // a contributor's token: an editor reviews it first
      const proposal = JSON.parse(text);
      box.textContent = "Proposed: " + proposal.triples + " facts passed the checks and wait for an editor, as proposal " + proposal.id + ". Nothing is published until an editor admits it.";
      return;
    }
    box.textContent = "";
    if (response.status === 422) {
      const report = JSON.parse(text);
      box.textContent = "Not admitted: " + report.violations + " problem(s), shown next to the fields. Nothing was written.";
      for (const result of report.results.filter((r) => r.severity === "Violation")) {
        showError(scope, FIELDS[result.path] || "source", result.message);
      }
    } else if (response.status === 401 || response.status === 403) {
      showError(scope, "token", response.status === 401 ? "This token is not accepted." : text);
      box.textContent = "Not admitted: the token is missing or unknown.";
    } else {
      box.textContent = "Not admitted: " + text;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const { body, source } = build(data);
    send(form, outcome, JSON.stringify(body), "application/ld+json", data.get("source") ? source : null, data.get("token"));
  });

  const raw = document.getElementById("raw-form");
  raw.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(raw);
    send(raw, document.getElementById("raw-outcome"), data.get("data"), data.get("format"), data.get("source"), data.get("token"));
  });
})();
