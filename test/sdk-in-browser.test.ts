import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./harness/chromium.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { ledgerEntries } from "./harness/observe.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The SDK's browser entry in a real browser (Debian's Chromium): a page
 * bundles sdk/browser.ts, builds its client with `createWebTransport`, reads
 * models, completes a chat, and leaves a slow stream after three pieces,
 * which cancels the RPC: the mock upstream sees the abort and the ledger
 * says cancelled, as in Node.
 */

const KEY = "sk-sdk-browser-0001";

/** The page's script: the SDK's browser entry, driven from `window.runSdk`. */
const APP = `
import { createLlmgwClient, createWebTransport, completeText, listModels, streamChatText, userMessage } from "./sdk/browser.ts";

window.runSdk = async (baseUrl, apiKey) => {
  const llmgw = createLlmgwClient(createWebTransport({ baseUrl, apiKey }));
  const models = (await listModels(llmgw)).map((m) => m.id);
  const unary = await completeText(llmgw, { model: "mock-small", messages: [userMessage("from the browser")] });
  const pieces = [];
  const slow = { model: "mock-small", messages: [userMessage("a long one")], extra: { mock: { itl_ms: 50, tokens: 200 } } };
  for await (const text of streamChatText(llmgw, slow)) {
    pieces.push(text);
    if (pieces.length === 3) break;
  }
  return { models, unary, pieces };
};
`;

describe("the SDK in a browser", () => {
  let gw: TestGateway;
  let page: { server: Server; url: string };
  useTestGateway({ config: { keys: [{ name: "web", key: KEY }] } }, (started) => {
    gw = started;
  });
  beforeAll(async () => {
    const bundle = await build({
      stdin: { contents: APP, resolveDir: join(import.meta.dirname, ".."), loader: "js" },
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
    });
    const script = bundle.outputFiles[0]?.text ?? "";
    const server = createServer((req, res) => {
      if (req.url === "/app.js") {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(script);
        return;
      }
      res.writeHead(200, { "content-type": "text/html" });
      res.end('<!doctype html><title>sdk</title><script type="module" src="/app.js"></script>');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    page = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
  });
  afterAll(async () => {
    await new Promise((resolve) => page?.server.close(resolve));
  });

  it("reads, completes, and cancels a stream when the page's loop breaks", async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      tab.on("pageerror", (error) => errors.push(error.message));
      await tab.goto(page.url);
      await tab.waitForFunction(
        () => typeof (window as unknown as { runSdk?: unknown }).runSdk === "function",
      );
      const result = (await tab.evaluate(
        ([url, key]) =>
          (window as unknown as { runSdk: (u: string, k: string) => Promise<unknown> }).runSdk(url, key),
        [gw.url, KEY] as const,
      )) as { models: string[]; unary: string; pieces: string[] };
      expect(result.models).toContain("mock:mock-small");
      expect(result.unary).toMatch(/^lorem ipsum/);
      expect(result.pieces.join("")).toBe("lorem ipsum dolor");

      expect((await gw.mock.waitForAbort(3000)).aborted).toBe(true);
      await expect
        .poll(async () => (await ledgerEntries(gw)).map((r) => r.status), { timeout: 3000, interval: 20 })
        .toContain("cancelled");
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
