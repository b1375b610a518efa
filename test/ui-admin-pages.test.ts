import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { AuthenticationError } from "openai";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb } from "../web/build.ts";
import { launchChromium } from "./harness/chromium.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";
import { signIn } from "./harness/ui-sign-in.ts";

/**
 * The Keys, Routing and Playground pages in a real browser: Debian's
 * Chromium, headless, driving the app as the gateway serves it, against the
 * real gateway in front of the mock upstream, with the `openai` SDK as the
 * application that uses the keys the page makes.
 */

const ADMIN = "sk-pages-admin-123456";
const READER = "sk-pages-reader-123456";
const SHOTS = join(import.meta.dirname, "..", "docs", "images");
const LOCAL = "vllm:llama-3.1-8b-instruct";

let dist: string;
let browser: Browser;
/** Every console error and page error, from every tab: the suite ends by asserting there were none. */
const problems: string[] = [];

beforeAll(async () => {
  dist = (await buildWeb(mkdtempSync(join(tmpdir(), "llmgw-ui-pages-")))).outDir;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function openTab(url: string, hash: string, width = 1360, height = 900, key = ADMIN): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width, height } });
  // Under the test's own timeout, so that a step that never completes fails naming itself.
  tab.setDefaultTimeout(15_000);
  tab.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  tab.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  tab.on("response", (r) => {
    if (r.status() >= 400) problems.push(`response ${r.status()} ${r.url()}`);
  });
  await signIn(tab, url, key);
  await tab.goto(`${url}/ui/#/${hash}`);
  return tab;
}

/** A whole-page screenshot from the top, so the sticky top bar sits where it belongs. */
async function shoot(tab: Page, name: string): Promise<void> {
  await tab.evaluate(() => window.scrollTo(0, 0));
  await tab.screenshot({ path: join(SHOTS, name), fullPage: true });
}

/** Two providers in front of the one mock, and two routed models: `chat` (weighted, falls back to `smart`). */
function gatewayConfig(mockUrl: string) {
  const priced = (id: string, input: number, output: number, context: number) => ({
    id,
    pricing: { input, output },
    context_window: context,
    supports_tools: true,
    supports_json_mode: true,
  });
  return {
    ui: { dir: dist },
    keys: [
      { name: "ops-admin", key: ADMIN, admin: true },
      { name: "app-reader", key: READER },
    ],
    providers: [
      {
        name: "vllm",
        base_url: `${mockUrl}/v1`,
        discover: false,
        models: [priced("llama-3.1-8b-instruct", 0.05, 0.1, 131_072)],
      },
      {
        name: "together",
        base_url: `${mockUrl}/v1`,
        discover: false,
        models: [
          priced("llama-3.1-8b-instruct", 0.18, 0.18, 131_072),
          priced("qwen2.5-72b-instruct", 0.9, 0.9, 32_768),
        ],
      },
    ],
    routing: {
      models: [
        {
          name: "chat",
          strategy: "weighted",
          deployments: [
            { provider: "vllm", model: "llama-3.1-8b-instruct", weight: 3, tags: ["local"], quality: 0.62 },
            { provider: "together", model: "llama-3.1-8b-instruct", weight: 1, quality: 0.62 },
          ],
          fallbacks: ["smart"],
        },
        {
          name: "smart",
          strategy: "latency",
          deployments: [{ provider: "together", model: "qwen2.5-72b-instruct", quality: 0.88 }],
        },
      ],
    },
  };
}

describe("the Keys, Routing and Playground pages in Chromium", () => {
  let gw: TestGateway;
  useTestGateway(
    // A slow token rate, so a stream's answer visibly grows.
    { mock: { tokens: 40, itlMs: 30 }, config: (mockUrl) => gatewayConfig(mockUrl) },
    (started) => {
      gw = started;
    },
  );

  it("creates a key whose secret works from the openai SDK, edits it, then revokes it and the SDK is refused", async () => {
    const tab = await openTab(gw.url, "keys");
    await tab.getByRole("button", { name: "New key" }).click();
    await tab.getByLabel("Name").fill("search-app");
    await tab.getByLabel("Owner").fill("ana@example.com");
    await tab.getByLabel("Team").fill("search");
    await tab.getByLabel("Models", { exact: false }).first().fill("chat, smart");
    await tab.getByLabel("Own budgets", { exact: false }).check();
    await tab.getByLabel("USD per day").fill("5");
    await tab.getByRole("button", { name: "Create key" }).click();
    const secretField = tab.getByTestId("new-key-secret");
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^sk-llmgw-/);
    expect(await tab.locator(".secret-once").textContent()).toContain("never show it again");

    const app = new OpenAI({ apiKey: secret, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const answer = await app.chat.completions.create({
      model: "chat",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]?.message.content).not.toBe("");

    await tab.getByRole("button", { name: "I have saved it" }).click();
    const row = tab.locator('tr[data-key="search-app"]');
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain("$5.00 a day");
    expect(await row.textContent()).toContain("models: chat, smart");

    // Edit: a new team and a rate limit, through UpdateKey.
    await tab.getByRole("button", { name: "Edit search-app" }).click();
    await tab.getByLabel("Team").fill("ranking");
    await tab.getByLabel("Own limits", { exact: false }).check();
    await tab.getByRole("button", { name: "Add a rule" }).click();
    await tab.getByRole("group", { name: "Limit rule 1" }).getByLabel("Requests").fill("120");
    await tab.getByRole("button", { name: "Save changes" }).click();
    await tab.getByText("Saved the changes to “search-app”").waitFor();
    // The list is read again after the save.
    await expect.poll(() => row.textContent()).toContain("team ranking");
    expect(await row.textContent()).toContain("120 requests / 1m");

    // A second key, so the list looks like a gateway in use.
    await tab.getByRole("button", { name: "New key" }).click();
    await tab.getByLabel("Name").fill("batch-jobs");
    await tab.getByLabel("Owner").fill("data-platform");
    await tab.getByRole("button", { name: "Create key" }).click();
    await tab.getByTestId("new-key-secret").waitFor();
    await tab.getByRole("button", { name: "I have saved it" }).click();
    await tab.locator('tr[data-key="batch-jobs"]').waitFor();
    await tab.getByRole("button", { name: "Edit search-app" }).click();
    await tab.getByRole("button", { name: "Save changes" }).waitFor();
    await shoot(tab, "keys.png");
    await tab.getByRole("button", { name: "Cancel" }).click();

    await tab.getByRole("button", { name: "Revoke search-app" }).click();
    const dialog = tab.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("cannot be restored");
    await dialog.getByRole("button", { name: "Revoke key" }).click();
    await tab.getByText("Revoked “search-app”").waitFor();
    await row.waitFor({ state: "detached" });

    await expect(
      app.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    await tab.close();
  });

  it("changes a weight with its slider, saves, and the explain box's scores change", async () => {
    const tab = await openTab(gw.url, "routing");
    const explainer = tab.getByRole("region", { name: "Explain a route" });
    await explainer.getByLabel("Model").selectOption("chat");
    await explainer.getByLabel("Prompt").fill("Summarise this support ticket in one line.");
    const score = explainer.locator(`tr[data-deployment="${LOCAL}"] [data-testid="candidate-score"]`);

    await explainer.getByRole("button", { name: "Explain" }).click();
    await expect.poll(() => score.textContent()).toContain("0.750");

    const slider = tab.getByLabel(`Weight of chat ${LOCAL}`);
    await slider.fill("1");
    await tab.getByText("Unsaved changes").waitFor();
    await tab.getByRole("button", { name: "Save routing" }).click();
    await tab.getByText("Saved. The new routing is in force.").waitFor();

    await explainer.getByRole("button", { name: "Explain" }).click();
    await expect.poll(() => score.textContent()).toContain("0.500");
    expect(await explainer.getByTestId("explain-serving").textContent()).not.toBe("");
    // The gateway has it too, not only the page.
    const routing = await fetch(`${gw.url}/llmgw.v1.RoutingService/GetRoutingConfig`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: "{}",
    }).then((r) => r.json());
    expect(routing.config.models[0].deployments[0].weight).toBe(1);

    // A value the gateway refuses: its own words, readable, and nothing changes.
    await tab.getByLabel(`Context window of chat ${LOCAL}, tokens`).fill("0");
    await tab.getByLabel(`Context window of chat ${LOCAL}, tokens`).press("Tab");
    await tab.getByRole("button", { name: "Save routing" }).click();
    const refusal = tab.getByRole("alert");
    await refusal.waitFor();
    const said = (await refusal.textContent()) ?? "";
    expect(said).toContain("Not saved");
    expect(said).toContain("nothing was changed");
    expect(said).toContain("models[0].deployments[0].context_window");
    expect(said).not.toMatch(/[{}]/);
    await tab.getByRole("button", { name: "Discard" }).click();
    await refusal.waitFor({ state: "detached" });

    // Back to 3 for the screenshot, and a virtual model's explanation, which scores quality.
    await slider.fill("3");
    await tab.getByRole("button", { name: "Save routing" }).click();
    await tab.getByText("Saved. The new routing is in force.").waitFor();
    await explainer.getByLabel("Model").selectOption("auto");
    await explainer.getByRole("button", { name: "Explain" }).click();
    await explainer.getByTestId("explain-serving").waitFor();
    await shoot(tab, "routing.png");
    await tab.close();
  });

  it("streams a playground answer token by token, and Stop aborts the stream upstream", async () => {
    const tab = await openTab(gw.url, "playground");
    await tab.getByLabel("Model", { exact: true }).selectOption("chat");
    await tab
      .getByLabel("Prompt", { exact: true })
      .fill("Explain in two sentences what an LLM gateway does.");
    await tab.getByRole("button", { name: "Run", exact: true }).click();
    const panel = tab.locator('section.run[data-model="chat"]');
    await panel.waitFor();
    // Sample the answer's length as it streams: it grows in several steps, not all at once.
    const lengths: number[] = await tab.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const seen: number[] = [];
          const timer = setInterval(() => {
            const run = document.querySelector('section.run[data-model="chat"]');
            const text = run?.querySelector('[data-testid="answer"]')?.textContent ?? "";
            if (seen.at(-1) !== text.length) seen.push(text.length);
            if (run?.getAttribute("data-status") !== "streaming") {
              clearInterval(timer);
              resolve(seen);
            }
          }, 15);
        }),
    );
    const growing = lengths.filter((n) => n > 0);
    expect(growing.length).toBeGreaterThan(2);
    for (let i = 1; i < growing.length; i++) expect(growing[i]).toBeGreaterThan(growing[i - 1] ?? 0);
    expect(await panel.getAttribute("data-status")).toBe("done");
    expect(await panel.getByTestId("run-deployment").textContent()).toMatch(/llama-3\.1-8b-instruct/);
    expect(await panel.getByTestId("run-tokens").textContent()).toMatch(/\d+ in · 40 out/);
    expect(await panel.getByTestId("run-cost").textContent()).toMatch(/^\$/);
    expect(await panel.getByTestId("run-ttft").textContent()).toMatch(/ms|s$/);

    // Stop: the RPC is aborted and the gateway aborts the upstream request.
    gw.mock.reset();
    await tab.getByRole("button", { name: "Run", exact: true }).click();
    await expect
      .poll(async () => (await panel.getByTestId("answer").textContent())?.length ?? 0)
      .toBeGreaterThan(10);
    await tab.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => panel.getAttribute("data-status")).toBe("stopped");
    await gw.mock.waitForAbort(3000);
    await tab.close();
  });

  it("compares two models side by side, both streaming at once", async () => {
    const tab = await openTab(gw.url, "playground");
    await tab.getByLabel("Compare models side by side").check();
    await tab.getByLabel("Model 1").selectOption("chat");
    await tab.getByLabel("Model 2").selectOption("smart");
    await tab.getByLabel("Prompt", { exact: true }).fill("Write a haiku about load balancing.");
    await tab.getByRole("button", { name: "Run all" }).click();
    const chat = tab.locator('section.run[data-model="chat"]');
    const smart = tab.locator('section.run[data-model="smart"]');
    // Both are streaming at the same moment: neither waits for the other.
    await tab.waitForFunction(
      () =>
        [...document.querySelectorAll("section.run")].filter(
          (run) =>
            run.getAttribute("data-status") === "streaming" &&
            (run.querySelector('[data-testid="answer"]')?.textContent ?? "").length > 5,
        ).length === 2,
    );
    await expect.poll(() => chat.getAttribute("data-status"), { timeout: 10_000 }).toBe("done");
    await expect.poll(() => smart.getAttribute("data-status"), { timeout: 10_000 }).toBe("done");
    expect(await smart.getByTestId("run-deployment").textContent()).toContain("qwen2.5-72b-instruct");
    expect(await chat.getByTestId("answer").textContent()).not.toBe("");
    await shoot(tab, "playground.png");
    await tab.close();
  });

  it("shows a key that is not an admin key the routing read-only, and no Keys page", async () => {
    const tab = await openTab(gw.url, "routing", 1360, 900, READER);
    await tab.getByText("Read only: saving needs an admin key.").waitFor();
    expect(await tab.getByRole("button", { name: "Save routing" }).count()).toBe(0);
    expect(await tab.getByLabel(`Weight of chat ${LOCAL}`).isDisabled()).toBe(true);
    expect(await tab.getByRole("navigation").getByRole("link", { name: "Keys" }).count()).toBe(0);
    await tab.goto(`${gw.url}/ui/#/keys`);
    await tab.getByText("Admin only.").waitFor();
    await tab.close();
  });

  it("fits a narrow window: no page scrolls sideways (wide tables scroll inside their card)", async () => {
    for (const page of ["routing", "keys", "playground"]) {
      const tab = await openTab(gw.url, page, 380, 800);
      await tab.locator(".page").waitFor();
      await tab.locator(".card").first().waitFor();
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, page).toBeLessThanOrEqual(0);
      if (page === "routing") await shoot(tab, "routing-narrow.png");
      await tab.close();
    }
  }, 60_000);

  it("showed no console error and no page error on any page", () => {
    expect(problems).toEqual([]);
  });
});
