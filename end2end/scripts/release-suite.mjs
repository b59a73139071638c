// The browser suite on the release build (`make test-e2e`): the server binary and site that
// `make build` left, started on their own as the README says, so the suite tests exactly
// what users run. A throw-away SQLite database, and rate limits off: the suite signs up
// many users from one IP (the API tests cover the limits). A free port of 127.0.0.1, unless
// E2E_PORT names one.
//
//   node end2end/scripts/release-suite.mjs [playwright test arguments]
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root, startReleaseServer } from "./release-server.mjs";

// A real SMTP server for the mail the suite reads (aiosmtpd from the project's Python venv,
// which `make test` installs; scripts/mail/sink.py writes each message as JSON). Without
// the venv the suite runs without it, and the tests that read mail are skipped.
const python = join(root, "target/py/bin/python");
let sink = null;
let mailDir = null;
const serverEnv = { RATE_LIMITS: "off" };
if (existsSync(python)) {
  mailDir = mkdtempSync(join(tmpdir(), "signout-e2e-mail-"));
  const port = await freePort();
  sink = spawn(python, ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "sink.JsonSink", mailDir], {
    env: { ...process.env, PYTHONPATH: join(root, "scripts/mail") },
    stdio: ["ignore", "ignore", "inherit"],
  });
  serverEnv.SMTP_URL = `smtp://127.0.0.1:${port}`;
}

const server = await startReleaseServer(Number(process.env.E2E_PORT ?? 0), serverEnv, { logs: true });
console.log(`release server on ${server.url}`);
const suite = spawn("npx", ["playwright", "test", ...process.argv.slice(2)], {
  cwd: join(root, "end2end"),
  stdio: "inherit",
  env: {
    ...process.env,
    BASE_URL: server.url,
    // For the tests that run `server admin grant` or age a session's password.
    E2E_SERVER_BIN: server.serverBin,
    E2E_SERVER_ENV: JSON.stringify(server.env),
    E2E_DATABASE: server.database,
    ...(mailDir ? { E2E_MAIL_DIR: mailDir } : {}),
  },
});
// Stopped from outside (Ctrl-C, a CI time limit): neither the suite nor the server outlives it.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    suite.kill(signal);
    server.stop();
    stopSink();
    process.exit(1);
  });
}
const status = await new Promise((done) => {
  suite.once("error", (error) => {
    console.error(`could not run Playwright: ${error.message}`);
    done(1);
  });
  suite.once("exit", (code) => done(code ?? 1));
});
server.stop();
stopSink();
process.exit(status);

function stopSink() {
  if (sink) sink.kill("SIGTERM");
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
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
