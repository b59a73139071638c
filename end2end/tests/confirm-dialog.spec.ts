import { test, expect, freshUser } from "./fixtures";
import type { Locator, Page } from "@playwright/test";

/** Whether focus is on something of the page behind the dialog (not in it, not outside the page). */
async function focusBehind(page: Page, dialog: Locator) {
  const inside = await dialog.evaluate((d) => d.contains(document.activeElement));
  const onPage = await page.evaluate(() => document.activeElement !== null && document.activeElement !== document.body);
  return onPage && !inside;
}

async function openProfile(page: Page) {
  await page.goto("/profile");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
}

test("the sign-out-everywhere dialog takes focus to Cancel, keeps it, closes on Escape and gives it back", async ({
  app,
  page,
}) => {
  await app.signUp(freshUser());
  await openProfile(page);
  const opener = page.getByRole("button", { name: "Sign out from all devices" });
  await opener.focus();
  await page.keyboard.press("Enter");

  const dialog = page.getByRole("dialog", { name: "Sign out from all devices?" });
  await expect(dialog).toBeVisible();
  const cancel = dialog.getByRole("button", { name: "Cancel" });
  const confirm = dialog.getByRole("button", { name: /^Sign out/ });
  await expect(cancel).toBeFocused();

  // Tab and Shift+Tab never reach the page behind the modal dialog.
  await page.keyboard.press("Tab");
  await expect(confirm).toBeFocused();
  for (const key of ["Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"]) {
    await page.keyboard.press(key);
    expect(await focusBehind(page, dialog), `after ${key}`).toBe(false);
  }

  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  // Closed by Escape, it opens again (the page's state followed the dialog).
  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await expect(cancel).toBeFocused();
  await cancel.click();
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  await expect(app.header().getByRole("button", { name: "Sign out" })).toBeVisible();
});

for (const width of [390, 320]) {
  test.describe(`at ${width} px wide`, () => {
    test.use({ viewport: { width, height: 844 } });

    test("the dialog fits the screen and its buttons are fully visible, one above the other", async ({ app, page }) => {
      await app.signUp(freshUser());
      await openProfile(page);
      await page.getByRole("button", { name: "Sign out from all devices" }).click();
      await expectFitsWithStackedButtons(page, width);
    });
  });
}

test.describe("without JavaScript, at 390 px", () => {
  test.use({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });

  test("the dialog the server renders open is an overlay that fits, with its buttons visible", async ({ app, page }) => {
    await app.signUp(freshUser());
    await page.goto("/profile?confirm=sign-out-everywhere");
    await expectFitsWithStackedButtons(page, 390);
    // An overlay: it sits over the page, not in its flow.
    const dialog = page.getByRole("dialog", { name: "Sign out from all devices?" });
    expect(await dialog.evaluate((d) => getComputedStyle(d).position)).toBe("fixed");
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("Tab stays in the open question, and Cancel leaves no field in the URL", async ({ app, page }) => {
    await app.signUp(freshUser());
    await page.goto("/profile?confirm=sign-out-everywhere");
    const dialog = page.getByRole("dialog", { name: "Sign out from all devices?" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    // Round and round the dialog's two buttons, never into the page behind it.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press("Tab");
      const inDialog = await page.evaluate(() => !!document.activeElement?.closest("dialog[open]"));
      const onPage = await page.evaluate(() => document.activeElement !== document.body && !document.activeElement?.closest("dialog"));
      expect(onPage, `Tab ${i + 1} reached the page behind the dialog`).toBe(false);
      if (!inDialog) continue; // the browser's own UI (the address bar) between rounds
    }
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(page).toHaveURL(/\/profile\??$/);
    await expect(page.getByRole("dialog")).toHaveCount(0);
  });

  test("after a wrong password, the password field has focus and says why", async ({ app, page }) => {
    const user = freshUser();
    await app.signUp(user);
    await page.goto("/profile");
    await page.getByLabel("Current password").fill("not the password");
    await page.getByLabel("New password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();
    const current = page.getByLabel("Current password");
    await expect(current).toBeFocused();
    await expect(current).toHaveAttribute("aria-invalid", "true");
    await expect(current).toHaveAccessibleDescription(/The current password is not correct/);
    await expect(page.getByLabel("New password")).not.toHaveAttribute("aria-invalid", /.*/);
  });
});

test.describe(() => {
  // The refusals are 403s, which Chromium logs.
  test.use({ allowedConsoleErrors: [/status of 403 \(Forbidden\)/] });

test("the password and email forms say what is wrong under the field it is about", async ({ app, page }) => {
  const user = freshUser();
  await app.signUp(user);
  await page.goto("/profile");
  await app.clientReady();
  const newPassword = page.getByLabel("New password");
  await expect(newPassword).toHaveAccessibleDescription(/At least 8 characters/);
  await page.getByLabel("Current password").fill("not the password");
  await newPassword.fill("a brand new password");
  await page.getByRole("button", { name: "Change password" }).click();
  const current = page.getByLabel("Current password");
  await expect(current).toHaveAttribute("aria-invalid", "true");
  await expect(current).toHaveAccessibleDescription(/The current password is not correct/);
  await expect(current).toBeFocused();
  await expect(newPassword).not.toHaveAttribute("aria-invalid", /.*/);

  const password = page.getByLabel("Confirm with your password");
  await page.getByLabel("New email").fill(freshUser().email);
  await password.fill("not the password");
  await page.getByRole("button", { name: "Change email" }).click();
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAccessibleDescription(/The current password is not correct/);
  await expect(page.getByLabel("New email")).not.toHaveAttribute("aria-invalid", /.*/);
});
});

async function expectFitsWithStackedButtons(page: Page, width: number) {
  const dialog = page.getByRole("dialog", { name: "Sign out from all devices?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toBeInViewport({ ratio: 1 });
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(width);
  const cancel = dialog.getByRole("button", { name: "Cancel" });
  const confirm = dialog.getByRole("button", { name: "Sign out everywhere" });
  for (const button of [cancel, confirm]) {
    await expect(button).toBeInViewport({ ratio: 1 });
    const b = (await button.boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(box.x);
    expect(b.x + b.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
  }
  const [c, s] = [(await cancel.boundingBox())!, (await confirm.boundingBox())!];
  expect(s.y, "stacked, not side by side").toBeGreaterThanOrEqual(c.y + c.height);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

test("a question asked in the URL is asked once: cancelled, it does not come back when the list is read again", async ({
  app,
  page,
}) => {
  const user = freshUser();
  await app.signUp(user);
  // Two more devices (API clients), so that one can be revoked while the other was asked about.
  for (let i = 0; i < 2; i++) {
    const res = await page.request.post("/api/auth/token", {
      data: { grant_type: "password", email: user.email, password: user.password },
    });
    expect(res.status()).toBe(200);
  }
  const sessions: { id: string; current: boolean }[] = await (await page.request.get("/api/auth/sessions")).json();
  const [asked, revoked] = sessions.filter((s) => !s.current);

  // The no-JavaScript way of asking, then answered with the client running.
  await page.goto(`/profile?confirm=revoke:${asked.id}`);
  await app.clientReady();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // Revoking the other device reads the list again, making every row anew.
  await page.locator(`form:has(input[value="revoke:${revoked.id}"]) button`).click();
  await page.getByRole("dialog").getByRole("button", { name: /^Revoke/ }).click();
  // Three sessions of one browser, one of them revoked: a Revoke is left for the other.
  await expect(page.getByRole("list", { name: "Signed-in devices" }).getByRole("button", { name: /^Revoke / })).toHaveCount(1);
  await expect(page.getByRole("dialog")).toHaveCount(0);
});
