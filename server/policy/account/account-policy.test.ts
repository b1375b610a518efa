import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { createCall } from "../../core/call.ts";
import { compose, type Next } from "../../core/chain.ts";
import { withEndHooks } from "../../core/end-runner.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { adHocDeployment } from "../../routing/ad-hoc-deployment.ts";
import type { Route } from "../../routing/model-router.ts";
import type { LedgerSink, UsageRecord } from "../../state/ledger-sink.ts";
import { Metrics } from "../../telemetry/metrics.ts";
import { accountPolicy } from "./account-policy.ts";
import { metricsPolicy } from "./metrics-policy.ts";

/** A ledger that keeps rows in memory. */
class MemoryLedger implements LedgerSink {
  readonly rows: UsageRecord[] = [];
  record(entry: UsageRecord): void {
    this.rows.push(entry);
  }
  async totals() {
    return [];
  }
  async close() {}
}

function call(model: string) {
  const c = createCall({
    requestId: "r1",
    surface: "openai",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
  });
  c.chat = { model } as never;
  return c;
}

const served = (model: string) =>
  adHocDeployment({ provider: "mock", model, pricing: undefined } as unknown as Route);

describe("the account policy", () => {
  it("writes one ledger row for a refusal, with the model the caller named", async () => {
    const ledger = new MemoryLedger();
    const refuse: Next = async () => {
      throw new GatewayError("unauthenticated", "invalid API key");
    };
    const pipeline = withEndHooks(
      compose([accountPolicy(ledger, pino({ level: "silent" }))], refuse),
      () => {},
    );
    await expect(pipeline(call("gpt-x"))).rejects.toThrow();
    expect(ledger.rows).toHaveLength(1);
    expect(ledger.rows[0]).toMatchObject({
      status: "unauthenticated",
      model: "gpt-x",
      provider: "",
      key: "",
      attempts: 0,
      deployment: "",
    });
  });

  it("writes the served provider, model and deployment, and the attempts, for an answered call", async () => {
    const ledger = new MemoryLedger();
    const serve: Next = async (c) => {
      c.attempts = 2;
      c.served = served("m1");
      return { kind: "complete", response: create(CompleteResponseSchema) };
    };
    const pipeline = withEndHooks(
      compose([accountPolicy(ledger, pino({ level: "silent" }))], serve),
      () => {},
    );
    await pipeline(call("alias"));
    expect(ledger.rows[0]).toMatchObject({
      status: "ok",
      provider: "mock",
      model: "m1",
      attempts: 2,
      deployment: "mock:m1",
    });
  });
});

describe("the metrics policy", () => {
  it("counts made-up model names as one `other` series, and known ones by name", async () => {
    const metrics = new Metrics();
    const known = { knows: (_provider: string, model: string) => model === "mock-small" };
    const serve: Next = async (c) => {
      c.served = served(c.chat?.model ?? "");
      return { kind: "complete", response: create(CompleteResponseSchema) };
    };
    const pipeline = withEndHooks(
      compose([metricsPolicy(metrics, known, { perKey: false })], serve),
      () => {},
    );
    for (let i = 0; i < 50; i++) await pipeline(call(`made-up-${i}`));
    await pipeline(call("mock-small"));
    const lines = (await metrics.text()).split("\n").filter((l) => l.startsWith("llmgw_requests_total{"));
    expect(lines).toEqual([
      'llmgw_requests_total{surface="openai",provider="mock",model="other",status="ok",cache="none"} 50',
      'llmgw_requests_total{surface="openai",provider="mock",model="mock-small",status="ok",cache="none"} 1',
    ]);
  });
});
