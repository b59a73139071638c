import { test, expect, freshUser, App, User } from "./fixtures";
import type { Locator, Page } from "@playwright/test";

/** Signs up through the form, with a display name typed in its optional field. */
async function signUpNamed(app: App, user: User, displayName: string) {
  await app.page.goto("/register");
  await app.page.getByLabel("Email").fill(user.email);
  await app.page.getByLabel("Password").fill(user.password);
  await app.page.getByLabel("Display name").fill(displayName);
  await app.page.getByRole("button", { name: "Create account" }).click();
  await expect(app.header().getByText(user.email)).toBeVisible();
}

async function publish(page: Page, title: string) {
  await page.getByRole("button", { name: `Publish ${title}` }).click();
  await expect(page.getByRole("button", { name: `Unpublish ${title}` })).toBeVisible();
}

test("the public home names authors by their display name, never by their email", async ({ app, page, request, browser }) => {
  const user = freshUser();
  const name = `Writer ${Date.now().toString(36)}`;
  await signUpNamed(app, user, name);
  await page.goto("/dashboard");
  const title = `Signed ${Date.now()}`;
  await app.writeDraft(title, "a public post");
  await publish(page, title);

  // Signed out, in a fresh browser.
  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto("/");
  const post = visitor.getByRole("listitem").filter({ hasText: title });
  await expect(post).toContainText(`by ${name}`);
  await expect(visitor.locator("body")).not.toContainText(user.email);
  expect(await visitor.content()).not.toContain(user.email);
  await context.close();

  // The server's HTML (with its hydration data) and the public API carry no email either.
  const html = await (await request.get("/")).text();
  expect(html).toContain(name);
  expect(html).not.toContain(user.email);
  const api = await (await request.get("/api/posts/published")).text();
  expect(api).toContain(name);
  expect(api).not.toContain(user.email);

  // Signed in too: the author's own header shows their email, the posts do not.
  await page.goto("/");
  await expect(page.getByRole("main")).toContainText(`by ${name}`);
  await expect(page.getByRole("main")).not.toContainText(user.email);
});

test("without a display name, a neutral name is shown instead of the email", async ({ app, page, request }) => {
  const user = freshUser();
  await app.signUp(user);
  await page.goto("/dashboard");
  const title = `Unnamed ${Date.now()}`;
  await app.writeDraft(title, "by whom?");
  await publish(page, title);
  await page.goto("/");
  const post = page.getByRole("listitem").filter({ hasText: title });
  await expect(post).toContainText(/by Member [0-9a-f]{6}/);
  await expect(page.getByRole("main")).not.toContainText(user.email);
  expect(await (await request.get("/")).text()).not.toContain(user.email);
});

test.describe(() => {
  // The refusal is a 400, which Chromium logs.
  test.use({ allowedConsoleErrors: [/status of 400/] });

  test("a bad display name is refused with a clear message", async ({ page }) => {
    const user = freshUser();
    await page.goto("/register");
    // The client's own check, with the server's words (a plain post shows a generic one).
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByLabel("Display name").fill(user.email);
    await page.getByRole("button", { name: "Create account" }).click();
    // Beside the field, before anything is sent, in the server's own words (one rule).
    const field = page.getByLabel("Display name");
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await expect(field).toBeFocused();
    await expect(page.locator("#auth-display-name-error")).toContainText("may not contain @");
    await expect(page).toHaveURL("/register");
  });
});

test("a draft can be edited, published, unpublished and deleted after a confirmation", async ({ app, page }) => {
  await app.signUp(freshUser());
  await page.goto("/dashboard");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
  const stamp = Date.now();
  const [first, second] = [`First ${stamp}`, `Second ${stamp}`];
  await app.writeDraft(first, "one");
  await app.writeDraft(second, "two");
  // Each button names its post.
  await expect(page.getByRole("button", { name: `Publish ${first}` })).toHaveCount(1);
  await expect(page.getByRole("button", { name: `Delete ${second}` })).toHaveCount(1);

  await page.getByRole("link", { name: `Edit ${first}` }).click();
  await expect(page).toHaveURL(/\/dashboard\?edit=/);
  await expect(page.getByLabel("Title")).toBeFocused();
  await expect(page.getByLabel("Title")).toHaveValue(first);
  await expect(page.getByLabel("Body")).toHaveValue("one");
  const edited = `Edited ${stamp}`;
  await page.getByLabel("Title").fill(edited);
  await page.getByLabel("Body").fill("one, revised");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL("/dashboard");
  await expect(app.toasts()).toContainText("Changes saved");
  const list = page.getByRole("list", { name: "Your posts" });
  await expect(list).toContainText(edited);
  await expect(list).toContainText("one, revised");
  await expect(list).not.toContainText(first);

  await publish(page, edited);
  await page.getByRole("button", { name: `Unpublish ${edited}` }).click();
  await expect(app.toasts()).toContainText("Unpublished");
  await expect(page.getByRole("button", { name: `Publish ${edited}` })).toBeVisible();

  // Delete asks first; Cancel keeps the post.
  await page.getByRole("button", { name: `Delete ${edited}` }).click();
  const dialog = page.getByRole("dialog");
  // The question names the post it is about.
  await expect(dialog).toHaveAccessibleName(`Delete “${edited}”?`);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(list).toContainText(edited);

  await page.getByRole("button", { name: `Delete ${edited}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete post" }).click();
  await expect(app.toasts()).toContainText("Post deleted");
  await expect(list).not.toContainText(edited);
  await expect(list).toContainText(second);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a draft is edited and deleted with plain forms", async ({ app, page }) => {
    await app.signUp(freshUser());
    const title = `Plain ${Date.now()}`;
    await app.writeDraft(title, "no scripts");

    await page.getByRole("link", { name: `Edit ${title}` }).click();
    await expect(page.getByLabel("Title")).toHaveValue(title);
    const edited = `${title} (edited)`;
    await page.getByLabel("Title").fill(edited);
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page).toHaveURL("/dashboard");
    await expect(app.toasts()).toContainText("Changes saved");
    await expect(page.getByRole("list", { name: "Your posts" })).toContainText(edited);

    await page.getByRole("button", { name: `Publish ${edited}` }).click();
    await expect(app.toasts()).toContainText("Published");
    await page.getByRole("button", { name: `Unpublish ${edited}` }).click();
    await expect(app.toasts()).toContainText("Unpublished");

    // The question is a page of its own, rendered open by the server.
    await page.getByRole("button", { name: `Delete ${edited}` }).click();
    await expect(page).toHaveURL(/confirm=delete-post/);
    await page.getByRole("dialog").getByRole("button", { name: "Delete post" }).click();
    await expect(page).toHaveURL("/dashboard");
    await expect(app.toasts()).toContainText("Post deleted");
    await expect(page.getByText(edited)).toHaveCount(0);
  });
});

/** Whether two boxes on the screen overlap. */
function overlap(a: { x: number; y: number; width: number; height: number }, b: typeof a) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Fails if the toast covers any part of `control`. */
async function expectUncovered(toast: Locator, control: Locator, what: string) {
  const [t, c] = [await toast.boundingBox(), await control.boundingBox()];
  expect(t, "the toast is on the page").not.toBeNull();
  expect(c, `${what} is on the page`).not.toBeNull();
  expect(overlap(t!, c!), `the toast covers ${what}`).toBe(false);
}

for (const viewport of [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
]) {
  test.describe(`toasts at ${viewport.width} × ${viewport.height}`, () => {
    test.use({ viewport });

    test("the same notice twice is one toast, and no toast covers the focused button", async ({ app, page }) => {
      await app.signUp(freshUser());
      await page.goto("/dashboard");
      const stamp = Date.now();
      const body = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n");
      const titles = [`Oldest ${stamp}`, `Middle ${stamp}`, `Newest ${stamp}`];
      for (const title of titles) await app.writeDraft(title, body);

      const saved = app.toasts().locator(".toast").filter({ hasText: "Draft saved" });
      await expect(saved).toHaveCount(1);
      const save = page.getByRole("button", { name: "Save draft" });
      await expectUncovered(saved, save, "Save draft");

      // The oldest post's Publish at the very bottom of the screen, pressed by keyboard.
      const oldest = titles[0];
      const publishButton = page.getByRole("button", { name: `Publish ${oldest}` });
      await publishButton.evaluate((el) => el.scrollIntoView({ block: "end" }));
      await publishButton.focus();
      await page.keyboard.press("Enter");
      const unpublish = page.getByRole("button", { name: `Unpublish ${oldest}` });
      await expect(unpublish).toBeVisible();
      const published = app.toasts().locator(".toast").filter({ hasText: "Published" });
      await expect(published).toHaveCount(1);
      await expectUncovered(published, unpublish, `Unpublish ${oldest}`);
      const focused = page.locator(":focus");
      if ((await focused.count()) === 1) await expectUncovered(published, focused, "the focused control");
      // Nothing of the page is under it either: it is not laid over the page.
      const position = await published.evaluate((el) => getComputedStyle(el.parentElement!).position);
      expect(["static", "relative"]).toContain(position);
    });
  });
}
