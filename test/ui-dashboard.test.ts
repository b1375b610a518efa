import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb } from "../web/build.ts";
import { launchChromium } from "./harness/chromium.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";
import { signIn } from "./harness/ui-sign-in.ts";

/**
 * The dashboard in a real browser: Debian's Chromium, headless, driving the
 * app as the gateway serves it (built here into a temporary folder), against
 * the real gateway in front of the mock upstream.
 */

const ADMIN = "sk-dash-admin-123456";
const READER = "sk-dash-reader-123456";
const SHOTS = join(import.meta.dirname, "..", "docs", "images");

let dist: string;
let browser: Browser;
/** Every console error and page error, from every tab: the suite ends by asserting there were none. */
const problems: string[] = [];

beforeAll(async () => {
  dist = (await buildWeb(mkdtempSync(join(tmpdir(), "llmgw-ui-dash-")))).outDir;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A new tab that records its console errors; `offline` lets the failed loads of a cut network through. */
async function openTab(width = 1360, height = 900, offline = false): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width, height }, acceptDownloads: true });
  tab.on("console", (message) => {
    if (message.type() !== "error") return;
    if (offline && message.text().includes("net::ERR_INTERNET_DISCONNECTED")) return;
    problems.push(`console: ${message.text()}`);
  });
  tab.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return tab;
}

/** Real traffic through the openai SDK: plain and streamed completions, some repeated (cache hits). */
async function traffic(gw: TestGateway, key: string, count: number): Promise<void> {
  const openai = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  for (let i = 0; i < count; i++) {
    const messages = [{ role: "user" as const, content: `question ${i % 4}: what is a gateway?` }];
    if (i % 2 === 0) {
      await openai.chat.completions.create({ model: "assistant", messages });
    } else {
      const stream = await openai.chat.completions.create({ model: "assistant", messages, stream: true });
      for await (const _chunk of stream);
    }
  }
}

describe("the dashboard in Chromium", () => {
  let gw: TestGateway;
  useTestGateway(
    {
      mock: { ttftMs: 30, itlMs: 4 },
      config: (mockUrl) => ({
        ui: { dir: dist },
        // Chromium and the gateway share a busy machine: the event-loop guard is not under test here.
        overload: { enabled: false },
        keys: [
          { name: "ops-admin", key: ADMIN, admin: true },
          { name: "app-reader", key: READER },
        ],
        providers: [
          {
            name: "local",
            base_url: `${mockUrl}/v1`,
            models: [{ id: "mock-small", pricing: { input: 0.2, output: 0.6 } }],
          },
          {
            name: "cloud",
            base_url: `${mockUrl}/v1`,
            models: [{ id: "mock-large", pricing: { input: 2.5, output: 10 } }],
          },
        ],
        routing: {
          health: { probe_interval_ms: 0 },
          models: [
            {
              name: "assistant",
              deployments: [
                {
                  id: "local-small",
                  provider: "local",
                  model: "mock-small",
                  weight: 3,
                  max_concurrency: 8,
                  max_queue: 16,
                },
                { id: "cloud-large", provider: "cloud", model: "mock-large", weight: 1 },
              ],
            },
          ],
        },
        budgets: {
          global: [
            { usd: 5, period: "day" },
            { usd: 100, period: "month" },
          ],
        },
        cache: { exact: { ttl_s: 600 } },
        audit: { enabled: true, flush_interval_ms: 100 },
      }),
    },
    (started) => {
      gw = started;
    },
  );

  it("signs in with a key kept in sessionStorage only, and signs out", async () => {
    const tab = await openTab();
    await signIn(tab, gw.url, ADMIN);
    expect(await tab.evaluate(() => sessionStorage.getItem("llmgw.key"))).toBe(ADMIN);
    expect(tab.url()).not.toContain(ADMIN);
    await expect(tab.locator(".who-name").textContent()).resolves.toBe("ops-admin");
    await tab.reload();
    await tab.getByRole("button", { name: "Sign out" }).click();
    await tab.getByLabel("API key").waitFor();
    expect(await tab.evaluate(() => sessionStorage.getItem("llmgw.key"))).toBeNull();
    await tab.close();
  });

  it("refuses a wrong key with a readable message", async () => {
    const tab = await openTab();
    await tab.goto(`${gw.url}/ui/`);
    await tab.getByLabel("API key").fill("sk-not-a-real-key-000");
    await tab.getByRole("button", { name: "Sign in" }).click();
    const alert = tab.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Your key was not accepted");
    expect(await alert.textContent()).not.toMatch(/[{}]/);
    await tab.close();
  });

  it("lands on the overview, whose live numbers change as requests are made", async () => {
    const tab = await openTab();
    await signIn(tab, gw.url, ADMIN);
    await tab.waitForURL(/#\/overview$/);
    await tab.getByText("live", { exact: true }).waitFor();
    const stat = (label: string) => tab.locator(`[data-stat="${label}"]`).textContent();
    const before = await stat("Today");
    await traffic(gw, ADMIN, 12);
    await expect.poll(() => stat("Request rate"), { timeout: 10_000 }).not.toBe("0.0/s");
    await expect.poll(() => stat("Latency p50"), { timeout: 10_000 }).toMatch(/ms$/);
    await expect.poll(() => stat("TTFT p50"), { timeout: 10_000 }).toMatch(/ms$/);
    await expect.poll(() => stat("Today"), { timeout: 10_000 }).not.toBe(before);
    await tab.locator(".table tbody tr", { hasText: "mock-small" }).first().waitFor();
    await tab.waitForTimeout(1200);
    await tab.screenshot({ path: join(SHOTS, "overview.png"), fullPage: true });
    // A hidden tab stops its live feed (the gateway stops sending it events), and a shown one resumes it.
    expect(gw.running.services.usageFeed.watching).toBe(true);
    const setHidden = (hidden: boolean) =>
      tab.evaluate((h) => {
        Object.defineProperty(document, "visibilityState", {
          value: h ? "hidden" : "visible",
          configurable: true,
        });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await setHidden(true);
    await expect.poll(() => gw.running.services.usageFeed.watching, { timeout: 5_000 }).toBe(false);
    await setHidden(false);
    await expect.poll(() => gw.running.services.usageFeed.watching, { timeout: 5_000 }).toBe(true);
    await tab.close();
  });

  it("shows the deployments with live health and latency charts", async () => {
    const openai = new OpenAI({ apiKey: ADMIN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 3; i++)
      await openai.chat.completions.create({
        model: "assistant",
        messages: [{ role: "user", content: `hi ${i}` }],
      });
    const tab = await openTab();
    await signIn(tab, gw.url, ADMIN);
    await tab.goto(`${gw.url}/ui/#/providers`);
    const row = tab.locator(".table tbody tr", { hasText: "local-small" }).first();
    // The page polls every 2 s; on a busy CI machine the first polls can take long. Say what the page
    // showed if the row never comes.
    await row.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      throw new Error(`no local-small row; the page said: ${await tab.locator("main").textContent()}`, {
        cause: error,
      });
    });
    expect(await row.textContent()).toContain("healthy");
    await tab.locator(".chart canvas").first().waitFor({ timeout: 60_000 });
    await tab.waitForTimeout(4500);
    await tab.screenshot({ path: join(SHOTS, "providers.png"), fullPage: true });
    await tab.close();
  }, 120_000);

  it("shows usage per day by model with a table, and exports it as CSV", async () => {
    await traffic(gw, READER, 3);
    const tab = await openTab();
    await signIn(tab, gw.url, ADMIN);
    await tab.goto(`${gw.url}/ui/#/analytics`);
    await tab.locator(".table tbody tr", { hasText: "mock-small" }).first().waitFor();
    await tab.getByLabel("Group by").selectOption("key");
    await tab.locator(".table tbody tr", { hasText: "app-reader" }).first().waitFor();
    const [file] = await Promise.all([
      tab.waitForEvent("download"),
      tab.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = await readFile((await file.path()) ?? "", "utf8");
    expect(csv.split("\r\n")[0]).toBe(
      "day,key,team,provider,model,requests,errors,prompt_tokens,completion_tokens,cost_usd,avg_latency_ms",
    );
    expect(csv).toMatch(
      /\r\n\d{4}-\d{2}-\d{2},app-reader,,[a-z]*,[a-z-]*,\d+,\d+,\d+,\d+,[\d.e-]+,[\d.]+\r\n/,
    );
    await tab.getByLabel("Group by").selectOption("model");
    await tab.waitForTimeout(600);
    await tab.screenshot({ path: join(SHOTS, "analytics.png"), fullPage: true });
    await tab.close();
  });

  it("finds a request in the audit log and opens it, with the request and answer as stored", async () => {
    const openai = new OpenAI({ apiKey: READER, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({
      model: "assistant",
      messages: [{ role: "user", content: "Where is the zebra-crossing-4417 audit marker?" }],
    });
    const tab = await openTab();
    await signIn(tab, gw.url, ADMIN);
    await tab.goto(`${gw.url}/ui/#/audit`);
    await tab.getByLabel("Search text").fill("zebra-crossing-4417");
    const rows = tab.locator(".table tbody tr");
    await expect
      .poll(
        async () => {
          await tab.getByRole("button", { name: "Search" }).click();
          await tab.waitForTimeout(300);
          return rows.count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    expect(await rows.first().textContent()).toContain("app-reader");
    await rows.first().getByRole("button").click();
    const stored = tab.locator("pre.stored").first();
    await stored.waitFor();
    expect(await stored.textContent()).toContain("zebra-crossing-4417");
    expect(tab.url()).toMatch(/#\/audit\/.+/);
    await tab.getByLabel("Search text").fill("");
    await tab.getByRole("button", { name: "Search" }).click();
    await tab.waitForTimeout(600);
    await tab.screenshot({ path: join(SHOTS, "audit.png"), fullPage: true });
    await tab.close();
  });

  it("shows cache stats and invalidates the cache", async () => {
    await traffic(gw, ADMIN, 6);
    const tab = await openTab();
    await signIn(tab, gw.url, ADMIN);
    await tab.goto(`${gw.url}/ui/#/cache`);
    const exact = tab.locator(".table tbody tr", { hasText: "exact" });
    await exact.waitFor();
    await tab.waitForTimeout(300);
    await tab.screenshot({ path: join(SHOTS, "cache.png"), fullPage: true });
    const entries = Number((await tab.locator('[data-stat="Entries"]').textContent())?.replaceAll(",", ""));
    expect(entries).toBeGreaterThan(0);
    await tab.getByLabel("Remove").selectOption("all");
    await tab.getByRole("button", { name: "Invalidate" }).click();
    const done = tab.getByRole("status").filter({ hasText: "Removed" });
    await done.waitFor();
    expect(await done.textContent()).toContain(`Removed ${entries}`);
    await expect.poll(() => tab.locator('[data-stat="Entries"]').textContent()).toBe("0");
    await tab.close();
  });

  it("hides admin pages from a non-admin key, and says so on an admin page's address", async () => {
    const tab = await openTab();
    await signIn(tab, gw.url, READER);
    const nav = await tab.getByRole("navigation", { name: "Pages" }).textContent();
    expect(nav).toContain("Overview");
    expect(nav).not.toContain("Audit");
    await tab.goto(`${gw.url}/ui/#/audit`);
    const alert = tab.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Admin only");
    await tab.goto(`${gw.url}/ui/#/cache`);
    await tab.locator('[data-stat="Entries"]').waitFor();
    expect(await tab.getByRole("button", { name: "Invalidate" }).count()).toBe(0);
    await tab.close();
  });

  it("shows a reconnecting state when the network goes, and recovers by itself", async () => {
    const tab = await openTab(1360, 900, true);
    await signIn(tab, gw.url, ADMIN);
    await tab.goto(`${gw.url}/ui/#/providers`);
    await tab.locator(".table tbody tr").first().waitFor();
    await tab.context().setOffline(true);
    const banner = tab.locator(".banner", { hasText: "Reconnecting…" });
    await banner.waitFor({ timeout: 10_000 });
    await tab.context().setOffline(false);
    await banner.waitFor({ state: "detached", timeout: 10_000 });
    await tab.close();
  });

  it("works in a narrow window", async () => {
    const tab = await openTab(380, 800);
    await signIn(tab, gw.url, READER);
    await tab.goto(`${gw.url}/ui/#/providers`);
    await tab.locator(".table tbody tr").first().waitFor();
    const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await tab.close();
  });

  it("showed no console error and no page error on any page", () => {
    expect(problems).toEqual([]);
  });
});
