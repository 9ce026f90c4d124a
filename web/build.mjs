// Builds the browser assets mediakg serves into ../src/mediakg/static/vendor/ (see README.md):
//   npm ci && npm run build
// Bundles (esbuild, from src/*.js) and copies of files that packages ship already built, without their
// source-map comments; then LICENSES.txt (every package whose code is in a vendored file, with its licence
// text) and MANIFEST.txt (each file's size and sha256). The output depends only on the locked packages.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../src/mediakg/static/vendor");
const require = createRequire(import.meta.url);

/** Our entry points, bundled into one minified script each (an IIFE that sets a global). */
const BUNDLES = [
  // @zazuko/yasgui's module is itself a bundle of its dependencies: they are all in the output
  { entry: "src/yasgui.js", out: "yasgui/yasgui.js", prebuilt: ["@zazuko/yasgui"] },
  { entry: "src/timeline.js", out: "vis-timeline/vis-timeline.js" },
  { entry: "src/plot.js", out: "plot/plot.js" },
];
/** Files used as their package ships them (already built and minified upstream). */
const COPIES = [
  { pkg: "@zazuko/yasgui", file: "build/yasgui.min.css", out: "yasgui/yasgui.css" },
  { pkg: "vis-timeline", file: "styles/vis-timeline-graph2d.min.css", out: "vis-timeline/vis-timeline.css" },
  { pkg: "swagger-ui-dist", file: "swagger-ui-bundle.js", out: "swagger-ui/swagger-ui-bundle.js" },
  { pkg: "swagger-ui-dist", file: "swagger-ui.css", out: "swagger-ui/swagger-ui.css" },
  { pkg: "swagger-ui-dist", file: "favicon-32x32.png", out: "swagger-ui/favicon-32x32.png" },
  {
    pkg: "redoc",
    file: "bundles/redoc.standalone.js",
    out: "redoc/redoc.standalone.js",
    // ReDoc's "API docs by Redocly" logo is an image on Redocly's CDN; an empty data: URL fails to load,
    // and ReDoc then hides the image (its onError), leaving the text link.
    patches: [['src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', 'src:"data:,"']],
  },
];
// A trailing `//# sourceMappingURL=x.map` or `/*# sourceMappingURL=x.map */`: the maps are not vendored.
const MAP_COMMENT = /\n?(\/\/# sourceMappingURL=\S+|\/\*# sourceMappingURL=\S+?\s*\*\/)\s*$/;
// The same comment inside a string of code (ReDoc's inlined web worker).
const INNER_MAP_COMMENT = /\\n\/\/# sourceMappingURL=[\w.-]+\.map/g;

/** The folder of the installed package that file `file` (relative to web/) belongs to, or null. */
function packageDir(file) {
  const match = file.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
  return match ? path.resolve(here, match[1]) : null;
}

/** The folder of installed package `name` as seen from `file` (Node's lookup), or null. */
function findPackage(name, file) {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
  }
  return null;
}

/** `dir` and the folders of all the packages it depends on at run time, recursively. */
function dependencyClosure(dir, seen = new Set()) {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  for (const name of Object.keys(dependencies)) {
    const found = findPackage(name, path.join(dir, "package.json"));
    if (!found) throw new Error(`${name}, a dependency of ${dir}, is not installed: run npm ci`);
    dependencyClosure(found, seen);
  }
  return seen;
}

async function bundle({ entry, out: target, prebuilt = [] }) {
  const result = await esbuild.build({
    entryPoints: [path.join(here, entry)],
    outfile: path.join(out, target),
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    charset: "utf8",
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    absWorkingDir: here,
  });
  // the inputs that put code in the output (tree shaking drops some imported modules entirely)
  const [output] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(output.inputs)
    .filter(([, info]) => info.bytesInOutput > 0)
    .map(([input]) => input);
  const dirs = inputs.map(packageDir).filter(Boolean);
  for (const name of prebuilt) dirs.push(...dependencyClosure(findPackage(name, path.join(here, entry))));
  return dirs;
}

/** `text` with each [from, to] of `patches` replaced; each `from` must occur exactly once. */
function patch(text, patches, file) {
  for (const [from, to] of patches) {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`${file}: expected ${JSON.stringify(from)} once, found it ${count} times`);
    text = text.replace(from, to);
  }
  return text;
}

function copy({ pkg, file, out: target, patches = [] }) {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  const source = path.join(dir, file);
  fs.mkdirSync(path.dirname(path.join(out, target)), { recursive: true });
  if (/\.(js|css)$/.test(file)) {
    const text = patch(fs.readFileSync(source, "utf8"), patches, file)
      .replace(MAP_COMMENT, "\n")
      .replace(INNER_MAP_COMMENT, "");
    fs.writeFileSync(path.join(out, target), text);
  } else {
    fs.copyFileSync(source, path.join(out, target));
  }
  // webpack's extract of the licence comments of what the bundle holds (Swagger UI, ReDoc)
  const extracted = path.join(dir, `${file}.LICENSE.txt`);
  return { dirs: [dir], extracted: fs.existsSync(extracted) ? extracted : null };
}

const LICENCE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

function licenceSection(dir) {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const files = fs.readdirSync(dir).filter((f) => LICENCE_FILE.test(f)).sort();
  const texts = files.map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), "utf8").trim()}\n`);
  const licence =
    typeof meta.license === "string"
      ? meta.license
      : (meta.licenses ?? []).map((l) => l.type ?? l).join(" OR ") || "no licence named in package.json";
  if (!texts.length) {
    const author = typeof meta.author === "object" ? meta.author.name : meta.author;
    const from = [author && `author ${author}`, meta.homepage].filter(Boolean).join(", ");
    texts.push(`(the package ships no licence file; its package.json names ${licence}${from ? `; ${from}` : ""})\n`);
  }
  return `=== ${meta.name} ${meta.version} (${licence})\n${texts.join("")}`;
}

function sha256(file) {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function listFiles(dir) {
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join("/"))
    .sort();
}

async function main() {
  const started = Date.now();
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const usedBy = new Map(); // package dir -> vendored files holding its code
  const extracts = [];
  const note = (dirs, file) => {
    for (const d of dirs) usedBy.set(d, new Set([...(usedBy.get(d) ?? []), file]));
  };
  for (const b of BUNDLES) note(await bundle(b), b.out);
  for (const c of COPIES) {
    const { dirs, extracted } = copy(c);
    note(dirs, c.out);
    if (extracted) extracts.push({ file: c.out, text: fs.readFileSync(extracted, "utf8").trim() });
  }
  const dirs = [...usedBy.keys()].sort((a, b) => path.basename(a).localeCompare(path.basename(b)) || a.localeCompare(b));
  const index = dirs.map((d) => {
    const { name, version } = JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8"));
    return `${name}@${version}: ${[...usedBy.get(d)].sort().join(", ")}`;
  });
  const licences = [
    "Third-party code in this folder, built by web/build.mjs from the packages pinned in web/package-lock.json.",
    "First each package and the files holding its code (for yasgui.js: all that @zazuko/yasgui depends on, as its",
    "module is itself a bundle of them), then each package's licence text as the package ships it.",
    "",
    ...[...new Set(index)].sort(),
    "",
    ...[...new Set(dirs.map(licenceSection))],
    ...extracts.map((e) => `=== licence comments of the code bundled in ${e.file} (as its package ships them)\n${e.text}\n`),
  ].join("\n");
  fs.writeFileSync(path.join(out, "LICENSES.txt"), licences);
  const manifest = listFiles(out)
    .map((f) => `${sha256(path.join(out, f))}  ${String(fs.statSync(path.join(out, f)).size).padStart(9)}  ${f}`)
    .join("\n");
  fs.writeFileSync(path.join(out, "MANIFEST.txt"), `# sha256  bytes  file (written by web/build.mjs)\n${manifest}\n`);
  console.log(`${manifest}\nbuilt ${path.relative(process.cwd(), out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(`web build failed: ${error.message}`);
  process.exit(1);
});
