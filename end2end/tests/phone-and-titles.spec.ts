import { test, expect, freshUser } from "./fixtures";

for (const width of [320, 390]) {
  test.describe(`on a phone ${width} px wide`, () => {
    test.use({ viewport: { width, height: width === 320 ? 640 : 844 } });

    test("every page fits the screen and Sign out is within reach", async ({ app, page }) => {
      // A long address is the worst case for the header.
      const user = freshUser();
      user.email = `a-rather-long-name-${user.email}`;
      await app.signUp(user);
      for (const path of ["/", "/dashboard", "/profile", "/profile?confirm=sign-out-everywhere"]) {
        await page.goto(path);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, `${path} is no wider than the screen`).toBeLessThanOrEqual(width);
        // One line: the brand and the Account button.
        const header = await app.header().boundingBox();
        expect(header!.height, `${path}: the header's height`).toBeLessThanOrEqual(64);
      }
      await page.goto("/profile");
      await app.clientReady();
      await app.openAccountMenu();
      for (const name of ["Dashboard", "Profile"]) {
        await expect(app.header().getByRole("link", { name })).toBeInViewport({ ratio: 1 });
      }
      await expect(app.header().getByText(user.email)).toBeInViewport({ ratio: 1 });
      await expect(app.header().getByRole("button", { name: "Sign out" })).toBeInViewport({ ratio: 1 });
      // A link of the menu leads there and closes the menu.
      await app.header().getByRole("link", { name: "Dashboard" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
      await expect(page.locator("#account-menu")).toBeHidden();
      await page.goto("/profile?confirm=sign-out-everywhere");
      // The confirmation's buttons are whole on the screen.
      for (const name of [/^Cancel$/, /^Sign out/]) {
        await expect(page.getByRole("dialog").getByRole("button", { name })).toBeInViewport({ ratio: 1 });
      }
      await page.goto("/profile");
      await app.signOut();
      expect((await app.header().boundingBox())!.height, "signed out, the header's height").toBeLessThanOrEqual(64);
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

test.describe("the Account menu on a phone", () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test("opens and closes by keyboard, and gives focus back to its button", async ({ app, page }) => {
    await app.signUp(freshUser());
    await page.goto("/profile");
    await app.clientReady();
    const account = app.header().getByRole("button", { name: "Account" });
    const menu = page.locator("#account-menu");
    await expect(menu).toBeHidden();
    // The brand first, then the button, then (open) the menu's own links.
    await page.locator("body").focus();
    await page.keyboard.press("Tab");
    await expect(app.header().getByRole("link", { name: "Signout home" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(account).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(menu).toBeVisible();
    await page.keyboard.press("Tab");
    await expect(app.header().getByRole("link", { name: "Dashboard" })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
    await expect(account).toBeFocused();
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("the menu opens and Sign out signs out", async ({ app, page }) => {
      const user = freshUser();
      await app.signUp(user);
      await page.goto("/dashboard");
      expect((await app.header().boundingBox())!.height).toBeLessThanOrEqual(64);
      await app.openAccountMenu();
      await expect(app.header().getByText(user.email)).toBeVisible();
      await app.header().getByRole("button", { name: "Sign out" }).click();
      await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
      await page.goto("/dashboard");
      await expect(page).toHaveURL(/\/login/);
    });
  });
});

for (const viewport of [{ width: 1280, height: 800 }, { width: 320, height: 640 }]) {
  test(`at ${viewport.width} px the sticky header never covers the control that has focus, Tab or Shift+Tab`, async ({
    app,
    page,
  }) => {
    await page.setViewportSize(viewport);
    await app.signUp(freshUser());
    await page.goto("/profile");
    await app.clientReady();
    await page.keyboard.press("End");
    const covered: string[] = [];
    for (const key of [...Array(40).fill("Shift+Tab"), ...Array(40).fill("Tab")]) {
      await page.keyboard.press(key);
      const hidden = await page.evaluate(() => {
        const focused = document.activeElement as HTMLElement | null;
        const header = document.querySelector("header.site-header");
        if (!focused || focused === document.body || !header || header.contains(focused) || focused.closest("dialog")) {
          return null;
        }
        const box = focused.getBoundingClientRect();
        if (box.height === 0) return null;
        return box.top < header.getBoundingClientRect().bottom ? focused.outerHTML.slice(0, 80) : null;
      });
      if (hidden) covered.push(`${key}: ${hidden}`);
    }
    expect(covered).toEqual([]);
  });
}
