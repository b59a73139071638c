#!/usr/bin/env node
// The size of what a browser downloads before the client starts: the wasm and the js of the
// release bundle, raw, gzip -9 and brotli (quality 11, as `--precompress` writes them).
//
//   node tools/bundle-size.mjs <pkg dir>                 prints the sizes
//   node tools/bundle-size.mjs <pkg dir> --check <json>  also fails when the brotli total is
//                                                        more than 5 % over the recorded size,
//                                                        and says how far it is from the goal
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
if (!files.some((f) => f.endsWith(".wasm")) || !files.some((f) => f.endsWith(".js"))) {
  console.error(`no wasm and js bundle in ${pkgDir}: build the release site first (make build)`);
  process.exit(1);
}

const total = { raw: 0, gzip: 0, brotli: 0 };
for (const file of files) {
  const bytes = readFileSync(join(pkgDir, file));
  const size = {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
  for (const k of Object.keys(total)) total[k] += size[k];
  console.log(`${file.padEnd(40)} ${kB(size.raw)} raw  ${kB(size.gzip)} gzip  ${kB(size.brotli)} brotli`);
}
console.log(`${"wasm + js".padEnd(40)} ${kB(total.raw)} raw  ${kB(total.gzip)} gzip  ${kB(total.brotli)} brotli`);

if (flag === "--check") {
  const budget = JSON.parse(readFileSync(budgetFile, "utf8"));
  const allowed = Math.floor(budget.recordedBrotliBytes * 1.05);
  if (total.brotli > allowed) {
    console.error(
      `bundle grew: ${total.brotli} bytes brotli > ${allowed} allowed (recorded ${budget.recordedBrotliBytes} + 5 %). ` +
        `Find what grew (twiggy top on the wasm), or, if the growth is worth it, record the new size in ${budgetFile}.`,
    );
    process.exit(1);
  }
  console.log(`no more than 5 % over the recorded size: ${total.brotli} <= ${allowed} bytes brotli`);
  if (total.brotli > budget.goalBrotliBytes) {
    // The design's budget, not yet met: said on every run so that it is not forgotten.
    console.log(`still over the goal of ${budget.goalBrotliBytes} bytes brotli by ${total.brotli - budget.goalBrotliBytes}`);
  }
}

function kB(n) {
  return `${(n / 1000).toFixed(1).padStart(7)} kB`;
}
