import { Page } from "@playwright/test";
import { test, expect, freshUser, App, seriousViolations } from "./fixtures";

/** Loads `path` once the client runs, and checks it. */
async function expectNoSeriousViolations(page: Page, label: string) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
  expect(await seriousViolations(page), `axe on ${label}`).toEqual([]);
}

for (const size of [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
]) {
  test.describe(`axe-core, ${size.name}`, () => {
    // The 404 page is answered with a 404, which Chromium logs. axe is injected as an inline
    // script, which the pages' Content Security Policy rightly refuses (it carries no nonce):
    // the checking tool, not the app, is let past it.
    test.use({
      viewport: size.viewport,
      allowedConsoleErrors: [/status of 404 \(Not Found\)/],
      bypassCSP: true,
    });

    test("signed out: every page, and the forms showing their errors", async ({ app, page }) => {
      for (const path of ["/", "/login", "/register", "/no-such-page"]) {
        await page.goto(path);
        await expectNoSeriousViolations(page, path);
      }
      // Field errors and a refused sign-in.
      await page.goto("/register");
      await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
      await page.getByLabel("Email").fill("not-an-address");
      await page.getByLabel("Password").fill("short");
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
      await expectNoSeriousViolations(page, "/register with field errors");
      await page.goto("/login");
      await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
      await page.getByLabel("Email").fill(freshUser().email);
      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert")).toBeVisible();
      await expectNoSeriousViolations(page, "/login after a refused sign-in");
    });

    test("signed in: every page, and every dialog open", async ({ app, page, browser }) => {
      const user = freshUser();
      await app.signUp(user);
      // A second device, so that "Sign out other devices" applies.
      const phone = await browser.newContext();
      await new App(await phone.newPage()).signIn(user);
      await phone.close();
      await app.writeDraft("An accessible draft", "Read by a screen reader.");
      // A device's own page, and the list with its "Recently signed out" open.
      const sessions: { id: string; current: boolean }[] = await (await page.request.get("/api/auth/sessions")).json();
      const other = sessions.find((s) => !s.current)!;
      for (const path of ["/", "/dashboard", "/profile", `/profile/sessions/${other.id}`]) {
        await page.goto(path);
        await expectNoSeriousViolations(page, path);
      }
      await page.goto("/profile");
      await page.getByText(/^Recently signed out/).click();
      await expectNoSeriousViolations(page, "/profile with Recently signed out open");
      await page.goto("/profile");
      await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
      for (const opener of ["Sign out other devices", "Sign out from all devices", "Report a security concern"]) {
        await page.getByRole("button", { name: opener, exact: true }).click();
        await expect(page.getByRole("dialog")).toBeVisible();
        await expectNoSeriousViolations(page, `/profile with "${opener}" open`);
        await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
        await expect(page.getByRole("dialog")).toHaveCount(0);
      }
    });
  });
}
