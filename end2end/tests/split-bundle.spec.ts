import { Page } from "@playwright/test";
import { test, expect, freshUser } from "./fixtures";

// The release bundle is split (`cargo leptos --split`): `/dashboard` and `/profile` are pieces
// of their own, fetched when the page is first shown. These tests need the split build that
// `make test` runs them on.

/** The wasm files the page asked for, by name without the content hash. */
function wasmRequests(page: Page): string[] {
  const names: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) names.push(path.replace(/^\/pkg\//, "").replace(/\.[A-Za-z0-9_-]{22}\.wasm$/, ""));
  });
  return names;
}

const devicesDialog = (page: Page) => page.getByRole("dialog", { name: /sign out from all devices/i });

/** The profile's own client code runs: its confirmation opens as a modal and closes. */
async function expectProfileClientWorks(page: Page) {
  await page.getByRole("button", { name: "Sign out from all devices" }).click();
  await expect(devicesDialog(page)).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(devicesDialog(page)).toBeHidden();
}

test("a public page loads only the main bundle; a page of its own fetches its piece when first shown", async ({ page, app }) => {
  const wasm = wasmRequests(page);
  await page.goto("/login");
  await app.clientReady();
  expect(wasm, "/login needs the main wasm and nothing else").toEqual(["signout"]);

  await app.signUp(freshUser()); // ends on /dashboard, in the client
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  expect(wasm).toContain("split_dashboard_page");
  expect(wasm).not.toContain("split_profile_page");

  await app.header().getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  expect(wasm).toContain("split_profile_page");
  await expectProfileClientWorks(page);
  // Each piece once: one the two pages share is not fetched again.
  const pieces = wasm.filter((name) => name !== "signout");
  expect(new Set(pieces).size, `requested: ${wasm.join(", ")}`).toBe(pieces.length);
});

test("a first visit straight to a page of its own preloads its piece and hydrates", async ({ page, app }) => {
  await app.signUp(freshUser());
  // The server names each such page's pieces, so the browser fetches them beside the main bundle.
  for (const [path, piece] of [["/dashboard", "split_dashboard_page"], ["/profile", "split_profile_page"]]) {
    const link = (await page.request.get(path)).headers()["link"] ?? "";
    expect(link, `Link header of ${path}`).toMatch(new RegExp(`</pkg/${piece}\\.[A-Za-z0-9_-]{22}\\.wasm>; rel=preload; as=fetch`));
  }
  expect((await page.request.get("/login")).headers()["link"]).toBeUndefined();

  const fresh = await page.context().newPage();
  await fresh.goto("/profile");
  await expect(fresh.locator("html")).toHaveAttribute("data-hydrated", "", { timeout: 15_000 });
  await expectProfileClientWorks(fresh);
  await fresh.close();
});

test.describe("when a piece cannot be fetched (the site was deployed again since the tab opened)", () => {
  // One pattern: an array of two would be read as Playwright's [value, options] pair.
  test.use({
    allowedConsoleErrors: [/status of 404|WebAssembly|MIME type|the code of \/profile could not be fetched/],
  });

  test("the link still leads to the page, which the server sends whole, and its forms work", async ({ page, app }) => {
    await app.signUp(freshUser());
    await page.goto("/");
    await app.clientReady();
    // What a tab opened before a deploy meets: the piece it knows by name is gone.
    await page.route(/\/pkg\/split_profile_page\./, (route) => route.fulfill({ status: 404, body: "gone" }));
    await page.evaluate(() => ((window as unknown as { before: boolean }).before = true));
    const gaveUp = page.waitForEvent("console", {
      predicate: (message) => /the code of \/profile could not be fetched/.test(message.text()),
      timeout: 15_000,
    });

    await app.header().getByRole("link", { name: "Profile" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
    // A new document: the browser loaded the page, rather than a client that had stopped.
    expect(await page.evaluate(() => (window as unknown as { before?: boolean }).before)).toBeUndefined();

    // The piece is still missing, so this page is not hydrated (nor reloaded in a loop),
    // and it works as plain HTML: signing out is a form post.
    await gaveUp;
    await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "");
    await app.header().getByRole("button", { name: "Sign out" }).click();
    await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
  });
});
