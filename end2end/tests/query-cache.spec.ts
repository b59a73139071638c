import { test, expect, freshUser, App } from "./fixtures";
import type { Page } from "@playwright/test";

/** Counts the reads of `path` (a server function's) from now on. */
function countReads(page: Page, path: string) {
  const reads = { count: 0 };
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === path) reads.count += 1;
  });
  return reads;
}

/** Leaves the dashboard and comes back through the header's links, as a user does. */
async function awayAndBack(app: App) {
  await app.header().getByRole("link", { name: "Profile" }).click();
  await expect(app.page).toHaveURL("/profile");
  await app.header().getByRole("link", { name: "Dashboard" }).click();
  await expect(app.page).toHaveURL("/dashboard");
}

test("a page shown again is answered by the query cache, and a sign-out empties it", async ({ app, page }) => {
  const user = freshUser();
  const draft = `Cached plan ${Date.now()}`;
  await app.signUp(user);
  await app.writeDraft(draft, "kept in memory, not asked again");

  const reads = countReads(page, "/api/posts/mine");
  await awayAndBack(app);
  await expect(page.getByRole("list", { name: "Your posts" })).toContainText(draft);
  expect(reads.count, "the list came from the cache").toBe(0);

  // A full load: the server's render brings the list, and the browser keeps that answer.
  await page.reload();
  await app.clientReady();
  reads.count = 0;
  await awayAndBack(app);
  await expect(page.getByRole("list", { name: "Your posts" })).toContainText(draft);
  expect(reads.count, "the server's answer was kept").toBe(0);

  // Signing out forgets everything, the public list too: the home page it lands on (in
  // place, without a reload) reads it again, though it was cached a moment before.
  const publicReads = countReads(page, "/api/posts/published");
  await app.header().getByRole("link", { name: "Signout" }).click();
  await expect(page).toHaveURL("/");
  await app.header().getByRole("link", { name: "Dashboard" }).click();
  await expect(page).toHaveURL("/dashboard");
  const beforeSignOut = publicReads.count;
  await app.signOut();
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { name: "Latest posts" })).toBeVisible();
  await expect.poll(() => publicReads.count, { message: "read again after the sign-out" }).toBeGreaterThan(beforeSignOut);
});
