// Suggestions as you type, for every <input data-suggest="URL"> (the URL answers ?q= with JSON:
// {"q": ..., "results": [{label, href, kind, matched}]}, e.g. /search/suggest).
// An ARIA 1.2 combobox: Down/Up move through the suggestions, Enter opens the one chosen (or submits the
// form as typed), Escape closes the list. Without this script the form still submits to /search.
"use strict";

(function () {
  const DELAY_MS = 120;
  const MIN_CHARS = 2; // one letter matches most names: wait for the second

  function setUp(input, index) {
    const url = input.getAttribute("data-suggest");
    const form = input.form;
    const list = document.createElement("ul");
    const status = document.createElement("p");
    list.id = `${input.id || "q"}-suggestions-${index}`;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    if (form) form.classList.add("has-suggestions");

    let timer = null;
    let asked = 0; // number of the latest request: older answers are dropped
    let active = -1;

    function options() {
      return Array.from(list.querySelectorAll("[role=option]"));
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(i) {
      const all = options();
      all.forEach((o, j) => o.setAttribute("aria-selected", j === i ? "true" : "false"));
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", all[i].id);
        all[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(results) {
      list.replaceChildren();
      results.forEach((r, i) => {
        const li = document.createElement("li");
        li.id = `${list.id}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const link = document.createElement("a");
        link.href = r.href;
        link.tabIndex = -1; // the input keeps the focus; arrows move through the options
        link.textContent = r.label;
        li.appendChild(link);
        const note = [r.kind, r.matched ? `also “${r.matched}”` : ""].filter(Boolean).join(" · ");
        if (note) {
          const small = document.createElement("span");
          small.className = "note";
          small.textContent = ` ${note}`;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
        li.addEventListener("click", () => window.location.assign(r.href));
        list.appendChild(li);
      });
      active = -1;
      const any = results.length > 0;
      list.hidden = !any;
      input.setAttribute("aria-expanded", any ? "true" : "false");
      status.textContent = any ? `${results.length} suggestions; use the arrow keys` : "No suggestions";
    }

    async function ask(text) {
      const mine = ++asked;
      if (text.trim().length < MIN_CHARS) {
        show([]);
        return;
      }
      try {
        const answer = await fetch(`${url}?q=${encodeURIComponent(text)}`, {
          headers: { Accept: "application/json" },
        });
        if (!answer.ok || mine !== asked) return;
        const body = await answer.json();
        if (mine === asked) show(body.results || []);
      } catch (error) {
        if (mine === asked) close(); // the form still works: Enter searches
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => ask(input.value), DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      const all = options();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        if (list.hidden) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        choose(active + 1 < all.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        choose(active > 0 ? active - 1 : all.length - 1);
      } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
        event.preventDefault();
        window.location.assign(all[active].querySelector("a").href);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  document.querySelectorAll("input[data-suggest]").forEach(setUp);
})();
