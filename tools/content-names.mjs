#!/usr/bin/env node
// Gives the main wasm of a split release build the name of its own bytes, so that it can be
// cached for good (`immutable`) like the other hashed files.
//
// cargo-leptos 0.3.10 names each file by its md5 first, and only then writes the split
// loader's hashed name into the main wasm (an import) and the main js: their bytes change
// after they were named. For the wasm that is mended here: nothing names it but `hash.txt`
// beside the server binary (read by the server to write the page's preload links), so it is
// renamed, with its precompressed `.br` and `.gz`, and `hash.txt` is updated. The main js
// cannot be mended the same way: it and the loader name each other, so one of them must
// keep a name that is not its content's (the server revalidates it instead).
//
//   node tools/content-names.mjs <pkg dir> <hash.txt>
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [pkgDir, hashFile] = process.argv.slice(2);
if (!pkgDir || !hashFile) {
  console.error("usage: content-names.mjs <pkg dir> <hash.txt>");
  process.exit(2);
}

const lines = readFileSync(hashFile, "utf8").split("\n");
const at = lines.findIndex((line) => line.startsWith("wasm:"));
if (at < 0) {
  console.error(`no wasm line in ${hashFile}: was the site built with hash-files?`);
  process.exit(1);
}
const named = lines[at].slice("wasm:".length).trim();
// The main wasm is the one hash.txt names (the pieces are named only by the split loader).
const main = readdirSync(pkgDir).find((f) => f.endsWith(`.${named}.wasm`));
if (!main) {
  console.error(`no wasm named ${named} in ${pkgDir}: hash.txt and the site are from different builds`);
  process.exit(1);
}

const actual = createHash("md5").update(readFileSync(join(pkgDir, main))).digest("base64url");
const renamed = main.replace(`.${named}.wasm`, `.${actual}.wasm`);
if (actual === named) {
  console.log(`${main} is already named by its bytes`);
  process.exit(0);
}
for (const suffix of ["", ".br", ".gz"]) {
  const from = join(pkgDir, `${main}${suffix}`);
  if (existsSync(from)) renameSync(from, join(pkgDir, `${renamed}${suffix}`));
}
lines[at] = `wasm: ${actual}`;
writeFileSync(hashFile, lines.join("\n"));
console.log(`${main} is now ${renamed}, the name of its bytes`);
