// The browser suite on the release build (`make test-e2e`): the server binary and site that
// `make build` left, started on their own as the README says, so the suite tests exactly
// what users run. A throw-away SQLite database, and rate limits off: the suite signs up
// many users from one IP (the API tests cover the limits). A free port of 127.0.0.1, unless
// E2E_PORT names one.
//
//   node end2end/scripts/release-suite.mjs [playwright test arguments]
import { spawn } from "node:child_process";
import { join } from "node:path";
import { root, startReleaseServer } from "./release-server.mjs";

const server = await startReleaseServer(Number(process.env.E2E_PORT ?? 0), { RATE_LIMITS: "off" }, { logs: true });
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
  },
});
// Stopped from outside (Ctrl-C, a CI time limit): neither the suite nor the server outlives it.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    suite.kill(signal);
    server.stop();
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
process.exit(status);
