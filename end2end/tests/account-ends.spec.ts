import { test, expect, freshUser, authCookies, signedInDevice, grantAdmin, agePasswords, ownServer, App, seriousViolations } from "./fixtures";

// These run the server's own subcommand and reach its database: only against the release
// server that `release-suite.mjs` started (`make test-e2e`).
test.skip(!ownServer, "needs the suite's own release server");
// A refused password or a stale one is answered 403 (the dialog shows it); a page that is
// not there, 404. Chromium logs both.
test.use({ allowedConsoleErrors: [/status of 40[34]/], bypassCSP: true });

async function deleteAccount(app: App, password: string, keepPosts = false) {
  const page = app.page;
  await page.goto("/profile");
  await app.clientReady();
  const form = page.getByRole("form", { name: "Delete account" });
  await expect(form).toContainText("This deletes the account");
  if (keepPosts) await form.getByLabel("Keep my published posts up").check();
  await form.getByLabel("Your password, to confirm").fill(password);
  await form.getByRole("button", { name: /^Delete the account / }).click();
}

test("delete the account: every session ends, the browser is signed out, the email is free", async ({ app, page, context, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const { context: phoneContext, device: phone } = await signedInDevice(browser, user);
  await phone.page.goto("/dashboard");

  await deleteAccount(app, user.password);
  await expect(page).toHaveURL("/");
  await expect(app.toasts()).toContainText("Your account has been deleted");
  expect(await authCookies(context)).toEqual([]);
  // The other device is told at once, by its push channel.
  await expect(phone.page).toHaveURL("/login", { timeout: 2_000 });

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Wrong email or password");
  // The address can make a new account.
  await app.signUp(user);
  await phoneContext.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("delete the account with a plain form", async ({ app, page, context }) => {
    const user = freshUser();
    await app.signUp(user);
    await deleteAccount(app, "not the password");
    await expect(page.getByRole("alert")).toContainText("The current password is not correct");
    expect((await authCookies(context)).length).toBe(2);

    await deleteAccount(app, user.password);
    await expect(page).toHaveURL("/");
    await expect(app.toasts()).toContainText("Your account has been deleted");
    expect(await authCookies(context)).toEqual([]);
  });

  test("a stale password is asked for on a page of its own, then the action is sent again", async ({ app, page, browser }) => {
    const user = freshUser();
    await app.signUp(user);
    const { context: phoneContext } = await signedInDevice(browser, user, { javaScriptEnabled: false });
    agePasswords(user.email);

    await page.goto("/profile");
    await page.getByRole("button", { name: "Sign out other devices" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out others" }).click();
    await expect(page).toHaveURL("/reauthenticate?then=/profile");
    await page.getByLabel("Password", { exact: true }).fill(user.password);
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page).toHaveURL("/profile");
    await expect(app.toasts()).toContainText("Password confirmed");

    await page.getByRole("button", { name: "Sign out other devices" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out others" }).click();
    await expect(app.toasts()).toContainText("Signed out 1 other device");
    expect((await phoneContext.request.get("/api/auth/me")).status()).toBe(401);
    await phoneContext.close();
  });
});

test("a stale password is asked for in place, then the action carries on", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const { context: phoneContext } = await signedInDevice(browser, user);
  agePasswords(user.email);

  await page.goto("/profile");
  await app.clientReady();
  await page.getByRole("button", { name: "Sign out other devices" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Sign out others" }).click();
  const ask = page.getByRole("dialog", { name: "Enter your password again" });
  await expect(ask).toBeVisible();
  await ask.getByLabel("Password").fill("not the password");
  await ask.getByRole("button", { name: "Confirm" }).click();
  await expect(ask.getByRole("alert")).toContainText("not your password");
  await ask.getByLabel("Password").fill(user.password);
  await ask.getByRole("button", { name: "Confirm" }).click();
  await expect(ask).toBeHidden();
  await expect(app.toasts()).toContainText("Signed out 1 other device");
  expect((await phoneContext.request.get("/api/auth/me")).status()).toBe(401);
  await phoneContext.close();
});

test("an administrator ends a user's sessions while the user has the dashboard open", async ({ app, page, browser }) => {
  const admin = freshUser();
  await app.signUp(admin);
  grantAdmin(admin.email);
  const user = freshUser();
  const userContext = await browser.newContext();
  const userApp = new App(await userContext.newPage());
  await userApp.signUp(user);
  await expect(userApp.page).toHaveURL("/dashboard");

  await page.goto(`/admin?email=${encodeURIComponent(user.email)}`);
  await app.clientReady();
  await expect(app.header().getByRole("link", { name: "Admin" })).toBeVisible();
  await page.getByRole("button", { name: `End sessions of ${user.email}` }).click();
  await expect(app.toasts()).toContainText("Ended 1 session(s) of the user");

  await expect(userApp.page).toHaveURL("/login", { timeout: 2_000 });
  await expect(userApp.toasts()).toContainText("Your session has ended");
  await userContext.close();

  // The page reads well, on a desktop and on a phone.
  for (const viewport of [{ width: 1280, height: 800 }, { width: 320, height: 640 }]) {
    await page.setViewportSize(viewport);
    await page.goto(`/admin?email=${encodeURIComponent(user.email)}`);
    await app.clientReady();
    await expect(page.getByRole("list", { name: "Accounts found" })).toContainText(user.email);
    expect(await seriousViolations(page), `axe on /admin at ${viewport.width} px`).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "no sideways scrolling").toBeLessThanOrEqual(0);
  }
});

test("the admin page does not exist for anyone else", async ({ app, page }) => {
  const user = freshUser();
  await app.signUp(user);
  const res = await page.goto("/admin");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(app.header().getByRole("link", { name: "Admin" })).toHaveCount(0);
});
