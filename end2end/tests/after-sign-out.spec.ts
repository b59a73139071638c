import { test, expect, freshUser } from "./fixtures";

test("after a sign-out no request goes out with the ended session, not even after Back", async ({ app, page }) => {
  const user = freshUser();
  await app.signUp(user);
  await app.header().getByRole("link", { name: "Profile" }).click();
  await expect(page).toHaveURL("/profile");

  // Every answer that refused this browser's credentials from the click on Sign out on.
  const refused: string[] = [];
  page.on("response", (res) => {
    if (res.status() === 401) refused.push(new URL(res.url()).pathname);
  });
  const pushRequests: string[] = [];
  await app.signOut();
  page.on("request", (req) => {
    if (new URL(req.url()).pathname === "/api/auth/events") pushRequests.push(req.url());
  });
  await page.goBack();
  await expect(page).toHaveURL("/login");
  // An EventSource that was not closed reconnects about 3 s after its stream ends; this
  // waits out that retry, since what is checked is that nothing happens.
  await page.waitForTimeout(4_000);
  expect(pushRequests).toEqual([]);
  expect(refused).toEqual([]);
});
