import { test as base, expect, Page } from "@playwright/test";

export type User = { email: string; password: string };

export function freshUser(): User {
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return { email: `e2e-${id}@example.com`, password: "correct horse battery" };
}

/** The flows every test repeats, by role and label as the UI contract names them. */
export class App {
  constructor(readonly page: Page) {}

  header() {
    return this.page.getByRole("banner");
  }

  async signUp(user: User) {
    await this.page.goto("/register");
    await this.page.getByLabel("Email").fill(user.email);
    await this.page.getByLabel("Password").fill(user.password);
    await this.page.getByRole("button", { name: "Create account" }).click();
    await expect(this.header().getByText(user.email)).toBeVisible();
  }

  async signIn(user: User) {
    await this.page.goto("/login");
    await this.page.getByLabel("Email").fill(user.email);
    await this.page.getByLabel("Password").fill(user.password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
    await expect(this.header().getByText(user.email)).toBeVisible();
  }

  async signOut() {
    await this.header().getByRole("button", { name: "Sign out" }).click();
  }

  toasts() {
    return this.page.getByRole("status");
  }
}

type Fixtures = { app: App; consoleErrors: string[] };

/**
 * Every test gets an `App` for its page, and fails if the page logged a JavaScript error
 * or an uncaught exception.
 */
export const test = base.extend<Fixtures>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "error" && !isExpectedNetworkError(msg.text())) {
          errors.push(`console: ${msg.text()} (${msg.location().url})`);
        }
      });
      await use(errors);
      expect(errors, "no JavaScript errors in the console").toEqual([]);
    },
    { auto: true },
  ],
  app: async ({ page }, use) => {
    await use(new App(page));
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
