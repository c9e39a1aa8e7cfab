// The query page: run SPARQL against /sparql, show results as a table, highlight the editor.
// No framework, no CDN: this file and style.css are all the page loads.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const highlight = document.getElementById("highlight");
  const results = document.getElementById("results");
  const errorBox = document.getElementById("error");
  const status = document.getElementById("status");

  // --- syntax highlighting: a tokenizer painting a <pre> under a transparent textarea ------
  const TOKEN = new RegExp([
    "(#[^\\n]*)",                                   // comment
    "(\"\"\"[\\s\\S]*?\"\"\"|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                      // IRI
    "([?$][A-Za-z_0-9]+)",                          // variable
    "([A-Za-z][\\w.-]*:[\\w.-]*|:[\\w.-]+)",        // prefixed name
    "\\b(SELECT|DISTINCT|REDUCED|WHERE|PREFIX|BASE|FILTER|OPTIONAL|UNION|GRAPH|ORDER|BY|GROUP|HAVING|LIMIT|OFFSET|ASK|CONSTRUCT|DESCRIBE|VALUES|BIND|AS|MINUS|SERVICE|EXISTS|NOT|IN|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|SEPARATOR|ASC|DESC|FROM|NAMED|a)\\b",
  ].join("|"), "gi");
  const CLASSES = ["comment", "string", "iri", "variable", "pname", "keyword"];

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function paint() {
    const text = editor.value;
    let html = "", last = 0;
    for (const match of text.matchAll(TOKEN)) {
      const kind = CLASSES[match.slice(1).findIndex((group) => group !== undefined)];
      html += escapeHtml(text.slice(last, match.index));
      html += `<span class="tok-${kind}">${escapeHtml(match[0])}</span>`;
      last = match.index + match[0].length;
    }
    highlight.innerHTML = html + escapeHtml(text.slice(last)) + "\n";
    highlight.parentElement.scrollTop = editor.scrollTop;
  }

  // --- results --------------------------------------------------------------------------
  function entityHref(iri) {
    // IRIs minted by PolicyKG are served by this server at their path.
    return iri.startsWith(config.base) ? "/" + iri.slice(config.base.length) : iri;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = entityHref(term.value);
      a.textContent = compact(term.value);
      a.title = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.lang = term["xml:lang"];
    }
    return td;
  }

  function compact(iri) {
    for (const [name, namespace] of Object.entries(config.prefixes || {})) {
      if (iri.startsWith(namespace) && /^[\w.-]+$/.test(iri.slice(namespace.length))) {
        return name + ":" + iri.slice(namespace.length);
      }
    }
    return iri;
  }

  function showTable(data) {
    results.replaceChildren();
    if (typeof data.boolean === "boolean") {
      const p = document.createElement("p");
      p.className = "boolean";
      p.textContent = data.boolean ? "Yes" : "No";
      results.appendChild(p);
      return;
    }
    const vars = data.head.vars;
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const name of vars) {
      const th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const binding of data.results.bindings) {
      const row = body.insertRow();
      for (const name of vars) row.appendChild(cell(binding[name]));
    }
    const count = document.createElement("p");
    count.className = "count";
    count.textContent = `${data.results.bindings.length} row${data.results.bindings.length === 1 ? "" : "s"}`;
    results.append(count, table);
  }

  function showGraph(text) {
    results.replaceChildren();
    const pre = document.createElement("pre");
    pre.className = "turtle";
    pre.textContent = text;
    results.appendChild(pre);
  }

  function showError(message) {
    errorBox.hidden = false;
    errorBox.textContent = message;
    const at = /(?:error at |line )(\d+)[:, column]*(\d+)?/i.exec(message);
    if (at) {
      const line = Number(at[1]);
      errorBox.textContent += `\n→ line ${line}: ${editor.value.split("\n")[line - 1] || ""}`;
    }
  }

  function isGraphQuery(text) {
    const code = text.replace(/#[^\n]*/g, " ").replace(/<[^>]*>/g, " ");
    const match = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(code);
    return match && /CONSTRUCT|DESCRIBE/i.test(match[1]);
  }

  async function run() {
    errorBox.hidden = true;
    status.textContent = "Running…";
    const started = performance.now();
    const graph = isGraphQuery(editor.value);
    try {
      const response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: graph ? "text/turtle" : "application/sparql-results+json",
        },
        body: new URLSearchParams({ query: editor.value }),
      });
      const text = await response.text();
      if (!response.ok) {
        status.textContent = "";
        showError(text);
        return;
      }
      if (graph) showGraph(text); else showTable(JSON.parse(text));
      status.textContent = `${Math.round(performance.now() - started)} ms`;
    } catch (error) {
      status.textContent = "";
      showError(String(error));
    }
  }

  function download(event) {
    const params = new URLSearchParams({ query: editor.value, format: event.target.dataset.format });
    event.target.href = "/sparql?" + params.toString();
  }

  // --- wiring ---------------------------------------------------------------------------
  config.prefixes = Object.fromEntries(
    Array.from(document.querySelectorAll(".prefixes tr"), (row) => {
      const [name, iri] = row.querySelectorAll("code");
      return [name.textContent.replace(/:$/, ""), iri.textContent];
    }),
  );
  editor.addEventListener("input", paint);
  editor.addEventListener("scroll", () => { highlight.parentElement.scrollTop = editor.scrollTop; });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  for (const link of document.querySelectorAll(".downloads a")) {
    link.addEventListener("click", download);
  }
  for (const button of document.querySelectorAll("button.example")) {
    button.addEventListener("click", () => {
      editor.value = config.examples[button.dataset.name];
      paint();
      run();
    });
  }
  paint();
})();
