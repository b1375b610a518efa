import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AlertWebhook } from "./alert-webhook.ts";
import type { BudgetAlert } from "./budget-alerts.ts";

const SECRET = "a-webhook-secret-for-tests";

const alert: BudgetAlert = {
  type: "budget.threshold",
  scope: "key:alice",
  level: "key",
  unit: "usd",
  period: "day:2026-12-01",
  threshold: 0.8,
  spent: 0.36,
  cap: 0.45,
  resets_at: "2026-12-02T00:00:00.000Z",
  at: "2026-12-01T12:00:00.000Z",
};

let server: Server | undefined;
afterEach(() => server?.close());

/** A receiver that answers each delivery with the next status, verifying the signature of each. */
async function receiver(statuses: number[]) {
  const got: Array<{ body: string; valid: boolean }> = [];
  let done: () => void = () => {};
  const delivered = new Promise<void>((resolve) => {
    done = resolve;
  });
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      const header = String(req.headers["x-llmgw-signature"] ?? "");
      const expected = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
      const valid =
        header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
      got.push({ body, valid });
      const status = statuses.shift() ?? 200;
      res.writeHead(status).end();
      if (status < 300) done();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, delivered };
}

describe("the alert webhook", () => {
  it("posts the alert as JSON, signed with HMAC-SHA256, and retries after a 5xx", async () => {
    const hook = await receiver([503, 500]);
    const webhook = new AlertWebhook(
      { url: hook.url, secret: SECRET, timeout_ms: 1000, retries: 3 },
      pino({ level: "silent" }),
    );
    webhook.send(alert);
    await hook.delivered;
    expect(hook.got).toHaveLength(3);
    expect(hook.got.every((g) => g.valid)).toBe(true);
    expect(JSON.parse(hook.got[2]?.body ?? "")).toEqual(alert);
    await webhook.close();
  });

  it("gives up after its retries, logging once, and never throws at the sender", async () => {
    const hook = await receiver([500, 500, 500]);
    const lines: string[] = [];
    const log = pino({ level: "error" }, { write: (l: string) => lines.push(JSON.parse(l).msg) });
    const webhook = new AlertWebhook({ url: hook.url, secret: SECRET, timeout_ms: 1000, retries: 1 }, log);
    expect(() => webhook.send(alert)).not.toThrow();
    await webhook.close(); // close stops retries but lets the attempt under way finish
    await new Promise((r) => setTimeout(r, 50));
    expect(hook.got.length).toBeLessThanOrEqual(2);
    expect(lines).toEqual(["a budget alert could not be delivered to its webhook"]);
  });
});
