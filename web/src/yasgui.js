// YASGUI (editor YASQE + results YASR) as the global `Yasgui`, with nothing that reaches another host:
// - the default endpoint and the endpoint list are the app's own /sparql (upstream: DBpedia, Wikidata);
// - prefixes come from the list bundled in YASQE, never from prefix.cc (`prefixCcApi` stays null);
// - class and property completion ask the configured endpoint (the app) instead of
//   lov.linkeddata.es, the Linked Open Vocabularies service upstream uses.
// `Yasgui.Yasqe` and `Yasgui.Yasr` are the editor and results classes (plugins, defaults).
import Yasgui from "@zazuko/yasgui";

const { Yasqe, Yasr } = Yasgui;
const appEndpoint = new URL("/sparql", window.location.href).href;

Yasqe.defaults.prefixCcApi = null;
Yasqe.defaults.requestConfig.endpoint = appEndpoint;
Yasgui.defaults.requestConfig = { ...Yasgui.defaults.requestConfig, endpoint: appEndpoint };
Yasgui.defaults.endpointCatalogueOptions.getData = () => [{ endpoint: appEndpoint }];

/** The endpoint an editor sends its queries to (a string, or a function of the editor). */
function endpointOf(yasqe) {
  const endpoint = yasqe.config.requestConfig.endpoint;
  return typeof endpoint === "function" ? endpoint(yasqe) : endpoint || appEndpoint;
}

/** IRIs that start with what was typed, from a SELECT of one variable against the editor's endpoint. */
async function iris(yasqe, token, pattern) {
  const typed = (token && token.autocompletionString) || "";
  if (!typed.trim()) {
    yasqe.showNotification("autocomplete", "Type the start of a name first");
    return [];
  }
  const query =
    `SELECT DISTINCT ?iri WHERE { ${pattern} FILTER(isIRI(?iri) && STRSTARTS(STR(?iri), ` +
    `${JSON.stringify(typed)})) } ORDER BY ?iri LIMIT 100`;
  const url = new URL(endpointOf(yasqe), window.location.href);
  url.searchParams.set("query", query);
  try {
    const response = await fetch(url, { headers: { Accept: "application/sparql-results+json" } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const answer = await response.json();
    return answer.results.bindings.map((row) => row.iri.value);
  } catch (error) {
    yasqe.showNotification("autocomplete", `No suggestions: ${error.message}`);
    return [];
  }
}

for (const [name, pattern] of [
  ["class", "[] a ?iri ."],
  ["property", "[] ?iri [] ."],
]) {
  Yasqe.registerAutocompleter({
    ...Yasqe.Autocompleters[name],
    bulk: false,
    get: (yasqe, token) => iris(yasqe, token, pattern),
  });
}

/**
 * Make the results table link IRIs that start with `from` (e.g. the graph's base IRI
 * "https://w3id.org/mediakg/") to the same path under `to` (e.g. this app, "/"), in the same tab.
 */
Yasgui.linkIrisTo = function linkIrisTo(from, to) {
  const table = Yasr.plugins.table;
  const original = table.prototype.getUriLinkFromBinding;
  table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    const html = original.call(this, binding, prefixes);
    if (!binding.value.startsWith(from)) return html;
    const template = document.createElement("template");
    template.innerHTML = html;
    const link = template.content.querySelector("a");
    const href = link && link.getAttribute("href");
    if (href && href.startsWith(from)) {
      link.setAttribute("href", to + href.slice(from.length));
      link.removeAttribute("target"); // YASR's sanitizer sets _blank on every link, whatever its config says
    }
    return template.innerHTML;
  };
};

/**
 * Offer `prefixes` ({prefix: namespace IRI}, e.g. the project's) when the user types a prefix, instead
 * of YASQE's bundled list (a copy of prefix.cc, in which anyone can register a name). Not kept in the
 * browser's storage, so a changed list shows at once.
 */
Yasgui.usePrefixes = function usePrefixes(prefixes) {
  const lines = Object.entries(prefixes).map(([prefix, iri]) => `${prefix}: <${iri}>`);
  Yasqe.registerAutocompleter({ ...Yasqe.Autocompleters.prefixes, persistenceId: null, get: () => lines.sort() });
};

window.Yasgui = Yasgui;
