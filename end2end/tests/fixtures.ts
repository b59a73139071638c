import { test as base, expect, Browser, BrowserContext, BrowserContextOptions, Locator, Page } from "@playwright/test";
import { spawnSync } from "node:child_process";

export type User = { email: string; password: string };

export function freshUser(): User {
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return { email: `e2e-${id}@example.com`, password: "correct horse battery" };
}

/** The flows every test repeats, by role and label as the UI contract names them. */
export class App {
  /** `javaScript`: whether the page runs scripts, so whether to wait for the client. */
  constructor(readonly page: Page, readonly javaScript = true) {}

  /**
   * Waits until the client has taken over the page (`<html data-hydrated>`), so that a
   * test of the client's path does not race a slow WASM download into a plain form post.
   */
  async clientReady() {
    if (this.javaScript) await expect(this.page.locator("html")).toHaveAttribute("data-hydrated", "", { timeout: 15_000 });
  }

  header() {
    return this.page.getByRole("banner");
  }

  /** On a phone (< 640 px) the signed-in header sits behind `Account`: opens it there. */
  async openAccountMenu() {
    const account = this.header().getByRole("button", { name: "Account" });
    if (!(await account.isVisible())) return;
    const menu = this.page.locator("#account-menu");
    if (!(await menu.isVisible())) await account.click();
    await expect(menu).toBeVisible();
  }

  /** The header shows `email` as the one signed in: in the Account menu on a phone. */
  async expectSignedInAs(email: string) {
    const account = this.header().getByRole("button", { name: "Account" });
    // Whichever of the two is shown: the email from 640 px up, the button below.
    await expect(this.header().getByText(email).or(account).filter({ visible: true })).toBeVisible();
    if (await account.isVisible()) {
      await this.openAccountMenu();
      await expect(this.header().getByText(email)).toBeVisible();
      await this.page.keyboard.press("Escape");
      await expect(this.page.locator("#account-menu")).toBeHidden();
    }
  }

  async signUp(user: User) {
    await this.page.goto("/register");
    await this.clientReady();
    await this.page.getByLabel("Email").fill(user.email);
    await this.page.getByLabel("Password").fill(user.password);
    await this.page.getByRole("button", { name: "Create account" }).click();
    await this.expectSignedInAs(user.email);
  }

  async signIn(user: User) {
    await this.page.goto("/login");
    await this.clientReady();
    await this.page.getByLabel("Email").fill(user.email);
    await this.page.getByLabel("Password").fill(user.password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
    await this.expectSignedInAs(user.email);
  }

  /** Signs out and waits until the local sign-out has completed. */
  async signOut() {
    await this.openAccountMenu();
    await this.header().getByRole("button", { name: "Sign out" }).click();
    await expect(this.header().getByRole("link", { name: "Sign in" })).toBeVisible();
  }

  toasts() {
    return this.page.getByRole("status");
  }

  async writeDraft(title: string, body: string) {
    await this.page.getByLabel("Title").fill(title);
    await this.page.getByLabel("Body").fill(body);
    await this.page.getByRole("button", { name: "Save draft" }).click();
    await expect(this.page.getByRole("list", { name: "Your posts" })).toContainText(title);
  }

  /** The app's keys in web storage, and how many sessionStorage entries there are. */
  async storage() {
    return this.page.evaluate(() => ({
      appKeys: Object.keys(localStorage).filter((k) => k.startsWith("signout:")),
      sessionEntries: sessionStorage.length,
      documentCookie: document.cookie,
    }));
  }

  /** Saves a picture for people to look at (git-ignored). */
  async screenshot(name: string, target?: Locator) {
    const path = `screenshots/${name}.png`;
    if (target) await target.screenshot({ path });
    else await this.page.screenshot({ path, fullPage: true });
  }
}

/**
 * `user` signed in on another device: a browser context of its own (its own cookies), made
 * with `options` (a user agent, JavaScript off). `prepare` runs before the sign-in, e.g. to
 * cut the push channel the page opens.
 */
export async function signedInDevice(
  browser: Browser,
  user: User,
  options: BrowserContextOptions = {},
  prepare: (context: BrowserContext) => Promise<void> = async () => {},
): Promise<{ context: BrowserContext; device: App }> {
  // A new context takes the test's own options (`test.use`), JavaScript off included: the
  // other device runs scripts unless told otherwise, as its `App` expects.
  const context = await browser.newContext({ javaScriptEnabled: true, ...options });
  await prepare(context);
  const device = new App(await context.newPage(), options.javaScriptEnabled ?? true);
  await device.signIn(user);
  return { context, device };
}

/** The auth cookies' names: prefixed, since the server's cookies are Secure (`__Host-` and
 *  `__Secure-` keep other hosts from planting cookies of the same names). */
export const ACCESS_COOKIE = "__Host-access_token";
export const REFRESH_COOKIE = "__Secure-refresh_token";
export const AUTH_COOKIES = [ACCESS_COOKIE, REFRESH_COOKIE].sort();

/** The auth cookies the browser holds for the app. */
export async function authCookies(context: BrowserContext) {
  return (await context.cookies()).filter((c) => AUTH_COOKIES.includes(c.name));
}

type Fixtures = {
  app: App;
  consoleErrors: string[];
  /** Console errors and page errors a test causes on purpose (e.g. a request it aborts). */
  allowedConsoleErrors: RegExp[];
};

/**
 * Every test gets an `App` for its page, and fails if the page logged a JavaScript error
 * or an uncaught exception.
 */
export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (err) => {
        if (!allowedConsoleErrors.some((re) => re.test(err.message))) errors.push(`pageerror: ${err.message}`);
      });
      page.on("console", (msg) => {
        const allowed = allowedConsoleErrors.some((re) => re.test(msg.text()));
        if (msg.type() === "error" && !allowed && !isExpectedNetworkError(msg.text())) {
          errors.push(`console: ${msg.text()} (${msg.location().url})`);
        }
      });
      await use(errors);
      expect(errors, "no JavaScript errors in the console").toEqual([]);
    },
    { auto: true },
  ],
  app: async ({ page, javaScriptEnabled }, use) => {
    await use(new App(page, javaScriptEnabled));
  },
});

/**
 * Chromium logs every non-2xx fetch as a console error ("Failed to load resource").
 * A 401 from a check of a revoked session is the app working, not a bug.
 */
function isExpectedNetworkError(text: string): boolean {
  return /Failed to load resource: the server responded with a status of 401/.test(text);
}

export { expect };

/** Whether the suite runs against the release server it started itself (`release-suite.mjs`),
 *  whose binary and database the tests below can reach. */
export const ownServer = !!process.env.E2E_SERVER_BIN;

/** `server admin grant EMAIL`: the real subcommand, on the suite's server's database. */
export function grantAdmin(email: string) {
  const env = { ...process.env, ...JSON.parse(process.env.E2E_SERVER_ENV ?? "{}") };
  const run = spawnSync(process.env.E2E_SERVER_BIN!, ["admin", "grant", email], { env, encoding: "utf8" });
  expect(run.status, `server admin grant: ${run.stderr}`).toBe(0);
}

/** Makes every session of `email` have entered its password long ago (beyond any
 *  REAUTH_WINDOW), as if the page had been left open for an hour. */
export function agePasswords(email: string) {
  const sql =
    "UPDATE sessions SET auth_time = auth_time - 86400 WHERE user_id = (SELECT id FROM users WHERE email = ?)";
  const script = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], timeout=10)\nc.execute(sys.argv[2], (sys.argv[3],))\nc.commit()";
  const run = spawnSync("python3", ["-c", script, process.env.E2E_DATABASE!, sql, email], { encoding: "utf8" });
  expect(run.status, `aging the passwords: ${run.stderr}`).toBe(0);
}

// axe-core from npm, injected into the page as a script: the same engine as the browser
// extensions, run on every page signed out and signed in, with each dialog open.
const axePath = require.resolve("axe-core/axe.min.js");

type Violation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/** Every serious or critical axe violation on the page as it is now, in words. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations: Violation[] = await page.evaluate(async () => {
    // @ts-expect-error: axe is the global the injected script defines.
    const result = await window.axe.run(document);
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Whether the suite's server sends its mail to an SMTP server the tests can read. */
export const readableMail = !!process.env.E2E_MAIL_DIR;

/** The path and query of the first link to `path` in the newest mail to `to` whose subject
 *  is `subject`, waiting for it (at most 10 s). */
export async function linkInMail(to: string, subject: string, path: string): Promise<string> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const dir = process.env.E2E_MAIL_DIR!;
  const pattern = new RegExp(`${path.replace(/[/-]/g, "\\$&")}\\?token=[A-Za-z0-9_-]+`);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const mails = readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .sort()
      .map((name) => JSON.parse(readFileSync(`${dir}/${name}`, "utf8")))
      .filter((m) => m.to.includes(to) && m.subject === subject);
    const link = mails.length ? mails[mails.length - 1].text.match(pattern) : null;
    if (link) return link[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail "${subject}" to ${to} with a link to ${path}`);
}
