#!/usr/bin/env node
// Time to interactive of /login on the release build, from a cold cache, in Debian's
// Chromium throttled like a mid-range phone on a fair connection: 20 Mbps, 40 ms RTT, CPU
// 4x slower. "Interactive" is the moment the client has hydrated (the app marks
// `<html data-hydrated>`; the Sign in form works as a plain post before that too, and its
// button is enabled from the first paint). A measurement, not a test: it prints the figures
// and exits 0.
//
//   node end2end/scripts/time-to-interactive.mjs   (after `make build`; `make tti` does both)
import { chromium } from "@playwright/test";
import { chromiumOptions, startReleaseServer } from "./release-server.mjs";

const RUNS = Number(process.env.TTI_RUNS ?? 5);
const PORT = Number(process.env.TTI_PORT ?? 3197);
const server = await startReleaseServer(PORT);

try {
  const browser = await chromium.launch(chromiumOptions);
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    results.push(await measureOnce(browser));
  }
  await browser.close();
  const median = (key) => results.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
  console.log("run  first paint  interactive  transferred");
  results.forEach((r, i) =>
    console.log(`${String(i + 1).padStart(3)}  ${ms(r.firstPaint)}  ${ms(r.interactive)}  ${(r.bytes / 1000).toFixed(0).padStart(7)} kB`));
  console.log(`median: first paint ${median("firstPaint").toFixed(0)} ms, interactive ${median("interactive").toFixed(0)} ms ` +
    `(20 Mbps, 40 ms RTT, 4x CPU slowdown, cold cache, /login, release build)`);
} finally {
  server.stop();
}

async function measureOnce(browser) {
  // A new context is a new, empty cache.
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 40,
    downloadThroughput: (20 * 1000 * 1000) / 8,
    uploadThroughput: (20 * 1000 * 1000) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));

  await page.goto(`http://127.0.0.1:${PORT}/login`, { waitUntil: "commit" });
  // performance.now() counts from the start of this navigation.
  const interactive = await page.waitForFunction(
    () => (document.documentElement.hasAttribute("data-hydrated") ? performance.now() : null),
    null, { polling: 10, timeout: 30_000 }).then((h) => h.jsonValue());
  const buttonEnabled = await page.evaluate(() =>
    [...document.querySelectorAll("button")].some((b) => b.textContent.trim() === "Sign in" && !b.disabled));
  if (!buttonEnabled) throw new Error("the Sign in button is not enabled after hydration");
  const firstPaint = await page.evaluate(
    () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN);
  await context.close();
  return { interactive, firstPaint, bytes };
}

function ms(n) {
  return `${n.toFixed(0).padStart(8)} ms`;
}
