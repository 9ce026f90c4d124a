// The home page's chart: reported cases per incident type and year, drawn with the vendored Observable Plot
// from the JSON in <script id="chart-data"> (rows of {year, type, n, href}). One horizontal bar per type,
// split by year; each part is a link to the listing of the cases it counts (Tab reaches it, Enter follows).
// Drawn again when the figure's width changes.
"use strict";

(function () {
  const figure = document.getElementById("chart");
  const source = document.getElementById("chart-data");
  if (!figure || !source || typeof Plot === "undefined") return;
  const data = JSON.parse(source.textContent);
  if (!data.rows.length) {
    figure.textContent = "No reported case has a year.";
    figure.dataset.state = "empty";
    return;
  }

  function draw() {
    const width = Math.max(280, figure.clientWidth);
    const narrow = width < 560;
    const chart = Plot.plot({
      width,
      height: 48 + data.types.length * (narrow ? 38 : 28),
      marginLeft: narrow ? 8 : 210,
      marginTop: narrow ? 8 : 24,
      ariaLabel: "Reported cases per incident type and year",
      x: { label: "Reported cases", tickFormat: (d) => (Number.isInteger(d) ? d : ""), grid: true, axis: "bottom" },
      y: { domain: data.types, label: null, axis: narrow ? null : "left", tickSize: 0 },
      color: { type: "ordinal", legend: true, label: "Year", scheme: "tableau10" },
      marks: [
        Plot.barX(data.rows, {
          y: "type",
          x: "n",
          fill: "year",
          href: "href",
          title: (d) => `${d.type}, ${d.year}: ${d.n} case${d.n === 1 ? "" : "s"}`,
          ariaLabel: (d) => `${d.type}, ${d.year}: ${d.n}`,
          insetTop: narrow ? 16 : 2,
          insetBottom: 2,
        }),
        // On a narrow screen the type names go above their bars instead of in a left margin.
        narrow
          ? Plot.text(data.types, { y: (d) => d, x: 0, text: (d) => d, textAnchor: "start", dy: -10 })
          : null,
        Plot.ruleX([0]),
      ],
    });
    figure.replaceChildren(chart);
    figure.dataset.state = "drawn";
  }

  draw();
  let lastWidth = figure.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(figure.clientWidth - lastWidth) > 8) {
      lastWidth = figure.clientWidth;
      draw();
    }
  }).observe(figure);
})();
