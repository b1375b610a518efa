import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

describe("a long stream to a slow reader", () => {
  let gw: TestGateway;
  useTestGateway({}, (started) => {
    gw = started;
  });

  it("arrives whole and in order, the upstream paused while the reader lags", async () => {
    const tokens = 20_000;
    const body = JSON.stringify({
      model: "mock-small",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hello" }],
      mock: { tokens },
    });
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      req.on("response", (res) => {
        let out = "";
        let reads = 0;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          out += chunk;
          // Read slowly at first, so the gateway's socket and then the upstream's fill up.
          if (++reads < 20) {
            res.pause();
            setTimeout(() => res.resume(), 25);
          }
        });
        res.on("end", () => resolve(out));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
    const events = text
      .split("\n\n")
      .filter((frame) => frame.startsWith("data: "))
      .map((frame) => frame.slice(6));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map(
      (data) =>
        JSON.parse(data) as {
          choices: Array<{ delta: { content?: string } }>;
          usage?: { completion_tokens: number };
        },
    );
    const content = chunks.filter((c) => c.choices[0]?.delta.content !== undefined).length;
    expect(content).toBe(tokens);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(tokens);
  });
});
