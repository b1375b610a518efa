import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb, type WebBuild } from "../web/build.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/** The dashboard as the gateway serves it: headers, caching, client routes, refusals, and off. */

let built: WebBuild;
/** A busy test machine can trip the event-loop guard into 503s; shedding is not what these tests test. */
const NO_SHEDDING = { enabled: false };
beforeAll(async () => {
  built = await buildWeb(mkdtempSync(join(tmpdir(), "llmgw-ui-static-")));
});

/** A raw GET, so the target reaches the gateway exactly as written (fetch would normalise `..`). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the dashboard served at /ui", () => {
  let gw: TestGateway;
  useTestGateway({ config: () => ({ ui: { dir: built.outDir }, overload: NO_SHEDDING }) }, (started) => {
    gw = started;
  });

  it("redirects /ui to /ui/ and serves index.html there with no-cache, the UI's CSP and an ETag", async () => {
    const bare = await fetch(`${gw.url}/ui`, { redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/ui/");
    const index = await fetch(`${gw.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await index.text();
    expect(html).toContain(`src="./${built.script}"`);
    expect(html).not.toMatch(/<script>|<style|style="/);
    const again = await fetch(`${gw.url}/ui/`, {
      headers: { "if-none-match": index.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
  });

  it("serves hashed assets immutable, with their content types, gzipped when asked", async () => {
    const js = await fetch(`${gw.url}/ui/${built.script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect((await js.text()).length).toBeGreaterThan(10_000);
    const css = await rawGet(gw.url, `/ui/${built.style}`);
    expect(css.status).toBe(200);
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(css.headers["content-encoding"]).toBeUndefined();
    expect(css.body).toContain(".topbar");
    const head = await fetch(`${gw.url}/ui/${built.script}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers client-side routes with index.html, and a missing asset with a 404", async () => {
    const route = await fetch(`${gw.url}/ui/audit/some-record`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain("<title>LLMGW dashboard</title>");
    const missing = await fetch(`${gw.url}/ui/main-NOTTHERE.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  it("refuses traversal, encoded or not, and methods other than GET and HEAD", async () => {
    for (const path of [
      "/ui/../package.json",
      "/ui/%2e%2e/package.json",
      "/ui//etc/passwd",
      "/ui/..%5cpackage.json",
    ]) {
      const res = await rawGet(gw.url, path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain("llmgw");
    }
    const post = await fetch(`${gw.url}/ui/`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("leaves the API alone: /uix and /v1 are not the UI's", async () => {
    const uix = await fetch(`${gw.url}/uix`);
    expect(uix.status).toBe(404);
    expect(uix.headers.get("content-type")).toContain("application/json");
    const models = await fetch(`${gw.url}/v1/models`);
    expect(models.status).toBe(200);
    expect(((await models.json()) as { object: string }).object).toBe("list");
  });
});

describe("the dashboard turned off, moved, or not built", () => {
  let off: TestGateway;
  let moved: TestGateway;
  let unbuilt: TestGateway;
  const lines: string[] = [];
  beforeAll(async () => {
    off = await startTestGateway({ config: { ui: false, overload: NO_SHEDDING } });
    moved = await startTestGateway({
      config: { ui: { path: "/console", dir: built.outDir }, overload: NO_SHEDDING },
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    unbuilt = await startTestGateway({
      config: { ui: { dir: mkdtempSync(join(tmpdir(), "llmgw-ui-empty-")) }, overload: NO_SHEDDING },
      log: pino({ level: "warn" }, sink),
    });
  });
  afterAll(async () => {
    await Promise.all([off?.close(), moved?.close(), unbuilt?.close()]);
  });

  it("with ui: false, /ui is the API's plain 404", async () => {
    const res = await fetch(`${off.url}/ui/`);
    expect(res.status, await res.clone().text()).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
  });

  it("at a configured path, with the UI's CSP there", async () => {
    const res = await fetch(`${moved.url}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect((await fetch(`${moved.url}/ui/`)).status).toBe(404);
  });

  it("without a build, answers 503 saying how to build it, and warned at start-up", async () => {
    const res = await fetch(`${unbuilt.url}/ui/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build:web");
    expect(lines.join("")).toContain("the dashboard is not built");
  });
});
