// What the contribution forms share: a name made into an IRI's last segment, a date typed as
// xsd:date, xsd:gYearMonth or xsd:gYear, and the new source a form describes.
"use strict";

window.PolicyKGForms = (function () {
  function slug(text, length) {
    return text.toLowerCase().normalize("NFKD").replace(/[^\w\s-]/g, "").trim()
      .replace(/\s+/g, "-").slice(0, length) || "x";
  }

  function dated(value) {
    const text = value.trim();
    const type = /^\d{4}$/.test(text) ? "xsd:gYear" : /^\d{4}-\d{2}$/.test(text) ? "xsd:gYearMonth" : "xsd:date";
    return { "@value": text, "@type": type };
  }

  // The source described by the form's sourceTitle, sourceDate, sourceUrl and sourcePublisher
  // fields, pushed onto nodes (its publisher first); its IRI.
  function describeSource(data, base, nodes, length) {
    const title = data.get("sourceTitle").trim();
    const source = base + "id/source/" + slug(title, length);
    const described = { "@id": source, "@type": "pkg:NewsArticle", "label": { "@value": title, "@language": "en" },
      "dct:title": { "@value": title, "@language": "en" } };
    if (data.get("sourceDate").trim()) described["dct:issued"] = dated(data.get("sourceDate"));
    if (data.get("sourceUrl").trim()) described["schema:url"] = { "@id": data.get("sourceUrl").trim() };
    if (data.get("sourcePublisher").trim()) {
      const publisher = base + "id/org/" + slug(data.get("sourcePublisher"), length);
      described["dct:publisher"] = { "@id": publisher };
      nodes.push({ "@id": publisher, "@type": "pkg:MediaOrganization", "label": data.get("sourcePublisher").trim() });
    }
    nodes.push(described);
    return source;
  }

  return { slug, dated, describeSource };
})();
