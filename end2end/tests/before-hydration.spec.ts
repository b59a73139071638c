import { test, expect, freshUser, authCookies } from "./fixtures";

// The client may never start (a slow connection, a blocked download): the forms still work,
// because each is a real HTML form that the server answers as a plain post.
test.use({ allowedConsoleErrors: [/Failed to load resource|fetch|WebAssembly|wasm/i] });

test("with the WASM download blocked, a user can still sign in and sign out", async ({ app, page, context }) => {
  const user = freshUser();
  await app.signUp(user);
  await app.signOut();

  await context.route("**/*.wasm", (route) => route.abort());
  await page.goto("/login");
  // Nothing waits for the client: the button is enabled from the first paint.
  await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/dashboard");
  await expect(app.header().getByText(user.email)).toBeVisible();
  const cookies = await authCookies(context);

  await app.header().getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL("/");
  await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(app.toasts()).toContainText("You have been signed out");
  expect(await authCookies(context)).toEqual([]);
  const header = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  expect((await context.request.get("/api/auth/me", { headers: { cookie: header } })).status()).toBe(401);
});
