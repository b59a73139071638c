import { test, expect, freshUser, signedInDevice, linkInMail, readableMail } from "./fixtures";

// The reset link is read from the mail the server sent to the suite's SMTP server.
test.skip(!readableMail, "needs the suite's SMTP server (release-suite.mjs)");

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("forgot the password: a mailed link sets a new one and ends every other session", async ({ app, page, browser }) => {
      const user = freshUser();
      await app.signUp(user);
      // Another device, still signed in when the password is reset.
      const { context: other } = await signedInDevice(browser, user, { javaScriptEnabled });
      expect((await other.request.get("/api/auth/me")).status()).toBe(200);
      await app.signOut();

      await page.goto("/login");
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await expect(page).toHaveURL("/forgot-password");
      await page.getByLabel("Email").fill(user.email);
      await page.getByRole("button", { name: "Send the link" }).click();
      await expect(page).toHaveURL("/login");
      await expect(app.toasts()).toContainText("If an account has this address");

      const link = await linkInMail(user.email, "Set a new password", "/reset-password");
      await page.goto(link);
      await page.getByLabel("New password", { exact: true }).fill("an entirely new passphrase");
      await page.getByRole("button", { name: "Set the new password" }).click();
      await expect(page).toHaveURL("/dashboard");
      await expect(app.toasts()).toContainText("Your new password is set");
      await expect(app.header().getByText(user.email)).toBeVisible();

      // The session this browser had before is over; the link is used up.
      expect((await other.request.get("/api/auth/me")).status()).toBe(401);
      await page.goto(link);
      await expect(page.getByRole("alert")).toContainText("This link no longer works");
      await other.close();

      await app.signOut();
      await app.signIn({ email: user.email, password: "an entirely new passphrase" });
    });
  });
}
