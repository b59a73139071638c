import { test, expect, freshUser, authCookies, App, AUTH_COOKIES } from "./fixtures";

test("signing out leaves nothing behind: no storage, no cookies, nothing behind Back", async ({ app, page, context }) => {
  const user = freshUser();
  const draft = `Private plan ${Date.now()}`;
  await page.goto("/");
  await app.signUp(user);
  await app.writeDraft(draft, "nobody else may read this");
  await page.evaluate(() => sessionStorage.setItem("signout:scratch", "work in progress"));
  // Everything the sign-out must remove is really there first.
  expect((await app.storage()).appKeys).toContain("signout:user");
  expect((await app.storage()).sessionEntries).toBe(1);
  expect((await authCookies(context)).map((c) => c.name).sort()).toEqual(AUTH_COOKIES);
  await app.screenshot("header-signed-in", app.header());
  await app.screenshot("dashboard");

  // Leave the dashboard through a link, so that it stays in the history behind us.
  await app.header().getByRole("link", { name: "Profile" }).click();
  await expect(page).toHaveURL("/profile");
  await app.signOut();

  await expect(page).toHaveURL("/");
  await expect(app.toasts()).toContainText("You have been signed out");
  await expect(app.toasts()).not.toContainText("Draft saved");
  await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
  const after = await app.storage();
  expect(after.appKeys).toEqual([]);
  expect(after.sessionEntries).toBe(0);
  expect(after.documentCookie).not.toMatch(/access_token|refresh_token/);
  expect(await authCookies(context)).toEqual([]);
  await app.screenshot("after-sign-out");

  // Back goes to the dashboard's history entry: the guard sends us to /login, and the
  // draft never shows.
  await page.goBack();
  await expect(page).toHaveURL("/login");
  await expect(page.getByText(draft)).toHaveCount(0);
  await expect(app.header().getByText(user.email)).toHaveCount(0);
});

test("the next user at the same browser never sees the last one's drafts, not for one frame", async ({ app, page }) => {
  const alice = freshUser();
  const bob = freshUser();
  const secret = `Alice secret ${Date.now()}`;
  await page.goto("/");
  await app.signUp(bob);
  await app.signOut();
  await app.header().getByRole("link", { name: "Create account" }).click();
  await page.getByLabel("Email").fill(alice.email);
  await page.getByLabel("Password").fill(alice.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await app.writeDraft(secret, "for Alice only");
  await app.signOut();
  await expect(page.getByText(secret)).toHaveCount(0);

  // From here on, record every DOM change in which Alice's draft is present.
  await page.evaluate((secret) => {
    const w = window as unknown as { leaks: number };
    w.leaks = 0;
    new MutationObserver(() => {
      if (document.body.textContent?.includes(secret)) w.leaks += 1;
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  }, secret);

  // Bob signs in in the same page, without a reload.
  await app.header().getByRole("link", { name: "Sign in" }).click();
  await page.getByLabel("Email").fill(bob.email);
  await page.getByLabel("Password").fill(bob.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/dashboard");
  await expect(app.header().getByText(bob.email)).toBeVisible();
  await app.writeDraft("Bob's own draft", "hello");
  await expect(page.getByText(secret)).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { leaks: number }).leaks)).toBe(0);
});

test("signing out in one tab signs out the other within a second, without a reload", async ({ app, page, context }) => {
  const user = freshUser();
  await app.signUp(user);
  const other = new App(await context.newPage());
  await other.page.goto("/dashboard");
  await expect(other.header().getByText(user.email)).toBeVisible();
  await other.page.evaluate(() => ((window as unknown as { marker: string }).marker = "no reload"));

  await app.signOut();
  await expect(other.header().getByRole("link", { name: "Sign in" })).toBeVisible({ timeout: 1000 });
  await expect(other.page).toHaveURL("/");
  expect(await other.page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("no reload");
});

test.describe("when the server cannot be reached during sign-out", () => {
  test.use({ allowedConsoleErrors: [/net::ERR_FAILED/] });

  test("the local sign-out completes, a reload stays signed out, and the revocation reaches the server later", async ({
    app,
    page,
    context,
    browser,
  }) => {
    const user = freshUser();
    await app.signUp(user);
    const cookiesBefore = await authCookies(context);
    await page.route("**/api/auth/web/logout", (route) => route.abort());

    await app.signOut();
    await expect(page).toHaveURL("/");
    await expect(app.toasts()).toContainText("You have been signed out");
    await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
    expect((await app.storage()).appKeys).toEqual([]);

    // The HttpOnly cookies survived (the server never answered), but they count for nothing.
    await page.reload();
    await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
    await page.goto("/dashboard");
    await expect(page).toHaveURL("/login");

    // The server is back: the pending sign-out is retried, and the session really ends.
    await page.unroute("**/api/auth/web/logout");
    await expect.poll(async () => (await authCookies(context)).length, { timeout: 10_000 }).toBe(0);
    const replay = await browser.newContext();
    await replay.addCookies(cookiesBefore);
    const me = await replay.request.get("/api/auth/me");
    expect(me.status()).toBe(401);
    await replay.close();
  });
});
