import { test, expect, freshUser, App, User, ACCESS_COOKIE } from "./fixtures";
import type { Browser } from "@playwright/test";

const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

test.use({ userAgent: CHROME_LINUX });

/** Another device of the same user, parked on its dashboard. */
async function device(browser: Browser, user: User, userAgent: string) {
  const context = await browser.newContext({ userAgent });
  const app = new App(await context.newPage());
  await app.signIn(user);
  await expect(app.page).toHaveURL("/dashboard");
  return app;
}

/** Three signed-in devices of one fresh user; `app` is the Chrome one, on its profile. */
async function threeDevices(app: App, browser: Browser) {
  const user = freshUser();
  await app.signUp(user);
  const firefox = await device(browser, user, FIREFOX_MAC);
  const iphone = await device(browser, user, SAFARI_IPHONE);
  await app.page.goto("/profile");
  return { user, firefox, iphone };
}

/** A device that was signed out from elsewhere lands on /login by itself, quickly. */
async function expectSignedOutByPush(device: App) {
  await expect(device.page).toHaveURL("/login", { timeout: 1500 });
  await expect(device.toasts()).toContainText("Your session has ended");
  await expect(device.header().getByRole("link", { name: "Sign in" })).toBeVisible();
}

test("the profile lists every device, and revoking one signs it out within a second", async ({ app, page, browser }) => {
  const { firefox, iphone } = await threeDevices(app, browser);
  const devices = page.getByRole("list", { name: "Signed-in devices" });
  await expect(devices.getByRole("listitem")).toHaveCount(3);
  await expect(devices.getByRole("listitem", { name: "Chrome on Linux" })).toContainText("This device");
  await expect(page.getByText("This device")).toHaveCount(1);
  await expect(devices.getByRole("listitem", { name: "Firefox on macOS" })).toBeVisible();
  await expect(devices.getByRole("listitem", { name: "Safari on iPhone" })).toBeVisible();
  await expect(devices.getByRole("listitem", { name: "Chrome on Linux" }).getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await app.screenshot("profile-devices", page.getByRole("region", { name: "Devices", exact: true }));

  await devices.getByRole("listitem", { name: "Firefox on macOS" }).getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog", { name: "Revoke Firefox on macOS?" }).getByRole("button", { name: /^Revoke/ }).click();
  await expectSignedOutByPush(firefox);
  await expect(devices.getByRole("listitem")).toHaveCount(2);
  // The others are untouched.
  await iphone.page.reload();
  await expect(iphone.page).toHaveURL("/dashboard");
  await expect(page).toHaveURL("/profile");
  await firefox.page.context().close();
  await iphone.page.context().close();
});

test("a password change signs out the other devices by itself and keeps this one", async ({ app, page, browser }) => {
  const { user, firefox, iphone } = await threeDevices(app, browser);
  await page.getByLabel("Current password").fill(user.password);
  await page.getByLabel("New password").fill("an entirely new passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(app.toasts()).toContainText("Password changed. 2 other session(s) signed out.");

  await expectSignedOutByPush(firefox);
  await expectSignedOutByPush(iphone);
  await expect(page).toHaveURL("/profile");
  await expect(app.header().getByText(user.email)).toBeVisible();
  await expect(page.getByRole("list", { name: "Signed-in devices" }).getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("list", { name: "Recent security activity" })).toContainText("Password changed");
  await firefox.page.context().close();
  await iphone.page.context().close();
});

test("reporting a security concern signs out all three devices", async ({ app, page, browser }) => {
  const { firefox, iphone } = await threeDevices(app, browser);
  await page.getByRole("button", { name: "Report a security concern" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "End every session" }).click();

  await expect(page).toHaveURL("/login");
  await expect(app.toasts()).toContainText("We signed you out on every device");
  await expectSignedOutByPush(firefox);
  await expectSignedOutByPush(iphone);
  expect((await page.context().cookies()).filter((c) => c.name === ACCESS_COOKIE)).toEqual([]);
  await firefox.page.context().close();
  await iphone.page.context().close();
});
