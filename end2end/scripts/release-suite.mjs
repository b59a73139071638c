// The browser suite on the release build (`make test-e2e`): the server binary and site that
// `make build` left, started on their own as the README says, so the suite tests exactly
// what users run. A throw-away SQLite database, and rate limits off: the suite signs up
// many users from one IP (the API tests cover the limits).
//
//   node end2end/scripts/release-suite.mjs [playwright test arguments]
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { root, startReleaseServer } from "./release-server.mjs";

// Not 3000, where `make dev` serves.
const PORT = Number(process.env.E2E_PORT ?? 3300);

const server = await startReleaseServer(PORT, { RATE_LIMITS: "off" }, { logs: true });
let status = 1;
try {
  const run = spawnSync("npx", ["playwright", "test", ...process.argv.slice(2)], {
    cwd: join(root, "end2end"),
    stdio: "inherit",
    env: { ...process.env, BASE_URL: server.url },
  });
  status = run.status ?? 1;
} finally {
  server.stop();
}
process.exit(status);
