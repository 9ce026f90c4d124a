// The charts page: each chart asks its named question's JSON (/api/<name>, Accept: application/json) and
// draws it with the vendored Observable Plot. Bars are links (Tab, Enter); each chart has its numbers as a
// table. Charts are drawn again when the page width or the counting level changes.
(() => {
  "use strict";
  const page = document.getElementById("charts-page");
  const root = page.dataset.root || "";
  const status = document.getElementById("chart-status");
  const BLUE = "#0b57d0";
  const ID = "https://w3id.org/mediakg/id/";
  const link = (iri) => (iri && iri.startsWith(ID) ? `${root}/id/${iri.slice(ID.length)}` : null);
  const cell = (row, column) => row[column] || null;
  const text = (row, column) => {
    const c = cell(row, column);
    return c ? c.label || c.value : "";
  };
  const number = (row, column) => (cell(row, column) ? Number(cell(row, column).value) : 0);

  async function ask(name, params = {}) {
    const url = new URL(`${root}/api/${name}`, location.href);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${name}: ${response.status}`);
    return response.json();
  }

  function table(columns, rows) {
    const t = document.createElement("table");
    t.className = "answer-table";
    const head = t.createTHead().insertRow();
    for (const c of columns) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c.label;
      head.append(th);
    }
    const body = t.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      for (const c of columns) {
        const td = tr.insertCell();
        td.textContent = c.get(r);
        if (c.numeric) td.className = "num";
      }
    }
    return t;
  }

  const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

  function horizontalBars(data, { label, x = "n", fill, title, href, xLabel, width }) {
    const names = [...new Set(data.map((d) => d[label]))];
    const room = Math.min(240, width * 0.42); // the names' margin; longer names are cut (full in the title)
    return Plot.plot({
      width,
      height: 40 + 26 * names.length,
      marginLeft: room,
      x: { label: xLabel, grid: true, tickFormat: "~s" },
      y: { label: null, domain: names, tickFormat: (d) => clip(d, Math.floor(room / 6.5)) },
      color: fill ? { legend: true } : undefined,
      marks: [
        Plot.barX(data, { y: label, x, fill: fill || BLUE, href, title, target: "_self" }),
        Plot.ruleX([0]),
      ],
    });
  }

  const CHARTS = {
    async "by-type"(level, width) {
      const doc = await ask("incidents-by-type", { level });
      const data = doc.rows.map((r) => ({ name: text(r, "type"), n: number(r, "incidents"), href: link(r.type?.value) }));
      return {
        plot: horizontalBars(data, { label: "name", xLabel: "Incidents", width, href: "href", title: (d) => `${d.name}: ${d.n}` }),
        columns: [{ label: "type", get: (d) => d.name }, { label: "incidents", get: (d) => d.n, numeric: true }],
        data,
      };
    },
    async "by-year"(level, width) {
      const doc = await ask("incidents-by-year", { level });
      const data = doc.rows.flatMap((r) => [
        { year: text(r, "year"), how: "year stated", n: number(r, "withStatedYear") },
        { year: text(r, "year"), how: "year only bounded", n: number(r, "withBoundedYear") },
      ]);
      return {
        plot: Plot.plot({
          width,
          height: 280,
          x: { type: "band", label: "Year" },
          y: { label: "Incidents", grid: true, tickFormat: "d" },
          color: { legend: true, domain: ["year stated", "year only bounded"], range: [BLUE, "#9bb7ec"] },
          marks: [
            Plot.barY(data, { x: "year", y: "n", fill: "how", title: (d) => `${d.year}, ${d.how}: ${d.n}` }),
            Plot.ruleY([0]),
          ],
        }),
        columns: [
          { label: "year", get: (d) => d.year },
          { label: "how the year is known", get: (d) => d.how },
          { label: "incidents", get: (d) => d.n, numeric: true },
        ],
        data,
      };
    },
    async "by-place"(level, width) {
      const doc = await ask("incidents-by-place", { level });
      const data = doc.rows.map((r) => ({ name: r.place ? text(r, "place") : "place not stated", n: number(r, "incidents"), here: number(r, "atPlaceItself"), href: link(r.place?.value) }));
      return {
        plot: horizontalBars(data, { label: "name", xLabel: "Incidents (in the place or within it)", width, href: "href", title: (d) => `${d.name}: ${d.n} (${d.here} at the place itself)` }),
        columns: [
          { label: "place", get: (d) => d.name },
          { label: "incidents", get: (d) => d.n, numeric: true },
          { label: "at the place itself", get: (d) => d.here, numeric: true },
        ],
        data,
      };
    },
    async "by-perpetrator"(level, width) {
      const doc = await ask("incidents-by-perpetrator-type", { level });
      const data = doc.rows.map((r) => ({
        name: r.perpetratorType ? text(r, "perpetratorType") : "not stated",
        broader: r.broaderType ? text(r, "broaderType") : "",
        n: number(r, "incidents"),
        href: link(r.perpetratorType?.value),
      }));
      return {
        plot: horizontalBars(data, { label: "name", xLabel: "Incidents", width, href: "href", title: (d) => `${d.name}${d.broader ? ` (a ${d.broader})` : ""}: ${d.n}` }),
        columns: [
          { label: "perpetrator type", get: (d) => d.name },
          { label: "broader type", get: (d) => d.broader },
          { label: "incidents", get: (d) => d.n, numeric: true },
        ],
        data,
      };
    },
    async statistics(_level, width) {
      const doc = await ask("monitoring-statistics");
      const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December"];
      const month = (ym) => (/^\d{4}-\d{2}$/.test(ym) ? `${MONTHS[Number(ym.slice(5)) - 1]} ${ym.slice(0, 4)}` : ym);
      const period = (r) => {
        const [a, b] = [text(r, "periodStart"), text(r, "periodEnd")];
        if (a === b) return month(a);
        return a.slice(0, 4) === b.slice(0, 4) ? `${month(a).split(" ")[0]} to ${month(b)}` : `${month(a)} to ${month(b)}`;
      };
      const data = doc.rows.map((r) => ({
        name: text(r, "indicator"),
        period: period(r),
        n: number(r, "value"),
        unit: text(r, "unit"),
        href: link(r.observation?.value),
      }));
      const counts = data.filter((d) => d.unit === "count");
      const money = data.filter((d) => d.unit !== "count");
      // Grouped, never stacked: the periods overlap (August lies within January to August).
      const grouped = (rows, unit) =>
        Plot.plot({
          width,
          marginLeft: Math.min(240, width * 0.42),
          height: 30 + rows.length * 22 + 14 * new Set(rows.map((d) => d.name)).size,
          x: { label: unit, grid: true, tickFormat: "~s" },
          y: { axis: null },
          fy: { label: null, tickFormat: (d) => clip(d, Math.floor(Math.min(240, width * 0.42) / 6.5)) },
          color: { legend: true, domain: [...new Set(data.map((d) => d.period))] },
          marks: [
            Plot.barX(rows, { fy: "name", y: "period", x: "n", fill: "period", href: "href", target: "_self",
              title: (d) => `${d.name}, ${d.period}: ${d.n.toLocaleString("en")} ${d.unit}` }),
            Plot.ruleX([0]),
          ],
        });
      const figure = document.createElement("div");
      figure.append(grouped(counts, "Count"));
      if (money.length) {
        const caption = document.createElement("p");
        caption.className = "hint";
        caption.textContent = "Amounts of money, on their own scale:";
        figure.append(caption, grouped(money, money[0].unit));
      }
      return {
        plot: figure,
        columns: [
          { label: "indicator", get: (d) => d.name },
          { label: "period", get: (d) => d.period },
          { label: "value", get: (d) => d.n.toLocaleString("en"), numeric: true },
          { label: "unit", get: (d) => d.unit },
        ],
        data,
      };
    },
  };

  const level = () => new FormData(document.getElementById("level")).get("level");
  let drawnWidth = 0;
  async function drawAll() {
    const sections = [...document.querySelectorAll("section.chart")];
    const width = Math.max(300, Math.min(900, sections[0].clientWidth));
    drawnWidth = width;
    status.textContent = "Drawing the charts…";
    const results = await Promise.allSettled(
      sections.map(async (section) => {
        const chart = await CHARTS[section.id](level(), width);
        section.querySelector("figure").replaceChildren(chart.plot);
        section.querySelector(".table-wrap").replaceChildren(table(chart.columns, chart.data));
      }),
    );
    const failed = results.filter((r) => r.status === "rejected");
    status.textContent = failed.length
      ? `${failed.length} chart(s) could not be drawn: ${failed.map((f) => f.reason.message).join("; ")}`
      : `${sections.length} charts, counting ${level() === "mkg:Act" ? "acts" : "reported cases"}.`;
    page.dataset.ready = "true";
  }
  document.getElementById("level").addEventListener("change", drawAll);
  let timer = null;
  new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const width = document.querySelector("section.chart").clientWidth;
      if (Math.abs(Math.min(900, width) - drawnWidth) > 40) drawAll();
    }, 200);
  }).observe(page);
  drawAll();
})();
