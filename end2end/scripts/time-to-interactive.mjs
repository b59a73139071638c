#!/usr/bin/env node
// Time to interactive of /login on the release build, from a cold cache, in Debian's
// Chromium throttled like a mid-range phone on a fair connection: 20 Mbps, 40 ms RTT, CPU
// 4x slower. "Interactive" is the moment the client has hydrated (the app marks
// `<html data-hydrated>`; the Sign in form works as a plain post before that too, and its
// button is enabled from the first paint). A measurement, not a test: it prints the figures
// and exits 0.
//
//   node end2end/scripts/time-to-interactive.mjs   (after `make build`; `make tti` does both)
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "@playwright/test";

const RUNS = Number(process.env.TTI_RUNS ?? 5);
const PORT = Number(process.env.TTI_PORT ?? 3197);
const root = resolve(import.meta.dirname, "../..");
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const serverBin = join(targetDir, "release", "server");
if (!existsSync(serverBin)) {
  console.error(`no release server at ${serverBin}: run \`make build\` first`);
  process.exit(1);
}

const dataDir = mkdtempSync(join(tmpdir(), "signout-tti-"));
const server = spawn(serverBin, [], {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
  env: {
    ...process.env,
    LEPTOS_SITE_ROOT: join(root, "target/site"),
    LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
    LEPTOS_ENV: "PROD",
    JWT_SECRET: "tti-secret-tti-secret-tti-secret-0123",
    DATABASE_URL: `sqlite://${dataDir}/tti.db?mode=rwc`,
    RUST_LOG: "warn",
  },
});

try {
  await waitForPort(PORT, 20_000);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
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
  server.kill("SIGTERM");
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

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePort, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.end();
        resolvePort();
      });
      socket.on("error", () => {
        if (Date.now() > deadline) reject(new Error(`the server did not listen on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}
