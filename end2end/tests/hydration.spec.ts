import { test, expect } from "./fixtures";

// The build users get must start its client: a release wasm that fails to instantiate left
// every page inert once, with only a console error to show for it.
test("every page of the release build hydrates with an empty console", async ({ page }) => {
  for (const path of ["/", "/login", "/register"]) {
    await page.goto(path);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
  }
});
