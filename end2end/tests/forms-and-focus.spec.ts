import { Page } from "@playwright/test";
import { test, expect, freshUser, signedInDevice } from "./fixtures";

async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
}

/** The text of the elements an input names in `aria-describedby`. */
async function description(page: Page, label: string) {
  return page.getByLabel(label, { exact: true }).evaluate((input) =>
    (input.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? `(missing #${id})`)
      .join(" | "),
  );
}

test("a short new password is refused beside its field, before anything is sent", async ({ page }) => {
  await page.goto("/register");
  await hydrated(page);
  const posts: string[] = [];
  page.on("request", (r) => r.method() === "POST" && posts.push(r.url()));
  const password = page.getByLabel("Password", { exact: true });
  // The rule stands under the field from the start, tied to it.
  expect(await description(page, "Password")).toContain("At least 8 characters");
  await page.getByLabel("Email").fill(freshUser().email);
  await password.fill("seven77");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toBeFocused();
  expect(await description(page, "Password")).toContain("must have at least 8 characters");
  await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid", /.*/);
  expect(posts, "nothing was sent").toEqual([]);
  // Typing again clears the error; a good password goes through.
  await password.fill("eight888");
  await expect(password).not.toHaveAttribute("aria-invalid", /.*/);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test("a bad email address is refused beside its field", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  const email = page.getByLabel("Email");
  await email.fill("grace at example");
  await page.getByLabel("Password").fill("whatever it is");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(email).toBeFocused();
  expect(await description(page, "Email")).toContain("valid email address");
});

test.describe(() => {
  // The refusal is a 409, which Chromium logs.
  test.use({ allowedConsoleErrors: [/status of 409 \(Conflict\)/] });

  test("an address already in use is said beside the email field", async ({ app, page }) => {
    const user = freshUser();
    await app.signUp(user);
    await app.signOut();
    await page.goto("/register");
    await hydrated(page);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    expect(await description(page, "Email")).toContain("already exists");
  });
});

test("a wrong password leaves an empty password field, focused for another try", async ({ app, page }) => {
  const user = freshUser();
  await app.signUp(user);
  await app.signOut();
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Wrong email or password");
  await expect(page.getByLabel("Password")).toHaveValue("");
  await expect(page.getByLabel("Password")).toBeFocused();
  // The next person at this browser sees nothing of the last one after a sign-out.
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await app.signOut();
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toHaveValue("");
});

test("the sign-in card sits in the middle of the page", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/login");
  const card = await page.locator("form.auth-form").boundingBox();
  expect(card).not.toBeNull();
  const left = card!.x;
  const right = 1280 - (card!.x + card!.width);
  expect(Math.abs(left - right), `left ${left}, right ${right}`).toBeLessThanOrEqual(16);
});

test("a route change moves focus to the new page's heading", async ({ app, page }) => {
  await page.goto("/");
  await hydrated(page);
  await app.header().getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeFocused();
  await app.header().getByRole("link", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Create account" })).toBeFocused();
});

test("the first visit to a page whose code comes later still puts focus on its heading", async ({ app, page }) => {
  const user = freshUser();
  // Straight after signing up: the client goes to /dashboard, whose piece is not yet here.
  await app.signUp(user);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeFocused();
  // /profile, for the first time in this page load: its piece is fetched now.
  await app.header().getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeFocused();
  // And the next Tab goes into the page, not back to the logo.
  await page.keyboard.press("Tab");
  const inHeader = await page.evaluate(() => !!document.activeElement?.closest("header"));
  expect(inHeader, "the Tab after the heading stays in the page").toBe(false);
});

test("after Save draft, Publish and Delete, focus stays where the user was", async ({ app, page }) => {
  await app.signUp(freshUser());
  await page.goto("/dashboard");
  await app.clientReady();
  const focusedTag = () => page.evaluate(() => document.activeElement?.tagName);

  await page.getByLabel("Title").fill("Focus kept");
  await page.getByLabel("Body").fill("Saved by keyboard.");
  await page.getByRole("button", { name: "Save draft" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("list", { name: "Your posts" })).toContainText("Focus kept");
  await expect(page.getByRole("button", { name: "Save draft" })).toBeFocused();

  await page.getByRole("button", { name: "Publish Focus kept" }).focus();
  await page.keyboard.press("Enter");
  await expect(app.toasts()).toContainText("Published");
  await expect(page.getByRole("button", { name: "Unpublish Focus kept" })).toBeFocused();

  await page.getByRole("button", { name: "Delete Focus kept" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("dialog").getByRole("button", { name: "Delete post" }).click();
  await expect(page.getByRole("list", { name: "Your posts" })).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 2, name: "Your posts" })).toBeFocused();
  expect(await focusedTag()).not.toBe("BODY");
});

test("after signing out the other devices, focus goes to the Devices heading", async ({ app, page, browser }) => {
  const user = freshUser();
  await app.signUp(user);
  const other = await signedInDevice(browser, user);
  await page.goto("/profile");
  await app.clientReady();
  await page.getByRole("button", { name: "Sign out other devices" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Sign out others" }).click();
  await expect(app.toasts()).toContainText("Signed out 1 other device");
  await expect(page.getByRole("button", { name: "Sign out other devices" })).toBeDisabled();
  await expect(page.getByRole("heading", { level: 2, name: "Devices" })).toBeFocused();
  await other.context.close();
});
