import type { Page } from "playwright-core";

/**
 * Signs a tab in to the dashboard at `${url}/ui/` with `key`, and waits for
 * the shell's landing: signed in on no page, the shell replaces the empty
 * hash with its first page's. Until that replacement has happened a test's
 * own `goto("#/page")` can land first and then be overwritten by it, which
 * leaves the tab on the landing page, so a test that navigates next waits
 * for it here.
 */
export async function signIn(tab: Page, url: string, key: string): Promise<void> {
  await tab.goto(`${url}/ui/`);
  await tab.getByLabel("API key").fill(key);
  await tab.getByRole("button", { name: "Sign in" }).click();
  await tab.getByRole("button", { name: "Sign out" }).waitFor();
  await tab.waitForFunction(() => location.hash !== "");
}
