#!/usr/bin/env node
// Pictures of every page at a desktop size (1280 × 800) and a phone size (390 × 844), on
// the release build, into docs/screenshots/: for people to check by eye and for the
// README. Not a test: it fails only when a page cannot be reached.
//
//   node end2end/scripts/screenshots.mjs   (after `make build`; `make screenshots` does both)
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { chromiumOptions, root, startReleaseServer } from "./release-server.mjs";

const PORT = Number(process.env.SCREENSHOTS_PORT ?? 3198);
const outDir = join(root, "docs/screenshots");
const sizes = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};
// The second device, so that the devices list has another row to show.
const phoneUserAgent =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const laptopUserAgent =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0";
const user = { name: "Grace Hopper", email: "grace@example.com", password: "correct horse battery" };

mkdirSync(outDir, { recursive: true });
const server = await startReleaseServer(PORT);
const browser = await chromium.launch(chromiumOptions);
try {
  await seed();
  for (const [sizeName, viewport] of Object.entries(sizes)) {
    await signedOutPages(sizeName, viewport);
    await signedInPages(sizeName, viewport);
  }
  console.log(`pictures written to ${outDir}`);
} finally {
  await browser.close();
  server.stop();
}

/** One author with a published post and a draft, signed in on a second device too. */
async function seed() {
  const page = await newPage(sizes.desktop);
  await page.goto("/register");
  await hydrated(page);
  const name = page.getByLabel("Display name");
  if (await name.count()) await name.fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("**/dashboard");
  await hydrated(page);
  for (const [title, body] of [
    ["What signing out should mean", "The server forgets the session at once, on every device you choose."],
    ["A private draft", "Only its author can read this until it is published."],
  ]) {
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Body").fill(body);
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("list", { name: "Your posts" }).getByRole("heading", { name: title }).waitFor();
  }
  await page.getByRole("listitem").filter({ hasText: "What signing out" })
    .getByRole("button", { name: /^Publish/ }).click();
  await page.getByRole("listitem").filter({ hasText: "What signing out" })
    .getByRole("button", { name: /^Unpublish/ }).waitFor();
  await page.context().close();
  // Two sessions of the same phone (the list groups them), and a laptop that signed in and
  // out again (under "Recently signed out").
  for (let i = 0; i < 2; i++) {
    const phone = await newPage(sizes.phone, phoneUserAgent);
    await signIn(phone);
    await phone.context().close();
  }
  const laptop = await newPage(sizes.desktop, laptopUserAgent);
  await signIn(laptop);
  await laptop.getByRole("button", { name: "Sign out" }).click();
  await laptop.getByRole("link", { name: "Sign in" }).waitFor();
  await laptop.context().close();
}

async function signedOutPages(sizeName, viewport) {
  const page = await newPage(viewport);
  for (const [name, path] of [["home", "/"], ["sign-in", "/login"], ["create-account", "/register"], ["not-found", "/no-such-page"]]) {
    await page.goto(path);
    await shoot(page, `${name}-${sizeName}`);
  }
  // A form showing its errors beside the fields.
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Email").fill("grace at example");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await shoot(page, `create-account-errors-${sizeName}`);
  await page.context().close();
}

async function signedInPages(sizeName, viewport) {
  const page = await newPage(viewport);
  await signIn(page);
  for (const [name, path] of [["dashboard", "/dashboard"], ["profile", "/profile"], ["home-signed-in", "/"]]) {
    await page.goto(path);
    await shoot(page, `${name}-${sizeName}`);
  }
  // "Recently signed out", open.
  await page.goto("/profile");
  await hydrated(page);
  await page.getByText(/^Recently signed out/).click();
  await shoot(page, `profile-recently-signed-out-${sizeName}`);
  // A device's own page.
  const sessions = await (await page.request.get("/api/auth/sessions")).json();
  const phoneSession = sessions.find((s) => s.device === "Safari on iPhone");
  await page.goto(`/profile/sessions/${phoneSession.id}`);
  await shoot(page, `session-details-${sizeName}`);
  if (sizeName === "phone") {
    // The header's Account menu, open.
    await page.getByRole("button", { name: "Account" }).click();
    await page.locator("#account-menu").waitFor();
    await shoot(page, "account-menu-phone", false);
  }
  await page.goto("/profile");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign out from all devices" }).click();
  await page.getByRole("dialog").waitFor();
  await shoot(page, `sign-out-everywhere-${sizeName}`, false);
  await page.context().close();
}

async function newPage(viewport, userAgent) {
  const context = await browser.newContext({ viewport, baseURL: server.url, userAgent });
  return context.newPage();
}

async function signIn(page) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/dashboard");
}

async function hydrated(page) {
  await page.waitForSelector("html[data-hydrated]");
}

async function shoot(page, name, fullPage = true) {
  await hydrated(page);
  // Let toasts and transitions settle, so the picture shows the page at rest.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage });
}
