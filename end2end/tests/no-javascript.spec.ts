import { test, expect, freshUser, authCookies, signedInDevice, User, AUTH_COOKIES } from "./fixtures";
import type { Browser, BrowserContext } from "@playwright/test";

// Every auth form is a real HTML form: with JavaScript off, each flow works as a plain post
// and the server answers with a redirect and a one-time notice.
test.use({ javaScriptEnabled: false });

/** `user` signed in on another browser that runs no scripts either. */
function signedInWithoutJavaScript(browser: Browser, user: User) {
  return signedInDevice(browser, user, { javaScriptEnabled: false });
}

/** Whether the server still accepts these cookies (a request with only them). */
async function serverAccepts(context: BrowserContext, cookies: { name: string; value: string }[]) {
  const header = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const res = await context.request.get("/api/auth/me", { headers: { cookie: header } });
  return res.status();
}

test("without JavaScript: create an account, write a draft, sign out", async ({ app, page, context }) => {
  const user = freshUser();
  await app.signUp(user);
  await expect(page).toHaveURL("/dashboard");

  const draft = `No-script draft ${Date.now()}`;
  await app.writeDraft(draft, "typed without any script");
  await expect(app.toasts()).toContainText("Draft saved");

  const cookies = await authCookies(context);
  expect(cookies.map((c) => c.name).sort()).toEqual(AUTH_COOKIES);
  await app.header().getByRole("button", { name: "Sign out" }).click();

  await expect(page).toHaveURL("/");
  await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(app.toasts()).toContainText("You have been signed out");
  expect(await authCookies(context)).toEqual([]);
  // Ended on the server, not only forgotten by this browser.
  expect(await serverAccepts(context, cookies)).toBe(401);
  await page.goto("/dashboard");
  await expect(page).toHaveURL("/login");
  await expect(page.getByText(draft)).toHaveCount(0);
});

test("without JavaScript: a refused display name is said under its field, which keeps it and has focus", async ({
  page,
}) => {
  const user = freshUser();
  await page.goto("/register");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByLabel("Display name").fill("noel@home");
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/register/);
  const name = page.getByLabel("Display name");
  await expect(name).toHaveValue("noel@home");
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toHaveAccessibleDescription(/may not contain @/);
  await expect(name).toBeFocused();
  await expect(page.getByLabel("Email")).toHaveValue(user.email);
  await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid", /.*/);
  // Said once, under the field: not again as a vague error for the whole form.
  await expect(page.getByRole("alert")).toHaveCount(0);

  // Put right, it goes through.
  await name.fill("Noel");
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL("/dashboard");
});

test("without JavaScript: a wrong password comes back as a page that keeps the email", async ({ app, page }) => {
  const user = freshUser();
  await app.signUp(user);
  await app.signOut();

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByRole("alert")).toContainText("Wrong email or password");
  await expect(page.getByLabel("Email")).toHaveValue(user.email);
  await expect(page.getByLabel("Password")).toHaveValue("");
  // The typed email is shown once, not on every later visit.
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toHaveValue("");

  await app.signIn(user);
  await expect(page).toHaveURL("/dashboard");
});

test("without JavaScript: sign out other devices, revoke a device, change the password", async ({
  app,
  page,
  browser,
}) => {
  const user = freshUser();
  await app.signUp(user);
  const second = await signedInWithoutJavaScript(browser, user);
  const secondCookies = await authCookies(second.context);
  const third = await signedInWithoutJavaScript(browser, user);
  const thirdCookies = await authCookies(third.context);

  // Revoke one device from the list.
  await page.goto("/profile");
  const devices = page.getByRole("list", { name: "Signed-in devices" });
  // Three sessions of one browser: one device, with a Revoke for each of the other two.
  const revokes = devices.getByRole("button", { name: /^Revoke / });
  await expect(revokes).toHaveCount(2);
  await revokes.first().click();
  // The question is a page of its own, naming the device; the answer a real post.
  await expect(page).toHaveURL(/confirm=revoke/);
  const revokeDialog = page.getByRole("dialog", { name: /^Revoke .+\?$/ });
  await expect(revokeDialog).toContainText("signed in");
  await revokeDialog.getByRole("button", { name: /^Revoke/ }).click();
  await expect(page).toHaveURL("/profile");
  await expect(app.toasts()).toContainText(/.+ has been signed out/);
  await expect(revokes).toHaveCount(1);

  // Sign out the other devices, after a confirmation that is a page of its own.
  await page.getByRole("button", { name: "Sign out other devices" }).click();
  await expect(page).toHaveURL(/confirm=sign-out-others/);
  await page.getByRole("dialog").getByRole("button", { name: "Sign out others" }).click();
  await expect(page).toHaveURL("/profile");
  await expect(app.toasts()).toContainText("Signed out 1 other device");
  await expect(revokes).toHaveCount(0);
  await expect(devices.getByRole("listitem")).toHaveCount(1);
  expect(await serverAccepts(second.context, secondCookies)).toBe(401);
  expect(await serverAccepts(third.context, thirdCookies)).toBe(401);
  await expect(app.header().getByText(user.email)).toBeVisible();

  // Change the password: this device stays, the new password works.
  await page.getByLabel("Current password").fill(user.password);
  await page.getByLabel("New password").fill("an entirely new passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(app.toasts()).toContainText("Password changed");
  await expect(app.header().getByText(user.email)).toBeVisible();
  // The new password is the one that works now.
  await app.signOut();
  await app.signIn({ email: user.email, password: "an entirely new passphrase" });
  await second.context.close();
  await third.context.close();
});

test("without JavaScript: sign out from all devices asks first and lands on the sign-in page", async ({
  app,
  page,
  context,
  browser,
}) => {
  const user = freshUser();
  await app.signUp(user);
  const phone = await signedInWithoutJavaScript(browser, user);
  const phoneCookies = await authCookies(phone.context);

  await page.goto("/profile");
  await page.getByRole("button", { name: "Sign out from all devices" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Sign out from all devices?");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(app.header().getByText(user.email)).toBeVisible();

  await page.getByRole("button", { name: "Sign out from all devices" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL("/login");
  await expect(app.toasts()).toContainText("signed out from all devices");
  expect(await authCookies(context)).toEqual([]);
  expect(await serverAccepts(phone.context, phoneCookies)).toBe(401);
  await phone.device.page.goto("/dashboard");
  await expect(phone.device.page).toHaveURL("/login");
  await phone.context.close();
});
