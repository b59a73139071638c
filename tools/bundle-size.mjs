#!/usr/bin/env node
// What a browser downloads before the client starts, from the release bundle's wasm and js,
// raw, gzip -9 and brotli (quality 11, as `--precompress` writes them).
//
// The build is split (`cargo leptos --split`): every page loads the main wasm, its js and
// the split loader (`__wasm_split.*.js`); a page with code of its own (`/dashboard`,
// `/profile`) also loads its pieces, which `__wasm_split_manifest.*.json` lists. So there
// are three figures:
//   - first load: what every page needs, and all that `/`, `/login` and `/register` need;
//   - each page of its own: the first load plus that page's pieces;
//   - all files: everything a user who opens every page ends up with.
//
//   node tools/bundle-size.mjs <pkg dir>                 prints the sizes
//   node tools/bundle-size.mjs <pkg dir> --check <json>  also fails when the first load or all
//                                                        files grew more than 5 % over the
//                                                        sizes recorded there, when the first
//                                                        load is over the goal there, or when
//                                                        a wasm or js has no hash in its name
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const [pkgDir, flag, budgetFile] = process.argv.slice(2);
if (!pkgDir || (flag && (flag !== "--check" || !budgetFile))) {
  console.error("usage: bundle-size.mjs <pkg dir> [--check <budget.json>]");
  process.exit(2);
}

// Only the files the page loads: precompressed siblings (.br, .gz) are not counted twice.
const files = readdirSync(pkgDir).filter((f) => /\.(wasm|js)$/.test(f));
const loader = files.find((f) => f.startsWith("__wasm_split."));
const pieceFiles = new Set(files.filter((f) => f.endsWith(".wasm") && isPiece(f)));
const firstLoadFiles = files.filter((f) => !pieceFiles.has(f));
if (!firstLoadFiles.some((f) => f.endsWith(".wasm")) || !firstLoadFiles.some((f) => f.endsWith(".js"))) {
  console.error(`no wasm and js bundle in ${pkgDir}: build the release site first (make build)`);
  process.exit(1);
}

const sizes = new Map(files.map((f) => [f, measure(readFileSync(join(pkgDir, f)))]));
for (const f of files) console.log(`${f.padEnd(52)} ${show(sizes.get(f))}`);
console.log();

const firstLoad = sum(firstLoadFiles);
console.log(`${"first load (every page)".padEnd(52)} ${show(firstLoad)}`);
for (const [split, pieces] of Object.entries(splitManifest())) {
  const page = sum([...firstLoadFiles, ...pieces.map((p) => `${p}.wasm`)]);
  console.log(`${`  + ${split}`.padEnd(52)} ${show(page)}`);
}
const all = sum(files);
console.log(`${"all files".padEnd(52)} ${show(all)}`);

if (flag === "--check") {
  const budget = JSON.parse(readFileSync(budgetFile, "utf8"));
  let failed = false;
  // hash-files must stay on: the server keeps only files named by their hash for good
  // (`backend::bundle`), and without hashes every page would revalidate every file.
  const unhashed = files.filter((f) => !/\.[A-Za-z0-9_-]{22}\.(wasm|js)$/.test(f));
  if (unhashed.length > 0) {
    console.error(`files without a content hash in their name (hash-files): ${unhashed.join(", ")}`);
    failed = true;
  }
  for (const [what, measured, recorded] of [
    ["first load", firstLoad.brotli, budget.recorded.firstLoadBrotliBytes],
    ["all files", all.brotli, budget.recorded.allFilesBrotliBytes],
  ]) {
    const allowed = Math.floor(recorded * 1.05);
    if (measured > allowed) {
      console.error(
        `${what} grew: ${measured} bytes brotli > ${allowed} allowed (recorded ${recorded} + 5 %). ` +
          `Find what grew (twiggy top on the wasm), or, if the growth is worth it, record the new size in ${budgetFile}.`,
      );
      failed = true;
    } else {
      console.log(`${what}: no more than 5 % over the recorded size: ${measured} <= ${allowed} bytes brotli`);
    }
  }
  // The design's budget, met since the app's own query cache and the release wasm's
  // options: a limit from now on, whatever the 5 % allowance above would let through.
  const goal = budget.goalFirstLoadBrotliBytes;
  if (firstLoad.brotli > goal) {
    console.error(`first load over the goal of ${goal} bytes brotli by ${firstLoad.brotli - goal}`);
    failed = true;
  } else {
    console.log(`first load within the goal of ${goal} bytes brotli (${goal - firstLoad.brotli} to spare)`);
  }
  if (failed) process.exit(1);
}

// A piece of a split build: any wasm besides the main one (named after the js that loads it).
function isPiece(file) {
  const main = files.find((f) => f.endsWith(".js") && f !== loader);
  return main !== undefined && file.split(".")[0] !== main.split(".")[0];
}

// The split's name for each lazy piece, and the modules it needs; `{}` for a build that is
// not split.
function splitManifest() {
  const manifest = readdirSync(pkgDir).find((f) => /^__wasm_split_manifest.*\.json$/.test(f));
  return manifest ? JSON.parse(readFileSync(join(pkgDir, manifest), "utf8")) : {};
}

function measure(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

function sum(names) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const n of names) {
    const size = sizes.get(n);
    if (!size) {
      console.error(`the split manifest names ${n}, which is not in ${pkgDir}`);
      process.exit(1);
    }
    for (const k of Object.keys(total)) total[k] += size[k];
  }
  return total;
}

function show(size) {
  return `${kB(size.raw)} raw  ${kB(size.gzip)} gzip  ${kB(size.brotli)} brotli`;
}

function kB(n) {
  return `${(n / 1000).toFixed(1).padStart(7)} kB`;
}
