// The SPARQL editor at /sparql: the vendored YASGUI preset to this endpoint, the project's prefixes and the
// named questions as examples. Configuration comes from the page (#editor-config), written by the server.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const examples = new Map(config.examples.map((e) => [e.name, e]));

  // Result IRIs of the graph link to the app's entity pages, in the same tab.
  Yasgui.linkIrisTo(config.base, config.pages);
  // Prefix completion offers the project's prefixes, not a copy of prefix.cc.
  Yasgui.usePrefixes(config.prefixes);
  if (window.MediakgChart) Yasgui.Yasr.registerPlugin("chart", window.MediakgChart);
  // Tab and Shift+Tab leave the editor (keyboard users are not trapped in it); Enter indents by itself.
  Yasgui.Yasqe.defaults.extraKeys = { ...Yasgui.Yasqe.defaults.extraKeys, Tab: false, "Shift-Tab": false };

  const first = examples.get(config.first);
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    // absolute: YASGUI's error messages parse it with new URL(endpoint)
    requestConfig: { endpoint: config.endpoint },
    // null: every visit starts from this configuration, not from what the browser kept of an earlier one
    persistenceId: null,
    copyEndpointOnNewTab: true,
    tabName: first ? first.title : "Query",
    yasqe: { value: first ? first.query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10" },
    yasr: { prefixes: config.prefixes },
  });
  window.yasgui = yasgui; // for tests and the browser console

  // YASGUI leaves some of its controls without a name for screen readers: name them (also those it adds later,
  // in new tabs and its settings dialog).
  const NAMES = [
    [".CodeMirror textarea", "SPARQL query"],
    ["input.autocomplete", "SPARQL endpoint"],
    [".tab input[type=text], .tabPanel input[type=text]", "Tab name"],
  ];
  const host = document.getElementById("yasgui");
  const nameControls = () => {
    for (const control of host.querySelectorAll("input, select, textarea")) {
      if (control.labels?.length || control.hasAttribute("aria-label") || control.hasAttribute("aria-labelledby")) continue;
      const known = NAMES.find(([selector]) => control.matches(selector));
      const nearby = control.closest("div")?.querySelector("label, .label, span")?.textContent?.trim();
      control.setAttribute("aria-label", known ? known[1] : control.placeholder || control.title || nearby || "Editor setting");
    }
  };
  nameControls();
  new MutationObserver(nameControls).observe(host, { childList: true, subtree: true });

  const form = document.getElementById("examples");
  const select = document.getElementById("example");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const example = examples.get(select.value);
    if (!example) return;
    const tab = yasgui.getTab();
    tab.setQuery(example.query);
    tab.setName(example.title);
    tab.getYasqe().focus();
  });
})();
