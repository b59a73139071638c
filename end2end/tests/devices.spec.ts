import { test, expect, freshUser, authCookies, signedInDevice, User } from "./fixtures";
import type { Browser } from "@playwright/test";

function secondDevice(browser: Browser, user: User, options = { push: true }) {
  return signedInDevice(browser, user, {}, async (context) => {
    if (!options.push) {
      // The push channel is down: only the next request can tell this device.
      await context.route("**/api/auth/events", (route) => route.abort());
    }
  });
}

test("sign out from all devices asks first, then ends every session, the other device's too", async ({
  app,
  page,
  browser,
}) => {
  const user = freshUser();
  await app.signUp(user);
  const { context: phoneContext, device: phone } = await secondDevice(browser, user, { push: false });
  const phoneCookies = await authCookies(phoneContext);

  await app.header().getByRole("link", { name: "Profile" }).click();
  await app.screenshot("profile-security", page.getByRole("region", { name: "Devices", exact: true }));
  await page.getByRole("button", { name: "Sign out from all devices" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Sign out from all devices?");
  await app.screenshot("confirm-sign-out-everywhere");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(app.header().getByText(user.email)).toBeVisible();

  await page.getByRole("button", { name: "Sign out from all devices" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL("/login");
  await expect(app.toasts()).toContainText("signed out from all devices");

  // Without its push channel, the phone finds out on its next navigation.
  await phone.header().getByRole("link", { name: "Profile" }).click();
  await expect(phone.page).toHaveURL("/login");
  await expect(phone.toasts()).toContainText("Your session has ended");

  // Its old cookies, replayed by hand, are refused.
  const thief = await browser.newContext();
  await thief.addCookies(phoneCookies);
  expect((await thief.request.get("/api/auth/me")).status()).toBe(401);
  expect((await thief.request.post("/api/auth/refresh")).status()).toBe(401);
  await thief.close();
  await phoneContext.close();
});

test("sign out other devices keeps this one and reports how many ended", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const { context: phoneContext, device: phone } = await secondDevice(browser, user);

  await page.goto("/profile");
  await page.getByRole("button", { name: "Sign out other devices" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Sign out others" }).click();
  await expect(app.toasts()).toContainText("Signed out 1 other device");
  await expect(app.header().getByText(user.email)).toBeVisible();
  await page.goto("/dashboard");
  await expect(page).toHaveURL("/dashboard");

  await phone.page.goto("/dashboard");
  await expect(phone.page).toHaveURL("/login");
  await phoneContext.close();
});

test.describe("when sign out from all devices fails", () => {
  test.use({ allowedConsoleErrors: [/net::ERR_FAILED/] });

  test("an error is shown and nothing changes", async ({ app, page }) => {
    const user = freshUser();
    await app.signUp(user);
    await page.goto("/profile");
    // The error path of the client: before hydration the confirm is a plain post.
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
    await page.route("**/api/auth/web/logout-all", (route) => route.abort());
    await page.getByRole("button", { name: "Sign out from all devices" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(app.toasts()).toContainText("Could not sign out from all devices");
    await expect(page).toHaveURL("/profile");
    await expect(app.header().getByText(user.email)).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign out from all devices" })).toBeEnabled();
    expect((await app.storage()).appKeys).toContain("signout:user");
  });
});
