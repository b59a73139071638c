import { test, expect, freshUser, App } from "./fixtures";
import type { Page } from "@playwright/test";

/** Counts the reads of the user's own posts (the `my_posts` server function) from now on. */
function countPostReads(page: Page) {
  const reads = { count: 0 };
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/posts/mine") reads.count += 1;
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

  const reads = countPostReads(page);
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

  // Signing out forgets everything: the same user signing in again reads the list anew.
  await app.signOut();
  await app.signIn(user);
  await expect(page.getByRole("list", { name: "Your posts" })).toContainText(draft);
  expect(reads.count, "read again after the sign-out").toBeGreaterThan(0);
});
