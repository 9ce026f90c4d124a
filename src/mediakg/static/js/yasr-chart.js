// A YASR results plugin that draws a SELECT answer with a number column as a bar chart (Observable Plot,
// vendored): zazuko's YASR has no chart plugin, and Triply's loads Google Charts from Google's servers.
// Registered by editor.js as "chart"; the table stays the default view.
(() => {
  "use strict";
  const NUMERIC = /#(integer|decimal|double|float|int|long|short|byte|nonNegativeInteger|positiveInteger|unsignedInt)$/;

  const isNumber = (b) => b && b.type !== "uri" && b.type !== "bnode" && NUMERIC.test(b.datatype || "");

  /** The first column whose bound values are all numbers, and the first other column to label the bars. */
  function columns(vars, rows) {
    const bound = (v) => rows.some((r) => r[v]);
    const value = vars.find((v) => bound(v) && rows.every((r) => !r[v] || isNumber(r[v])));
    if (!value) return null;
    const labelled = vars.filter((v) => v !== value && bound(v) && !v.endsWith("Label"));
    const category = labelled.find((v) => !rows.every((r) => !r[v] || isNumber(r[v])));
    return category ? { value, category } : null;
  }

  class ChartPlugin {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Chart";
      this.priority = 5; // below the table (10): the table stays the default view
    }

    data() {
      const results = this.yasr.results;
      if (!results || !results.getVariables || !results.getBindings) return null;
      const rows = results.getBindings() || [];
      const picked = rows.length ? columns(results.getVariables(), rows) : null;
      return picked ? { rows, ...picked } : null;
    }

    canHandleResults() {
      return this.data() !== null;
    }

    getIcon() {
      const icon = document.createElement("span");
      icon.className = "chart-icon";
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = "▮▮";
      return icon;
    }

    draw() {
      const found = this.data();
      if (!found) return;
      const { rows, value, category } = found;
      const prefixes = this.yasr.config.prefixes || {};
      const shorten = (iri) => {
        for (const [p, ns] of Object.entries(prefixes)) if (iri.startsWith(ns)) return `${p}:${iri.slice(ns.length)}`;
        return iri;
      };
      const name = (r) => {
        const label = r[`${category}Label`];
        if (label) return label.value;
        const cell = r[category];
        if (!cell) return "(none)";
        return cell.type === "uri" ? shorten(cell.value) : cell.value;
      };
      const data = rows.map((r) => ({ name: name(r), n: r[value] ? Number(r[value].value) : 0 }));
      const figure = document.createElement("figure");
      figure.className = "yasr-chart";
      const caption = document.createElement("figcaption");
      caption.textContent = `${value} by ${category} (first number column, ${rows.length} rows)`;
      const width = Math.max(320, this.yasr.resultsEl.clientWidth || 640);
      figure.append(
        caption,
        Plot.plot({
          width,
          marginLeft: Math.min(260, width / 2.5),
          height: 40 + 22 * data.length,
          ariaLabel: caption.textContent,
          x: { label: value, grid: true },
          y: { label: null, domain: data.map((d) => d.name) },
          marks: [
            Plot.barX(data, { y: "name", x: "n", fill: "#0b57d0", title: (d) => `${d.name}: ${d.n}` }),
            Plot.ruleX([0]),
          ],
        }),
      );
      this.yasr.resultsEl.appendChild(figure);
    }
  }

  window.MediakgChart = ChartPlugin;
})();
