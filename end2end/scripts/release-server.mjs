// The release server (`make build`) started on its own, as the README says, on a
// throw-away SQLite database: for the browser suite on the release build
// (`release-suite.mjs`) and for the measurement and picture scripts.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");

/**
 * Starts the server on 127.0.0.1:`port` (0: a free one) and resolves once it listens;
 * `stop()` ends it and removes its database; `serverBin`, `env` and `database` let a test
 * run the binary's subcommands against the same database. `logs: true` shows its log (warnings and
 * errors) beside the caller's output. Refuses a port that something else already holds, so
 * that nobody tests another server by mistake.
 */
export async function startReleaseServer(port, extraEnv = {}, { logs = false } = {}) {
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const serverBin = join(targetDir, "release", "server");
  if (!existsSync(serverBin)) {
    throw new Error(`no release server at ${serverBin}: run \`make build\` first`);
  }
  port = port === 0 ? await freePort() : port;
  if (await listening(port)) {
    throw new Error(`127.0.0.1:${port} is already taken: stop what listens there, or choose another port`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "signout-script-"));
  // What the server reads, and what its subcommands (`server admin grant`) must read too.
  const env = {
    LEPTOS_SITE_ROOT: join(root, "target/site"),
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_ENV: "PROD",
    JWT_SECRET: "script-secret-script-secret-script-0123",
    DATABASE_URL: `sqlite://${dataDir}/script.db?mode=rwc`,
    RUST_LOG: "warn",
    ...extraEnv,
  };
  const server = spawn(serverBin, [], {
    cwd: root,
    stdio: ["ignore", logs ? "inherit" : "ignore", "inherit"],
    env: { ...process.env, ...env },
  });
  const exited = new Promise((_, reject) =>
    server.once("exit", (code, signal) => reject(new Error(`the server stopped before it listened (${signal ?? code})`))),
  );
  const stop = () => {
    server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForPort(port, 20_000), exited]);
  } catch (e) {
    stop();
    throw e;
  }
  exited.catch(() => {});
  return { url: `http://127.0.0.1:${port}`, stop, serverBin, env, database: join(dataDir, "script.db") };
}

/** A port of 127.0.0.1 that nothing listens on right now. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** Whether something already accepts connections on 127.0.0.1:`port`. */
function listening(port) {
  return new Promise((answer) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      answer(true);
    });
    socket.on("error", () => answer(false));
  });
}

/** Debian's Chromium with the flags every browser run here uses. */
export const chromiumOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
};

/** Resolves once something accepts connections on `port`, checking every 100 ms. */
async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await listening(port))) {
    if (Date.now() > deadline) throw new Error(`the server did not listen on ${port}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}
