// The timeline page: meetings and incidents (cases, their acts nested) in lanes, laws as markers, drawn with
// the vendored vis-timeline from /timeline.json; filters kept in the URL; the same items as a keyboard-usable
// list. Dates come from the server already at their precision (item.shape, start, end, when).
(() => {
  "use strict";
  const page = document.getElementById("timeline-page");
  const root = page.dataset.root || "";
  const form = document.getElementById("filters");
  const status = document.getElementById("filter-status");
  const tooltip = document.getElementById("tooltip");
  const FACETS = ["country", "organisation", "person", "type"];
  const KIND_NAMES = { meeting: "Meeting", incident: "Case", act: "Act" };
  const OPEN_DAYS = 30; // how far an open side of a bounded date fades out
  const DAY = 86400000;

  const shift = (iso, days) => new Date(Date.parse(iso) + days * DAY).toISOString().slice(0, 10);
  const short = (text, n = 48) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
  const element = (tag, attrs = {}, ...children) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
    el.append(...children);
    return el;
  };

  // ---------------------------------------------------------------- filters (kept in the URL)
  function selected() {
    const values = Object.fromEntries(new FormData(form));
    return values;
  }
  function shortIri(iri) {
    return iri.replace(/^https:\/\/w3id\.org\/mediakg\/id\//, "id:");
  }
  function fullIri(value) {
    return value.startsWith("id:") ? `https://w3id.org/mediakg/id/${value.slice(3)}` : value;
  }
  function writeUrl(values) {
    const url = new URL(location.href);
    for (const key of [...FACETS, "from", "to"]) {
      if (values[key]) url.searchParams.set(key, FACETS.includes(key) ? shortIri(values[key]) : values[key]);
      else url.searchParams.delete(key);
    }
    history.replaceState(null, "", url);
  }
  function readUrl() {
    const params = new URL(location.href).searchParams;
    for (const key of [...FACETS, "from", "to"]) {
      const value = params.get(key);
      if (value) form.elements[key].value = FACETS.includes(key) ? fullIri(value) : value;
    }
  }

  // An item's extent as [first day, day after the last] (open sides: null).
  const extent = (item) => [item.start, item.end || (item.shape === "day" ? shift(item.start, 1) : null)];
  function inRange(item, from, to) {
    if (!from && !to) return true;
    if (item.shape === "undated") return false;
    const [start, end] = extent(item);
    if (from && end && end <= from) return false;
    if (to && start && start > to) return false;
    return true;
  }
  function passes(item, values) {
    for (const facet of ["country", "organisation", "person"]) {
      if (values[facet] && !item.facets[facet].includes(values[facet])) return false;
    }
    if (values.type && item.kind !== "meeting" && !item.facets.type.includes(values.type)) return false;
    return inRange(item, values.from, values.to);
  }

  // ---------------------------------------------------------------- quote tooltip (hover and focus)
  function describe(item) {
    const parts = [element("strong", {}, item.label), element("span", { class: "when" }, ` ${item.when}`)];
    if (item.basis) parts.push(element("span", { class: "basis" }, ` (${item.basis})`));
    if (item.quote) parts.push(element("blockquote", {}, `“${item.quote}”`));
    if (item.source) parts.push(element("span", { class: "source" }, `Source ${item.source.id.split("_")[0]}: ${item.source.title}`));
    return parts;
  }
  // Who opened the tooltip: "focus" (a focused link) or "hover" (the pointer over an item); each closes only
  // its own, so that an item moving under a still pointer does not close the quote of a focused one.
  let tooltipOwner = null;
  function showTooltip(item, x, y, owner = "hover") {
    tooltipOwner = owner;
    tooltip.replaceChildren(...describe(item));
    tooltip.hidden = false;
    const width = Math.min(420, window.innerWidth - 16);
    tooltip.style.maxWidth = `${width}px`;
    tooltip.style.left = `${Math.max(8, Math.min(x, window.innerWidth - width - 8)) + window.scrollX}px`;
    tooltip.style.top = `${y + window.scrollY + 12}px`;
  }
  const hideTooltip = () => {
    tooltip.hidden = true;
    tooltipOwner = null;
  };
  const hideOwn = (owner) => () => tooltipOwner === owner && hideTooltip();
  // a link's quote closes when the focus has left it (checked after the event: a redraw may re-add it)
  const closeOnBlur = (link) => () =>
    setTimeout(() => document.activeElement !== link && hideOwn("focus")(), 0);
  document.addEventListener("keydown", (event) => event.key === "Escape" && hideTooltip());

  // ---------------------------------------------------------------- the timeline
  function content(item, byId) {
    // a link: focusable by Tab where the item is drawn, followed by Enter or a click
    const link = element("a", { href: item.href, "data-item": item.id, "aria-label": `${item.label}, ${item.when}` });
    link.textContent = short(item.label);
    link.addEventListener("focus", () => {
      const box = link.getBoundingClientRect();
      showTooltip(byId.get(item.id), box.left, box.bottom, "focus");
    });
    link.addEventListener("blur", closeOnBlur(link));
    return link;
  }
  function visItem(item, byId) {
    const group = item.kind === "meeting" ? "meetings" : item.kind === "act" ? "acts" : "incidents";
    const base = { id: item.id, group, content: content(item, byId), className: `${item.kind} ${item.shape}${item.osce ? " osce" : ""}` };
    switch (item.shape) {
      case "day":
        return { ...base, type: "point", start: item.start };
      case "by": // an upper bound only: a range that fades in from the left and ends at the bound
        return { ...base, type: "range", start: shift(item.end, -OPEN_DAYS), end: item.end, className: `${base.className} open-start` };
      case "from":
        return { ...base, type: "range", start: item.start, end: shift(item.start, OPEN_DAYS), className: `${base.className} open-end` };
      default: // month, year, between
        return { ...base, type: "range", start: item.start, end: item.end };
    }
  }
  function lawItems(law) {
    const link = element("a", { href: law.href, "data-item": law.id, "aria-label": `${law.label}, ${law.when}` });
    link.textContent = short(law.label, 36);
    const tip = { label: law.label, when: law.when, quote: law.quote, source: law.source };
    link.addEventListener("focus", () => {
      const box = link.getBoundingClientRect();
      showTooltip(tip, box.left, box.bottom, "focus");
    });
    link.addEventListener("blur", closeOnBlur(link));
    return [
      { id: law.id, group: "laws", type: "box", start: law.start, content: link, className: "law" },
      { id: `${law.id}#line`, type: "background", start: law.start, end: shift(law.start, 1), className: "law-line" },
    ];
  }

  // ---------------------------------------------------------------- the list (same items, keyboard first)
  let listCount = 0;
  function entry(item, timeline) {
    const n = ++listCount;
    const quoteId = `quote-${n}`;
    const li = element("li", { class: `entry ${item.kind || "law"}` });
    const link = element("a", { href: item.href, "aria-describedby": quoteId }, item.label);
    const kind = element("span", { class: "kind" }, KIND_NAMES[item.kind] || "Law");
    li.append(element("span", { class: "when" }, item.when), " ", kind, " ");
    if (item.osce) li.append(element("span", { class: "kind osce" }, "OSCE"), " ");
    li.append(link);
    if (timeline && item.shape !== "undated" && (item.start || item.end)) {
      const show = element("button", { type: "button", class: "show" }, "Show on timeline");
      show.addEventListener("click", () => {
        timeline.setSelection([item.id], { focus: true });
        document.getElementById("timeline").scrollIntoView({ block: "center" });
      });
      li.append(" ", show);
    }
    const quote = element("div", { class: "quote", id: quoteId });
    quote.append(item.quote ? element("blockquote", {}, `“${item.quote}”`) : "No quote recorded.");
    if (item.source) quote.append(element("span", { class: "source" }, `Source ${item.source.id.split("_")[0]}: ${item.source.title}`));
    li.append(quote);
    return li;
  }
  const sortKey = (item) => item.start || item.end || "9999";

  // The window that shows `items` (a little wider, with room for the labels on the right), or null.
  function windowOf(items) {
    const spans = items.filter((i) => i.shape !== "undated");
    if (!spans.length) return null;
    const starts = spans.map((i) => i.start || shift(i.end, -OPEN_DAYS)).sort();
    const ends = spans.map((i) => i.end || shift(i.start, OPEN_DAYS)).sort();
    return { start: shift(starts[0], -45), end: shift(ends[ends.length - 1], 150) };
  }

  // ---------------------------------------------------------------- putting it together
  async function main() {
    let data;
    try {
      const response = await fetch(`${root}/timeline.json`, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`${response.status} ${(await response.text()).slice(0, 200)}`);
      data = await response.json();
    } catch (error) {
      status.textContent = `The timeline's data could not be loaded: ${error.message}`;
      return;
    }
    for (const facet of FACETS) {
      const select = form.elements[facet];
      for (const value of data.facets[facet]) select.append(element("option", { value: value.iri }, value.label));
    }
    readUrl();

    const byId = new Map(data.items.map((i) => [i.id, i]));
    const drawn = data.items.filter((i) => i.shape !== "undated");
    const items = new vis.DataSet([...drawn.map((i) => visItem(i, byId)), ...data.laws.filter((l) => l.start).flatMap(lawItems)]);
    const groups = new vis.DataSet([
      { id: "meetings", content: "Meetings", order: 1 },
      { id: "incidents", content: "Incidents (reported cases)", order: 2 },
      { id: "acts", content: "… their acts", order: 3, className: "nested" },
      { id: "laws", content: "Laws", order: 4 },
    ]);
    const lawById = new Map(data.laws.map((l) => [l.id, l]));
    let values = selected();
    const visible = new Set();
    const view = new vis.DataView(items, {
      filter: (it) => it.type === "background" || it.group === "laws" ? lawVisible(it) : visible.has(it.id),
    });
    function lawVisible(it) {
      const law = lawById.get(it.id.replace(/#line$/, ""));
      return !law || !law.start || inRange({ start: law.start, shape: "day" }, values.from, values.to);
    }
    const container = document.getElementById("timeline");
    // vis keeps the timeline invisible (and its links unfocusable) until its first draw is complete: the page
    // says it is ready only then
    let initialDraw;
    const drawnOnce = new Promise((resolve) => (initialDraw = resolve));
    const timeline = new vis.Timeline(container, view, groups, {
      onInitialDrawComplete: () => initialDraw(),
      // the first view: where the incidents are (most items); "Show all" fits everything
      ...(windowOf(data.items.filter((i) => i.kind !== "meeting")) || {}),
      locale: "en",
      stack: true,
      zoomMin: 7 * DAY,
      orientation: { axis: "both" },
      tooltip: { followMouse: false },
      margin: { item: { horizontal: 4, vertical: 6 } },
    });
    timeline.on("itemover", ({ item, event }) => {
      const found = byId.get(item) || lawById.get(item);
      if (found && tooltipOwner !== "focus") showTooltip(found, event.clientX, event.clientY, "hover");
    });
    timeline.on("itemout", hideOwn("hover"));
    // A click on an item follows its link (vis selects the item on a tap, which would swallow it).
    timeline.on("click", ({ item, what, event }) => {
      if (what !== "item" || !item) return;
      const target = byId.get(item) || lawById.get(item);
      if (target && !(event.srcEvent && event.srcEvent.target.closest && event.srcEvent.target.closest("a"))) location.assign(target.href);
    });
    window.mediakgTimeline = timeline; // for tests and the console

    const list = document.getElementById("event-list");
    const undated = document.getElementById("undated-list");
    const lawList = document.getElementById("law-list");
    const acts = new Map();
    for (const item of data.items) if (item.kind === "act" && item.case) (acts.get(item.case) || acts.set(item.case, []).get(item.case)).push(item);

    function apply(fit) {
      values = selected();
      visible.clear();
      for (const item of data.items) if (passes(item, values)) visible.add(item.id);
      view.refresh();
      listCount = 0;
      const top = data.items.filter((i) => i.kind !== "act" && (visible.has(i.id) || (acts.get(i.id) || []).some((a) => visible.has(a.id))));
      const render = (item) => {
        const li = entry(item, item.shape === "undated" ? null : timeline);
        const inner = (acts.get(item.id) || []).filter((a) => visible.has(a.id)).sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
        if (inner.length) li.append(element("ol", { class: "acts", "aria-label": `Acts of this case` }, ...inner.map((a) => entry(a, a.shape === "undated" ? null : timeline))));
        return li;
      };
      list.replaceChildren(...top.filter((i) => i.shape !== "undated").sort((a, b) => sortKey(a).localeCompare(sortKey(b))).map(render));
      const noDate = top.filter((i) => i.shape === "undated");
      undated.replaceChildren(...(noDate.length ? noDate.map(render) : [element("li", { class: "none" }, "None.")]));
      lawList.replaceChildren(...data.laws.filter((l) => !l.start || lawVisible({ id: l.id })).map((l) => entry({ ...l, kind: null, shape: l.start ? "day" : "undated" }, l.start ? timeline : null)));
      const shown = data.items.filter((i) => visible.has(i.id));
      const counts = ["meeting", "incident", "act"].map((k) => shown.filter((i) => i.kind === k).length);
      status.textContent = `Showing ${counts[0]} meetings, ${counts[1]} reported cases and ${counts[2]} acts of ${data.items.length} events.`;
      writeUrl(values);
      if (fit) {
        const around = windowOf(shown);
        if (around) timeline.setWindow(around.start, around.end, { animation: false });
        else timeline.fit({ animation: false });
      }
    }
    form.addEventListener("change", () => apply(true));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      apply(true);
    });
    form.addEventListener("reset", () => setTimeout(() => apply(true), 0));
    for (const button of document.querySelectorAll(".timeline-tools button")) {
      button.addEventListener("click", () => {
        const zoom = button.dataset.zoom;
        if (zoom === "in") timeline.zoomIn(0.5);
        else if (zoom === "out") timeline.zoomOut(0.5);
        else if (zoom === "fit") timeline.fit();
        else {
          const { start, end } = timeline.getWindow();
          const step = (end - start) * Number(button.dataset.move);
          timeline.setWindow(start.valueOf() + step, end.valueOf() + step);
        }
      });
    }
    apply(new URL(location.href).searchParams.toString() !== ""); // filters from the URL: show what they leave
    await drawnOnce;
    page.dataset.ready = "true";
  }
  main();
})();
