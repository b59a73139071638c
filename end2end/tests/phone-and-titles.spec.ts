import { test, expect, freshUser } from "./fixtures";

test.describe("on a phone-sized screen", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("every page fits the screen and Sign out is within reach", async ({ app, page }) => {
    const user = freshUser();
    await app.signUp(user);
    for (const path of ["/", "/dashboard", "/profile"]) {
      await page.goto(path);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${path} is no wider than the screen`).toBeLessThanOrEqual(390);
      await expect(app.header().getByRole("button", { name: "Sign out" })).toBeInViewport();
    }
    await app.signOut();
    for (const path of ["/", "/login", "/register"]) {
      await page.goto(path);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    }
  });
});

test("each page has a title of its own", async ({ app, page }) => {
  const titles = new Set<string>();
  for (const path of ["/", "/login", "/register"]) {
    await page.goto(path);
    titles.add(await page.title());
  }
  await app.signUp(freshUser());
  for (const path of ["/dashboard", "/profile"]) {
    await page.goto(path);
    titles.add(await page.title());
  }
  expect(titles.size).toBe(5);
});
