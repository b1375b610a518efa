import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./harness/chromium.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

const KEY = "sk-browser-123456";

/** Serves one page and the bundled connect-web client, from an origin other than the gateway's. */
async function servePage(script: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(script);
      return;
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end('<!doctype html><title>llmgw</title><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe("a browser calling the gateway with connect-web", () => {
  let gw: TestGateway;
  let page: { server: Server; url: string };
  useTestGateway({ config: { keys: [{ name: "web", key: KEY }] } }, (started) => {
    gw = started;
  });
  beforeAll(async () => {
    const bundle = await build({
      entryPoints: ["test/browser/grpc-web-app.ts"],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
    });
    page = await servePage(bundle.outputFiles[0]?.text ?? "");
  });
  afterAll(async () => {
    await new Promise((resolve) => page?.server.close(resolve));
  });

  it("completes and streams over gRPC-Web and Connect across origins, and sees auth errors", async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      await tab.goto(page.url);
      await tab.waitForFunction(() => typeof window.runLlmgw === "function");
      const results = await tab.evaluate(([url, key]) => window.runLlmgw(url, key), [gw.url, KEY] as const);
      for (const protocol of ["grpc-web", "connect"]) {
        const result = results[protocol];
        expect(result?.unary).toMatch(/^lorem ipsum/);
        expect(result?.stream).toBe(result?.unary);
        expect(result?.lastEvent).toBe("usage");
        expect(result?.provider).toBe("mock");
        expect(result?.badKeyCode).toBe("Unauthenticated");
      }
    } finally {
      await browser.close();
    }
  });

  it("watches live usage over gRPC-Web: an event arrives within 100 ms of a request's end", async () => {
    const bundle = await build({
      entryPoints: ["test/browser/watch-usage-app.ts"],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
    });
    const watchPage = await servePage(bundle.outputFiles[0]?.text ?? "");
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      await tab.goto(watchPage.url);
      await tab.waitForFunction(() => typeof window.watchLlmgw === "function");
      await tab.evaluate(([url, key]) => window.watchLlmgw(url, key), [gw.url, KEY] as const);
      await expect
        .poll(() => gw.running.services.usageFeed.watching, { timeout: 5_000, interval: 10 })
        .toBe(true);
      const answer = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${KEY}`,
          "content-type": "application/json",
          "x-request-id": "from-node",
        },
        body: JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "hi" }] }),
      });
      await answer.text();
      const answeredAt = Date.now();
      const seen = await tab.evaluate(() => window.firstUsageEvent);
      expect(seen).toMatchObject({ requestId: "from-node", key: "web", status: "ok" });
      expect(seen.at - answeredAt).toBeLessThan(100);
    } finally {
      await browser.close();
      await new Promise((resolve) => watchPage.server.close(resolve));
    }
  });
});
