import { test, expect, freshUser, seriousViolations, signedInDevice, User } from "./fixtures";
import type { APIRequestContext, Browser, Page } from "@playwright/test";

const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0";

// A reader in Paris: times are shown in the browser's own zone once the client runs.
// `bypassCSP`: axe is injected as a script of the test's own.
test.use({ userAgent: CHROME_LINUX, timezoneId: "Europe/Paris", locale: "en-GB", bypassCSP: true });

/** "2026-12-03 15:05 UTC+1" in Paris (summer time: +2), to the minute or the second. */
const PARIS_TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC\+[12]`;

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
  await expect(active).toHaveAttribute("title", new RegExp(`^${PARIS_TIME}$`));
  // What tells two alike devices apart: when (date and time, in the reader's zone) and
  // from where each signed in.
  await expect(rows.nth(1)).toContainText(new RegExp(`Signed in ${PARIS_TIME} · \\S+`));

  // Revoke asks first, naming the device, with focus on the safe choice.
  const revoke = devices.getByRole("button", { name: new RegExp(`^Revoke Firefox on macOS, signed in ${PARIS_TIME} from `) });
  await revoke.click();
  const dialog = page.getByRole("dialog", { name: "Revoke Firefox on macOS?" });
  await expect(dialog).toContainText("Firefox on macOS, signed in");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await app.screenshot("confirm-revoke-device");
  await dialog.getByRole("button", { name: "Revoke Firefox on macOS" }).click();
  await expect(app.toasts()).toContainText("Firefox on macOS has been signed out");
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

test("two sessions of one browser from one address are told apart, by name too", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const first = await firefoxOf(browser, user);
  // Not within the same second: rows alike to the second cannot be told apart by time.
  await page.waitForTimeout(1_000);
  const second = await firefoxOf(browser, user);
  await page.goto("/profile");
  await app.clientReady();
  const revokes = page.getByRole("list", { name: "Signed-in devices" }).getByRole("button", { name: /^Revoke Firefox/ });
  await expect(revokes).toHaveCount(2);
  const names = await Promise.all([0, 1].map(async (i) => (await revokes.nth(i).getAttribute("aria-label")) ?? ""));
  // Signed in the same minute, they are told apart to the second.
  expect(names[0]).not.toEqual(names[1]);
  for (const name of names) expect(name).toMatch(new RegExp(`^Revoke Firefox on macOS, signed in ${PARIS_TIME} from \\S+$`));
  await first.page.context().close();
  await second.page.context().close();
});

test.describe(() => {
  // The server's answer is a 404, which Chromium logs.
  test.use({ allowedConsoleErrors: [/status of 404 \(Not Found\)/] });

test("revoking a device another tab already signed out says so, and is no error", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const firefox = await firefoxOf(browser, user);
  await page.goto("/profile");
  await app.clientReady();
  const devices = page.getByRole("list", { name: "Signed-in devices" });
  await expect(devices.getByRole("listitem")).toHaveCount(2);
  // Another tab signs the Firefox out; this list has not been read again.
  const other = await page.context().newPage();
  await other.goto("/profile");
  await other.getByRole("button", { name: /^Revoke Firefox on macOS/ }).click();
  await other.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
  await expect(other.getByRole("list", { name: "Signed-in devices" }).getByRole("listitem")).toHaveCount(1);
  await other.close();

  await devices.getByRole("button", { name: /^Revoke Firefox on macOS/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
  await expect(app.toasts()).toContainText("That device was already signed out.");
  await expect(page.locator(".toast-error, .form-error")).toHaveCount(0);
  await expect(devices.getByRole("listitem")).toHaveCount(1);
  await firefox.page.context().close();
});
});

test("the activity names the device that was signed out, and the one it was done from, in local time", async ({
  app,
  page,
  browser,
}) => {
  const user = freshUser();
  await app.signUp(user);
  const firefox = await firefoxOf(browser, user);
  await page.goto("/profile");
  await app.clientReady();
  await page.getByRole("button", { name: /^Revoke Firefox on macOS/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
  await expect(app.toasts()).toContainText("Firefox on macOS has been signed out");
  const newest = page.getByRole("list", { name: "Recent security activity" }).getByRole("listitem").first();
  await expect(newest).toContainText("Firefox on macOS was signed out");
  await expect(newest).toContainText("From Chrome on Linux");
  await expect(newest.locator("time")).toHaveText(new RegExp(`^${PARIS_TIME}$`));
  await firefox.page.context().close();
});

async function expectRecentlySignedOut(page: Page, how: string) {
  await page.getByText(/^Recently signed out \(1\)$/).click();
  const ended = page.getByRole("list", { name: "Recently signed out" }).getByRole("listitem");
  await expect(ended).toHaveCount(1);
  await expect(ended.first()).toHaveAccessibleName("Firefox on macOS");
  await expect(ended.first()).toContainText(how);
  return ended.first();
}

test("recently signed out lists the sessions that ended, how and when", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const firefox = await firefoxOf(browser, user);
  await firefox.signOut();
  await page.goto("/profile");
  await app.clientReady();
  const row = await expectRecentlySignedOut(page, "Signed out on that device");
  await expect(row.locator("time").first()).toHaveText(new RegExp(`^${PARIS_TIME}$`));
  await firefox.page.context().close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("recently signed out opens and says how each session ended", async ({ app, page, browser }) => {
    const user = freshUser();
    await app.signUp(user);
    const firefox = await firefoxOf(browser, user);
    await page.goto("/profile");
    await page.getByRole("button", { name: /^Revoke Firefox on macOS/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
    await expectRecentlySignedOut(page, "Revoked from another device");
    await firefox.page.context().close();
  });

  test("times are the server's, in UTC and saying so", async ({ app, page, browser }) => {
    const user = freshUser();
    await app.signUp(user);
    const firefox = await firefoxOf(browser, user);
    await page.goto("/profile");
    const rows = page.getByRole("list", { name: "Signed-in devices" }).getByRole("listitem");
    await expect(rows.nth(1)).toContainText(/Signed in \d{4}-\d\d-\d\d \d\d:\d\d UTC · \S+/);
    await expect(
      page.getByRole("list", { name: "Recent security activity" }).getByRole("listitem").first().locator("time"),
    ).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    await firefox.page.context().close();
  });

  test("revoking a device that has already ended says so, and is no error", async ({ app, page, browser }) => {
    const user = freshUser();
    await app.signUp(user);
    const firefox = await firefoxOf(browser, user);
    await page.goto("/profile");
    const ask = page.getByRole("button", { name: /^Revoke Firefox on macOS/ });
    await ask.click();
    // The question is open in this page; meanwhile the Firefox signs itself out.
    await firefox.signOut();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
    await expect(page.getByRole("status").filter({ hasText: "That device was already signed out." })).toBeVisible();
    await expect(page.locator(".form-error")).toHaveCount(0);
    await firefox.page.context().close();
  });
});

/** The value of the fact `name` on a session's page (`<dt>name</dt><dd>value</dd>`). */
function fact(page: Page, name: string) {
  return page.locator("dl.facts").locator(`dt:text-is("${name}") + dd`);
}

test("a device's own page shows every detail of its session, and revokes it", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const firefox = await firefoxOf(browser, user);
  await page.goto("/profile");
  await app.clientReady();
  await page.getByRole("link", { name: new RegExp(`^Firefox on macOS, signed in ${PARIS_TIME} from \\S+: details$`) }).click();
  await expect(page).toHaveURL(/\/profile\/sessions\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Firefox on macOS" })).toBeFocused();
  await expect(fact(page, "Status")).toHaveText("Signed in");
  await expect(fact(page, "Signed in")).toHaveText(new RegExp(`^${PARIS_TIME}$`));
  await expect(fact(page, "Last activity")).toContainText(new RegExp(PARIS_TIME));
  await expect(fact(page, "How it signed in")).toContainText("sign-in form");
  await expect(fact(page, "IP address")).toHaveText("127.0.0.1");
  // Loopback is in no country; the lookup is local, never a request elsewhere.
  await expect(fact(page, "Approximate location")).toHaveText("Unknown");
  await expect(fact(page, "Browser and system")).toHaveText("Firefox on macOS");
  await expect(fact(page, "As the browser names itself")).toContainText("Firefox/125.0");
  expect(await seriousViolations(page), "axe on a session's page").toEqual([]);
  await app.screenshot("session-details");

  await page.getByRole("button", { name: /^Revoke Firefox on macOS/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
  await expect(app.toasts()).toContainText("Firefox on macOS has been signed out");
  await expect(fact(page, "Status")).toHaveText("Revoked from another device");
  await expect(fact(page, "Ended")).toHaveText(new RegExp(`^${PARIS_TIME}$`));
  await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1, name: "Firefox on macOS" })).toBeFocused();
  await expect(firefox.page).toHaveURL("/login", { timeout: 5_000 });
  await firefox.page.context().close();
});

test("this device's own page says so and has no Revoke; a stranger's id is no page", async ({ app, page }) => {
  await app.signUp(freshUser());
  const sessions: { id: string; current: boolean }[] = await (await page.request.get("/api/auth/sessions")).json();
  const mine = sessions.find((s) => s.current)!;
  await page.goto(`/profile/sessions/${mine.id}`);
  await expect(fact(page, "Status")).toHaveText("Signed in: this is the device you are using");
  await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
  await page.goto("/profile/sessions/not-a-session-of-yours");
  await expect(page.getByRole("heading", { level: 1, name: "No such session" })).toBeVisible();
});

test.describe("a device's page on a phone", () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test("fits the screen, one fact under another", async ({ app, page, browser }) => {
    const user = freshUser();
    user.email = `a-rather-long-name-${user.email}`;
    await app.signUp(user);
    const firefox = await firefoxOf(browser, user);
    await page.goto("/profile");
    await app.clientReady();
    await app.screenshot("devices-phone");
    await page.getByRole("link", { name: /^Firefox on macOS, .*: details$/ }).click();
    await expect(fact(page, "Status")).toHaveText("Signed in");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    expect(await seriousViolations(page), "axe on a session's page at 320 px").toEqual([]);
    await app.screenshot("session-details-phone");
    await firefox.page.context().close();
  });
});

test.describe("a device's page without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("shows the facts in UTC and revokes after its question", async ({ app, page, browser }) => {
    const user = freshUser();
    await app.signUp(user);
    const firefox = await firefoxOf(browser, user);
    await page.goto("/profile");
    await page.getByRole("link", { name: /^Firefox on macOS, .*: details$/ }).click();
    await expect(fact(page, "Signed in")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    await page.getByRole("button", { name: /^Revoke Firefox on macOS/ }).click();
    await expect(page).toHaveURL(/\/profile\/sessions\/[^/?]+\?confirm=revoke/);
    await page.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
    await expect(page).toHaveURL("/profile");
    await expect(app.toasts()).toContainText("Firefox on macOS has been signed out");
    await expectRecentlySignedOut(page, "Revoked from another device");
    await firefox.page.context().close();
  });
});

test("sessions of one browser are one device, each session revocable on its own", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const first = await firefoxOf(browser, user);
  const second = await firefoxOf(browser, user);
  await page.goto("/profile");
  await app.clientReady();
  const devices = page.getByRole("list", { name: "Signed-in devices" });
  const group = devices.getByRole("listitem", { name: "Firefox on macOS, 2 sessions" });
  await expect(group).toBeVisible();
  const sessions = group.getByRole("list", { name: "Sessions of Firefox on macOS" }).getByRole("listitem");
  await expect(sessions).toHaveCount(2);
  // Each row says when and from where, in its name too.
  for (const i of [0, 1]) {
    await expect(sessions.nth(i)).toHaveAccessibleName(new RegExp(`^Firefox on macOS, signed in ${PARIS_TIME} from \\S+$`));
    await expect(sessions.nth(i).getByRole("button", { name: /^Revoke Firefox on macOS/ })).toHaveCount(1);
  }
  await app.screenshot("devices-grouped");
  await sessions.first().getByRole("button", { name: /^Revoke/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke Firefox on macOS" }).click();
  await expect(app.toasts()).toContainText("Firefox on macOS has been signed out");
  // One session left: an ordinary row again.
  await expect(devices.getByRole("listitem", { name: "Firefox on macOS" })).toBeVisible();
  await expect(group).toHaveCount(0);
  await first.page.context().close();
  await second.page.context().close();
});
