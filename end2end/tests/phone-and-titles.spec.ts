import { test, expect, freshUser } from "./fixtures";

for (const width of [320, 390]) {
  test.describe(`on a phone ${width} px wide`, () => {
    test.use({ viewport: { width, height: 844 } });

    test("every page fits the screen and Sign out is within reach", async ({ app, page }) => {
      // A long address is the worst case for the header.
      const user = freshUser();
      user.email = `a-rather-long-name-${user.email}`;
      await app.signUp(user);
      for (const path of ["/", "/dashboard", "/profile", "/profile?confirm=sign-out-everywhere"]) {
        await page.goto(path);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, `${path} is no wider than the screen`).toBeLessThanOrEqual(width);
        await expect(app.header().getByRole("button", { name: "Sign out" })).toBeInViewport({ ratio: 1 });
      }
      // The confirmation's buttons are whole on the screen.
      for (const name of [/^Cancel$/, /^Sign out/]) {
        await expect(page.getByRole("dialog").getByRole("button", { name })).toBeInViewport({ ratio: 1 });
      }
      await page.goto("/profile");
      await app.signOut();
      for (const path of ["/", "/login", "/register"]) {
        await page.goto(path);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(width);
      }
    });
  });
}

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
