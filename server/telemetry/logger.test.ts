import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, sink };
}

describe("createLogger", () => {
  it("censors credentials wherever a logged object carries them", () => {
    const { lines, sink } = capture();
    const log = createLogger("debug", false, sink);
    log.warn(
      {
        authorization: "Bearer sk-top",
        "x-api-key": "sk-top-anthropic",
        req: { headers: { authorization: "Bearer sk-req", "x-goog-api-key": "goog-1" } },
        err: { headers: { "api-key": "azure-1" }, message: "kept" },
        provider: { name: "openai", api_key: "sk-provider" },
        budgets: { alerts: { webhook: { url: "http://hooks.internal/a", secret: "whsec-1" } } },
        key: { name: "alice", credential: "sk-alice" },
        postgres: { password: "pg-pass" },
      },
      "with secrets",
    );
    const line = lines.join("");
    for (const secret of [
      "sk-top",
      "sk-req",
      "goog-1",
      "azure-1",
      "sk-provider",
      "whsec-1",
      "sk-alice",
      "pg-pass",
    ])
      expect(line).not.toContain(secret);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry.authorization).toBe("[redacted]");
    expect(entry.provider).toEqual({ name: "openai", api_key: "[redacted]" });
    expect((entry.key as { name: string }).name).toBe("alice");
    expect((entry.err as { message: string }).message).toBe("kept");
  });

  it("logs at the level asked for", () => {
    const { lines, sink } = capture();
    const log = createLogger("warn", false, sink);
    log.info("dropped");
    log.warn("kept");
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["kept"]);
  });
});
