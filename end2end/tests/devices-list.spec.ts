import { test, expect, freshUser, signedInDevice, User } from "./fixtures";
import type { APIRequestContext, Browser } from "@playwright/test";

const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0";

test.use({ userAgent: CHROME_LINUX });

async function firefoxOf(browser: Browser, user: User) {
  return (await signedInDevice(browser, user, { userAgent: FIREFOX_MAC })).device;
}

/** `count` more security events for `user`: sign-ins by an API client. */
async function signInsByApi(request: APIRequestContext, user: User, count: number) {
  for (let i = 0; i < count; i++) {
    const res = await request.post("/api/auth/token", {
      data: { grant_type: "password", email: user.email, password: user.password },
    });
    expect(res.status()).toBe(200);
  }
}

test("this device comes first, each row says when it was active and where it signed in, and Revoke names the device", async ({
  app,
  page,
  browser,
}) => {
  const user = freshUser();
  await app.signUp(user);
  // Signed in after this one, and active since: the list by activity alone puts it first.
  const firefox = await firefoxOf(browser, user);
  await page.goto("/profile");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");

  const devices = page.getByRole("list", { name: "Signed-in devices" });
  const rows = devices.getByRole("listitem");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveAccessibleName("Chrome on Linux");
  await expect(rows.first()).toContainText("This device");
  await expect(rows.first()).toContainText("Active now");
  // Relative for reading, exact for the curious (title) and for machines (datetime).
  const active = rows.first().locator("time").first();
  await expect(active).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await expect(active).toHaveAttribute("title", /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  // What tells two alike devices apart: when and from where each signed in.
  await expect(rows.nth(1)).toContainText(/Signed in \d{4}-\d\d-\d\d · \S+/);

  // Revoke asks first, naming the device, with focus on the safe choice.
  const revoke = devices.getByRole("button", { name: /^Revoke Firefox on Mac OSX, signed in \d{4}-\d\d-\d\d from / });
  await revoke.click();
  const dialog = page.getByRole("dialog", { name: "Revoke Firefox on Mac OSX?" });
  await expect(dialog).toContainText("Firefox on Mac OSX, signed in");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await app.screenshot("confirm-revoke-device");
  await dialog.getByRole("button", { name: "Revoke Firefox on Mac OSX" }).click();
  await expect(app.toasts()).toContainText("Firefox on Mac OSX has been signed out");
  await expect(rows).toHaveCount(1);
  // The row that had focus is gone; focus starts again at the list's heading, not the page's top.
  await expect(page.getByRole("heading", { level: 2, name: "Devices" })).toBeFocused();
  await expect(firefox.page).toHaveURL("/login", { timeout: 2000 });
  await firefox.page.context().close();
});

test("with no other device, Sign out other devices is disabled and says why", async ({ app, page }) => {
  await app.signUp(freshUser());
  await page.goto("/profile");
  const others = page.getByRole("button", { name: "Sign out other devices" });
  await expect(others).toBeDisabled();
  await expect(others).toHaveAccessibleDescription(/no other device/);
  await expect(page.getByRole("button", { name: "Sign out from all devices" })).toBeEnabled();
});

test("the profile is grouped as Devices, Sign-in & security, Activity, Delete account", async ({ app, page }) => {
  await app.signUp(freshUser());
  await page.goto("/profile");
  const headings = page.getByRole("main").getByRole("heading", { level: 2 });
  await expect(headings).toHaveText(["Devices", "Sign-in & security", "Activity", "Delete account"]);
  const devices = page.getByRole("region", { name: "Devices" });
  await expect(devices.getByRole("button", { name: "Sign out other devices" })).toBeVisible();
  await expect(devices.getByRole("button", { name: "Sign out from all devices" })).toBeVisible();
  const security = page.getByRole("region", { name: "Sign-in & security" });
  await expect(security.getByRole("button", { name: "Change password" })).toBeVisible();
  await expect(security.getByRole("button", { name: "Change email" })).toBeVisible();
  // The one red button explains what it does beyond signing out everywhere.
  await expect(security.getByRole("button", { name: "Report a security concern" })).toHaveAccessibleDescription(
    /recorded in your activity as a security concern/,
  );
  // The other red button, last on the page, says what deleting ends before it is pressed.
  const deletion = page.getByRole("region", { name: "Delete account" });
  await expect(deletion.getByRole("button", { name: /^Delete the account / })).toHaveAccessibleDescription(
    /every session ends at once on every device/,
  );
  await expect(page.locator("main .button-danger:visible")).toHaveCount(2);
  await app.screenshot("profile");
});

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("the activity shows 20 events, and Show more shows the next ones", async ({ app, page, request }) => {
      const user = freshUser();
      await app.signUp(user);
      await signInsByApi(request, user, 21);
      await page.goto("/profile");
      const activity = page.getByRole("list", { name: "Recent security activity" }).getByRole("listitem");
      await expect(activity).toHaveCount(20);
      await page.getByRole("link", { name: "Show more" }).click();
      await expect(page).toHaveURL(/activity=40/);
      await expect(activity).toHaveCount(22);
      await expect(page.getByRole("link", { name: "Show more" })).toHaveCount(0);
    });
  });
}
