import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { TokenUsageSchema } from "../../../gen/llmgw/v1/usage_pb.js";
import type { Call } from "../../core/call.ts";
import { compose, type Next } from "../../core/chain.ts";
import { withEndHooks } from "../../core/end-runner.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { adHocDeployment } from "../../routing/ad-hoc-deployment.ts";
import type { SlotQueue } from "../../routing/deployment.ts";
import type { Route } from "../../routing/model-router.ts";
import { Metrics } from "../../telemetry/metrics.ts";
import { metricsPolicy } from "./metrics-policy.ts";
import { testCall } from "./test-call.ts";

const known = { knows: () => true };

const call = (): Call => testCall("m", "sk-never-a-label");

const deployment = () =>
  adHocDeployment({ provider: "mock", model: "m", pricing: undefined } as unknown as Route);

async function run(perKey: boolean, serve: Next): Promise<string> {
  const metrics = new Metrics();
  const pipeline = withEndHooks(compose([metricsPolicy(metrics, known, { perKey })], serve), () => {});
  await pipeline(call()).catch(() => {});
  return metrics.text();
}

const answer = (c: Call, upstreamMs: number): ReturnType<Next> => {
  c.served = deployment();
  c.attempts = 1;
  c.upstreamMs = upstreamMs;
  const response = create(CompleteResponseSchema, {
    usage: create(TokenUsageSchema, {
      promptTokens: 3,
      completionTokens: 5,
      cachedPromptTokens: 2,
      reasoningTokens: 1,
    }),
  });
  return Promise.resolve({ kind: "complete", response });
};

describe("the metrics policy", () => {
  it("labels by key only when per-key metrics are on, and never with the credential", async () => {
    const off = await run(false, (c) => answer(c, 0));
    const on = await run(true, (c) => answer(c, 0));
    expect(off).not.toContain('key="alice"');
    expect(on).toContain('llmgw_tokens_total{provider="mock",model="m",key="alice",kind="cached"} 2\n');
    expect(on).toContain('status="ok",cache="none",key="alice"} 1\n');
    expect(on + off).not.toContain("sk-never-a-label");
  });

  it("takes the upstream time off the overhead: all of a call's time upstream leaves none", async () => {
    const text = await run(false, (c) => answer(c, 1e9));
    expect(text).toContain('llmgw_gateway_overhead_seconds_sum{surface="openai",mode="unary"} 0\n');
    expect(text).toContain('llmgw_gateway_overhead_seconds_count{surface="openai",mode="unary"} 1\n');
  });

  it("labels the cache kind of a call the cache answered", async () => {
    const text = await run(false, (c) => {
      c.cache = { kind: "exact", similarity: 1, costSavedUsd: undefined };
      return answer(c, 0);
    });
    expect(text).toContain('status="ok",cache="exact"} 1\n');
  });

  it("counts a refused call's guard verdicts, retries and fallbacks", async () => {
    const text = await run(false, async (c) => {
      c.served = deployment();
      c.retries = 2;
      c.fallbacks = 1;
      c.guard = [
        { rule: "secrets", type: "aws_access_key", action: "block", where: "user" },
        { rule: "pii", type: "email", action: "redact", where: "user" },
      ];
      throw new GatewayError("guardrail_blocked", "blocked");
    });
    expect(text).toContain(
      'llmgw_guard_verdicts_total{rule="secrets",type="aws_access_key",action="block",where="user"} 1\n',
    );
    expect(text).toContain(
      'llmgw_guard_verdicts_total{rule="pii",type="email",action="redact",where="user"} 1\n',
    );
    expect(text).toContain('llmgw_retries_total{provider="mock",model="m"} 2\n');
    expect(text).toContain('llmgw_fallbacks_total{provider="mock",model="m"} 1\n');
  });

  it("observes the queue wait of calls served by a queued deployment only", async () => {
    const plain = await run(false, (c) => answer(c, 0));
    expect(plain).not.toContain("llmgw_queue_wait_seconds_count");
    const queued = await run(false, (c) => {
      const d = deployment();
      Object.assign(d.live, { queue: { depth: 0 } as unknown as SlotQueue });
      const result = answer(c, 0);
      c.served = d;
      c.queueMs = 1500;
      return result;
    });
    expect(queued).toContain('llmgw_queue_wait_seconds_sum{deployment="mock:m",provider="mock"} 1.5\n');
  });
});
