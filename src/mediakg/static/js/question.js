// A question page (/api/<name> in a browser): entity parameters chosen by name with suggestions (an ARIA
// combobox), empty fields left out of the request, the answer table sorted by any column, the SPARQL copied.
(() => {
  "use strict";
  const root = new URL(document.querySelector("form.question-form")?.action || location.href).pathname
    .replace(/\/api\/[^/]*$/, "");

  // ---------------------------------------------------------------- entity fields with suggestions
  function combobox(input) {
    const list = document.getElementById(input.getAttribute("aria-controls"));
    let options = [];
    let active = -1;
    let timer = null;
    let asked = 0;
    // The IRI of the entity chosen; cleared when the text no longer is that entity's label.
    let chosen = input.dataset.iri ? { short: input.dataset.iri, label: input.value } : null;

    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (index) => {
      active = index;
      [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    };
    const pick = (index) => {
      const option = options[index];
      if (!option) return;
      chosen = { short: option.short, label: option.label };
      input.value = option.label;
      close();
    };
    const show = (found) => {
      options = found;
      list.replaceChildren(
        ...found.map((o, i) => {
          const li = document.createElement("li");
          li.id = `${list.id}-${i}`;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          const name = document.createElement("span");
          name.textContent = o.label;
          const kind = document.createElement("span");
          kind.className = "kind";
          kind.textContent = o.matched ? `${o.kind} · “${o.matched}”` : o.kind;
          li.append(name, " ", kind);
          li.addEventListener("mousedown", (event) => {
            event.preventDefault(); // keep the focus in the input
            pick(i);
          });
          return li;
        }),
      );
      if (!found.length) {
        const li = document.createElement("li");
        li.className = "none";
        li.textContent = "No entity has this name";
        list.append(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    };
    const ask = async () => {
      const text = input.value.trim();
      if (text.length < 2) return close();
      const number = ++asked;
      const url = new URL(`${root}/api/_entities`, location.href);
      url.searchParams.set("q", text);
      url.searchParams.set("limit", "12");
      if (input.dataset.like) url.searchParams.set("like", input.dataset.like);
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok || number !== asked) return;
        show((await response.json()).entities);
      } catch {
        close();
      }
    };

    input.addEventListener("input", () => {
      if (chosen && input.value !== chosen.label) chosen = null;
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && options.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) ask();
        else highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
    // What the form sends: the chosen entity's short name, else the text (the server finds it by name).
    return () => (chosen && input.value === chosen.label ? chosen.short : input.value.trim());
  }

  const form = document.querySelector("form.question-form");
  if (form) {
    const values = new Map([...form.querySelectorAll("input[data-entity]")].map((i) => [i, combobox(i)]));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const url = new URL(form.action, location.href);
      for (const input of form.querySelectorAll("input[name]")) {
        const value = values.has(input) ? values.get(input)() : input.value.trim();
        if (value) url.searchParams.set(input.name, value); // empty: not given (the default, or all)
      }
      location.assign(url);
    });
  }

  // ---------------------------------------------------------------- sortable answer table
  for (const table of document.querySelectorAll("table.sortable")) {
    const body = table.tBodies[0];
    const headers = [...table.querySelectorAll("thead th")];
    headers.forEach((th, column) => {
      const button = th.querySelector("button.sort");
      if (!button) return; // the sources column sorts too (it has a button), others may not
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const key = (tr) => tr.cells[column]?.dataset.sort ?? "";
        const numeric = [...body.rows].every((tr) => key(tr) === "" || !Number.isNaN(Number(key(tr))));
        const rows = [...body.rows].sort((a, b) => {
          const [x, y] = [key(a), key(b)];
          const number = (v) => (v === "" ? -Infinity : Number(v));
          const order = numeric ? Math.sign(number(x) - number(y)) || 0 : x.localeCompare(y);
          return ascending ? order : -order;
        });
        body.append(...rows);
      });
    });
  }

  // ---------------------------------------------------------------- copy the SPARQL
  for (const button of document.querySelectorAll("button.copy")) {
    const status = button.parentElement.querySelector(".copied");
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = "Copied.";
      } catch {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        status.textContent = "Selected: press Ctrl+C to copy.";
      }
    });
  }
})();
