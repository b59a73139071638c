import { test, expect, freshUser } from "./fixtures";

test("a new user signs up, sees their email in the header, and signs out", async ({ app, page }) => {
  const user = freshUser();
  await app.signUp(user);
  await expect(app.header().getByRole("button", { name: "Sign out" })).toBeVisible();

  await app.signOut();
  await expect(page).toHaveURL("/");
  await expect(app.toasts()).toContainText("You have been signed out");
  await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(app.header().getByText(user.email)).toHaveCount(0);
});

test("a wrong password shows an error and signs nobody in", async ({ app, page }) => {
  const user = freshUser();
  await app.signUp(user);
  await app.signOut();

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Wrong email or password");
  await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
});
