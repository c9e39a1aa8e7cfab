// Suggestions as you type in the header's search box: the server's /search as JSON, shown as a
// list the arrow keys move through. Without this script the box is a plain form to /search.
(() => {
  const input = document.getElementById("site-search");
  const list = document.getElementById("site-search-suggestions");
  if (!input || !list) return;
  let timer = null;
  let asked = 0;
  let chosen = -1;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    chosen = -1;
    input.setAttribute("aria-expanded", "false");
  };

  const mark = (index) => {
    const items = list.querySelectorAll("li");
    items.forEach((item, i) => item.setAttribute("aria-selected", i === index ? "true" : "false"));
    chosen = index;
  };

  const show = (results) => {
    list.replaceChildren();
    for (const hit of results) {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      const link = document.createElement("a");
      link.href = hit.href;
      link.textContent = hit.label;
      const kind = document.createElement("small");
      kind.textContent = ` ${hit.kind}${hit.state ? ", " + hit.state : ""}`;
      item.append(link, kind);
      list.append(item);
    }
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    chosen = -1;
  };

  const suggest = async () => {
    const text = input.value.trim();
    if (!text) return close();
    const ticket = ++asked;
    const answer = await fetch(`/search?format=json&limit=8&q=${encodeURIComponent(text)}`);
    if (ticket !== asked || !answer.ok) return;
    const found = await answer.json();
    show(found.results.map((hit) => ({ ...hit, href: hit.page })));
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
  });
  input.addEventListener("keydown", (event) => {
    const items = list.querySelectorAll("li");
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      mark((chosen + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      mark((chosen - 1 + items.length) % items.length);
    } else if (event.key === "Enter" && chosen >= 0) {
      event.preventDefault();
      window.location.href = items[chosen].querySelector("a").href;
    } else if (event.key === "Escape") {
      close();
    }
  });
  document.addEventListener("click", (event) => {
    if (!list.contains(event.target) && event.target !== input) close();
  });
})();
