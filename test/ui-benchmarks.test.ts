import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb } from "../web/build.ts";
import {
  BENCH_ADMIN,
  BENCH_USER,
  benchmarkLedgerPath,
  startBenchmarkGateway,
} from "./harness/benchmark-gateway.ts";
import { launchChromium } from "./harness/chromium.ts";
import type { TestGateway } from "./harness/start-gateway.ts";
import { signIn } from "./harness/ui-sign-in.ts";

/**
 * The Benchmarks page in a real browser (Debian's Chromium, headless), as the gateway serves it,
 * against the real gateway in front of the mock: a two-model run started from the page goes to
 * completion, and its results table shows.
 */

const SHOTS = join(import.meta.dirname, "..", "docs", "images");

let browser: Browser;
let gw: TestGateway;
const problems: string[] = [];

beforeAll(async () => {
  const dist = (await buildWeb(mkdtempSync(join(tmpdir(), "llmgw-ui-bench-")))).outDir;
  gw = await startBenchmarkGateway(benchmarkLedgerPath(), { ui: { dir: dist } });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

async function openTab(width = 1360, height = 900): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width, height } });
  tab.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  tab.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return tab;
}

describe("the Benchmarks page in Chromium", () => {
  it("runs a two-model benchmark to completion and shows the results table", async () => {
    const tab = await openTab();
    await signIn(tab, gw.url, BENCH_ADMIN);
    await tab.goto(`${gw.url}/ui/#/benchmarks`);
    await tab.getByRole("heading", { name: "New run" }).waitFor();
    await tab.getByLabel("smart", { exact: true }).check();
    await tab.getByLabel("plain", { exact: true }).check();
    await expect.poll(() => tab.getByText("2 models × 14 tasks = 28 requests").count()).toBe(1);
    await tab.getByRole("button", { name: "Start run" }).click();
    const progress = tab.getByRole("progressbar", { name: "Run progress" });
    await progress.waitFor();
    await expect
      .poll(() => progress.getAttribute("aria-valuenow"), { timeout: 30_000, interval: 100 })
      .toBe("28");
    await tab.locator(".card", { hasText: "Results" }).getByText("finished").first().waitFor();
    const summary = tab.locator("table.bench-summary tbody tr");
    await expect.poll(() => summary.count()).toBe(2);
    const smart = summary.filter({ hasText: "smart" });
    const plain = summary.filter({ hasText: "plain" });
    expect(await smart.textContent()).toContain("best");
    // Knowledge: smart's "C" is right for two of the five questions.
    expect(await smart.locator("td").nth(1).textContent()).toContain("40%");
    expect(await plain.locator("td").nth(1).textContent()).toContain("0%");
    // Real latency, TTFT and cost, not dashes.
    for (const cell of await smart.locator("td.num").allTextContents()) expect(cell).not.toBe("–");
    expect(await tab.locator("table.bench-tasks tbody tr").count()).toBe(14);
    await tab.locator("table", { hasText: "View results" }).getByText("finished").waitFor();
    await tab.waitForTimeout(300);
    await tab.screenshot({ path: join(SHOTS, "benchmarks.png"), fullPage: true });
    await tab.close();
  });

  it("lets a key that is not an admin read the results, but not start a run", async () => {
    const tab = await openTab();
    await signIn(tab, gw.url, BENCH_USER);
    await tab.goto(`${gw.url}/ui/#/benchmarks`);
    await tab.getByText("Only admin keys can start a benchmark run").waitFor();
    expect(await tab.getByRole("button", { name: "Start run" }).count()).toBe(0);
    await expect.poll(() => tab.locator("table.bench-summary tbody tr").count(), { timeout: 10_000 }).toBe(2);
    await tab.close();
  });

  it("works in a narrow window", async () => {
    const tab = await openTab(380, 800);
    await signIn(tab, gw.url, BENCH_ADMIN);
    await tab.goto(`${gw.url}/ui/#/benchmarks`);
    await tab.locator("table.bench-summary tbody tr").first().waitFor();
    const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await tab.close();
  });

  it("showed no console error and no page error", () => {
    expect(problems).toEqual([]);
  });
});
