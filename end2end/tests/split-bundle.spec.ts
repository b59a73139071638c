import { createHash } from "node:crypto";
import { Page } from "@playwright/test";
import { test, expect, freshUser } from "./fixtures";

// The release bundle is split (`cargo leptos --split`): `/dashboard` and `/profile` are pieces
// of their own, fetched when the page is first shown. These tests need the split build that
// `make test` runs them on; `make test-e2e-debug` (not split) says so, and they are skipped.
test.skip(!!process.env.UNSPLIT_BUILD, "the build is not split");

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
  const preload = (piece: string) =>
    new RegExp(`</pkg/${piece}\\.[A-Za-z0-9_-]{22}\\.wasm>; rel=preload; as=fetch; type="application/wasm"; crossorigin`);
  for (const [path, piece] of [["/dashboard", "split_dashboard_page"], ["/profile", "split_profile_page"]]) {
    const link = (await page.request.get(path)).headers()["link"] ?? "";
    expect(link, `Link header of ${path}`).toMatch(preload(piece));
    expect(link, `Link header of ${path}`).toMatch(preload("chunk_\\d+"));
  }
  // A public page has no pieces to preload.
  expect((await page.request.get("/login")).headers()["link"]).toBeUndefined();

  const fresh = await page.context().newPage();
  const errors: string[] = [];
  fresh.on("console", (message) => {
    if (message.type() === "error" || /preload/i.test(message.text())) errors.push(message.text());
  });
  await fresh.goto("/profile");
  await expect(fresh.locator("html")).toHaveAttribute("data-hydrated", "", { timeout: 15_000 });
  await expectProfileClientWorks(fresh);
  // Each piece was fetched once: the loader took the preloaded response.
  const fetched = await fresh.evaluate(() =>
    performance.getEntriesByType("resource").map((entry) => new URL(entry.name).pathname).filter((p) => p.endsWith(".wasm")),
  );
  expect(new Set(fetched).size, `fetched: ${fetched.join(", ")}`).toBe(fetched.length);
  expect(fetched.some((p) => p.includes("split_profile_page"))).toBe(true);
  expect(errors, "no console error or preload warning").toEqual([]);
  await fresh.close();
});

test.describe("when a piece cannot be fetched (the site was deployed again since the tab opened)", () => {
  // One pattern: an array of two would be read as Playwright's [value, options] pair.
  test.use({
    allowedConsoleErrors: [/status of 404|WebAssembly.: HTTP status code is not ok|the code of \/profile could not be fetched/],
  });

  test("the link still leads to the page, which the server sends whole, and its links and forms work", async ({ page, app }) => {
    await app.signUp(freshUser());
    await page.goto("/");
    await app.clientReady();
    // What a tab opened before a deploy meets: the piece it knows by name is gone.
    await page.route(/\/pkg\/split_profile_page\./, (route) => route.fulfill({ status: 404, body: "gone" }));
    await page.evaluate(() => ((window as unknown as { before: boolean }).before = true));
    const gaveUp = () =>
      page.waitForEvent("console", {
        predicate: (message) => /the code of \/profile could not be fetched/.test(message.text()),
        timeout: 15_000,
      });
    let stopped = gaveUp();

    await app.header().getByRole("link", { name: "Profile" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
    // A new document: the browser loaded the page, rather than a client that had stopped.
    expect(await page.evaluate(() => (window as unknown as { before?: boolean }).before)).toBeUndefined();

    // The piece is still missing, so the client leaves this page alone (no hydration, no
    // reload loop), and it is plain HTML: its links are links...
    await stopped;
    await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "");
    await app.header().getByRole("link", { name: "Dashboard" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();

    // ...and its forms are forms: signing out is a plain post.
    stopped = gaveUp();
    await page.goto("/profile");
    await stopped;
    await app.header().getByRole("button", { name: "Sign out" }).click();
    await expect(app.header().getByRole("link", { name: "Sign in" })).toBeVisible();
  });
});

// Every file under /pkg/ has a hash-shaped name, but in a split build cargo-leptos names the
// main js and wasm before it writes the split loader's name into them: the same name can mean
// new bytes after a deploy. Cached for good, a returning visitor's old main js would import a
// loader that is gone, and the client would not start on any page. `make build` renames the
// main wasm after its bytes (tools/content-names.mjs); the main js cannot be (it and the
// loader name each other), so it is revalidated.
test("a bundle file is cached for good only if its name is the hash of its bytes", async ({ request }) => {
  const get = async (path: string) => {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    return { body: await response.body(), cache: response.headers()["cache-control"] };
  };
  const html = (await get("/login")).body.toString();
  const main = [...html.matchAll(/href="(\/pkg\/signout\.[A-Za-z0-9_-]{22}\.(?:js|wasm))"/g)].map((m) => m[1]);
  expect(main).toHaveLength(2);
  const mainJs = (await get(main.find((p) => p.endsWith(".js"))!)).body.toString();
  const loader = `/pkg/${mainJs.match(/__wasm_split\.[A-Za-z0-9_-]{22}\.js/)![0]}`;
  const pieces = [...(await get(loader)).body.toString().matchAll(/(?:split_[a-z_]+|chunk_\d+)\.[A-Za-z0-9_-]{22}\.wasm/g)].map(
    (m) => `/pkg/${m[0]}`,
  );
  expect(pieces.length).toBeGreaterThanOrEqual(2);

  const kept: string[] = [];
  for (const path of [...main, loader, ...pieces]) {
    const { body, cache } = await get(path);
    const named = path.match(/\.([A-Za-z0-9_-]{22})\.(?:js|wasm)$/)![1];
    if (cache === "public, max-age=31536000, immutable") {
      expect(createHash("md5").update(body).digest("base64url"), `${path} is kept for good`).toBe(named);
      kept.push(path);
    } else {
      expect(cache, path).toBe("no-cache");
      // Revalidated: a browser that has it gets a 304, not the file again.
      const first = await request.get(path);
      const again = await request.get(path, { headers: { "if-modified-since": first.headers()["last-modified"] } });
      expect(again.status(), `${path} revalidated`).toBe(304);
    }
  }
  // The main wasm (the largest file), the loader and the pieces are named by their bytes,
  // so they are kept.
  const mainWasm = main.find((p) => p.endsWith(".wasm"))!;
  expect(kept).toEqual(expect.arrayContaining([mainWasm, loader, ...pieces]));
});
