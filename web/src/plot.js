// Observable Plot (with the parts of d3 it uses) as the global `Plot`.
import * as Plot from "@observablehq/plot";

window.Plot = Plot;
