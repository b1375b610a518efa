import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { type ServeProcess, serveProcess } from "./harness/serve-process.ts";

/**
 * SIGTERM while 200 streams are open on one `llmgw serve` process: half of
 * them finish within the grace period, half would run for 20 s more. Each
 * one ends with its final event (`finish_reason`, then `[DONE]`) or with an
 * error event that says the gateway is shutting down, never cut silently,
 * and all of them by the end of the grace period; the process exits 0.
 */

const STREAMS = 200;
const GRACE_MS = 1_500;

let mock: MockUpstream;
let gateway: ServeProcess;

beforeAll(async () => {
  mock = await startMockUpstream({ record: false });
  const dir = mkdtempSync(join(tmpdir(), "llmgw-sigterm-"));
  const file = join(dir, "llmgw.yaml");
  writeFileSync(
    file,
    JSON.stringify({
      server: { port: 0, shutdown_grace_ms: GRACE_MS },
      providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
      usage: { path: join(dir, "ledger.db") },
    }),
  );
  gateway = await serveProcess(file);
}, 30_000);

afterAll(async () => {
  gateway?.child.kill("SIGKILL");
  await mock?.close();
});

interface Ended {
  readonly how: "final event" | "error event" | "cut";
  /** ms after SIGTERM that the stream's body ended. */
  readonly at: number;
}

/** Opens one stream; resolves once its first bytes have come, with how (and when) it ends. */
async function open(tokens: number, sigterm: { at: number }): Promise<{ ended: Promise<Ended> }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "mock-small",
      stream: true,
      messages: [{ role: "user", content: "hello" }],
      mock: { tokens, itl_ms: 100 },
    }),
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value, { stream: true });
  const ended = (async (): Promise<Ended> => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      return { how: "cut", at: performance.now() - sigterm.at };
    }
    const at = performance.now() - sigterm.at;
    const events = text.split("\n\n").filter((e) => e.startsWith("data: "));
    const last = events[events.length - 1] ?? "";
    const beforeLast = events[events.length - 2] ?? "";
    if (last === "data: [DONE]" && /"finish_reason":"(stop|length)"/.test(text))
      return { how: "final event", at };
    if (/^data: \{"error":\{"message":"the gateway is shutting down/.test(last) || /"error"/.test(beforeLast))
      return { how: "error event", at };
    return { how: "cut", at };
  })();
  return { ended };
}

describe("SIGTERM during 200 open streams", () => {
  it("ends each with its final event or an error event, within the grace period, and exits 0", async () => {
    const sigterm = { at: Number.POSITIVE_INFINITY };
    // Half finish in about a second (within the grace), half would need 20 s.
    const streams = await Promise.all(
      Array.from({ length: STREAMS }, (_, i) => open(i % 2 === 0 ? 8 : 200, sigterm)),
    );
    sigterm.at = performance.now();
    gateway.child.kill("SIGTERM");
    const endings = await Promise.all(streams.map((s) => s.ended));
    const exitCode = await gateway.exited;
    const exitedAt = performance.now() - sigterm.at;

    const count = (how: Ended["how"]) => endings.filter((e) => e.how === how).length;
    expect({ cut: count("cut") }).toEqual({ cut: 0 });
    expect(count("final event")).toBeGreaterThanOrEqual(STREAMS / 2 - 10);
    expect(count("error event")).toBeGreaterThanOrEqual(STREAMS / 2 - 10);
    const last = Math.max(...endings.map((e) => e.at));
    // Every stream ended by the grace period's end (and this machine's scheduling noise).
    expect(last).toBeLessThan(GRACE_MS + 1_500);
    expect(exitCode).toBe(0);
    console.log(
      `SIGTERM with ${STREAMS} open streams: ${count("final event")} ended with their final event, ` +
        `${count("error event")} with an error event; the last ended ${Math.round(last)} ms after SIGTERM ` +
        `(grace ${GRACE_MS} ms), the process exited 0 after ${Math.round(exitedAt)} ms`,
    );
  }, 40_000);
});
