/**
 * What tracing adds per request: the same chain (the end-hook runner around
 * a no-op upstream answer) with tracing off, where its policies are left out
 * of the chain, and on, where a request span and an attempt span are made,
 * filled with the GenAI attributes, ended and queued for export.
 *
 *   node bench/tracing-cost.ts [requests]
 *
 * The exporter points at a closed port, so the batches fail and are dropped
 * off the request path, as they would with a collector that is down.
 */
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, CompleteResponseSchema, FinishReason, Role } from "../gen/llmgw/v1/chat_pb.js";
import { TokenUsageSchema } from "../gen/llmgw/v1/usage_pb.js";
import { otlpSchema } from "../server/config/telemetry-schema.ts";
import { createCall } from "../server/core/call.ts";
import { type Attempt, compose, type Next } from "../server/core/chain.ts";
import { withEndHooks } from "../server/core/end-runner.ts";
import { adHocDeployment } from "../server/routing/ad-hoc-deployment.ts";
import type { Route } from "../server/routing/model-router.ts";
import { attemptTracing } from "../server/telemetry/tracing/attempt-tracing.ts";
import { Tracing } from "../server/telemetry/tracing/tracing.ts";
import { tracingPolicy } from "../server/telemetry/tracing/tracing-policy.ts";

const REQUESTS = Number(process.argv[2] ?? 200_000);
const deployment = adHocDeployment({
  provider: "mock",
  model: "mock-small",
  pricing: undefined,
} as unknown as Route);
const chat = create(ChatRequestSchema, {
  model: "mock-small",
  messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "Hello there" } }] }],
});

/** The upstream's answer: a fresh response per call, as an adapter makes one. */
const upstream: Attempt = async (call, served) => {
  call.served = served;
  call.attempts++;
  return {
    kind: "complete",
    response: create(CompleteResponseSchema, {
      model: "mock-small",
      choices: [{ finishReason: FinishReason.STOP }],
      usage: create(TokenUsageSchema, { promptTokens: 4, completionTokens: 16, totalTokens: 20 }),
    }),
  };
};

function pipeline(tracing: Tracing | undefined) {
  const attempt = compose([tracing === undefined ? undefined : attemptTracing(tracing)], upstream);
  const terminal: Next = (call) => attempt(call, deployment);
  return withEndHooks(
    compose([tracing === undefined ? undefined : tracingPolicy(tracing)], terminal),
    () => {},
  );
}

async function run(name: string, tracing: Tracing | undefined) {
  const p = pipeline(tracing);
  const signal = new AbortController().signal;
  const once = () =>
    p(
      createCall({
        requestId: "r",
        surface: "bench",
        signal,
        startedAt: performance.now(),
        deadline: Number.POSITIVE_INFINITY,
        credential: undefined,
        op: "chat",
        stream: false,
        chat,
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      }),
    );
  for (let i = 0; i < 20_000; i++) await once();
  const cpu = process.cpuUsage();
  const heap = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) await once();
  const wallUs = ((performance.now() - started) * 1000) / REQUESTS;
  const used = process.cpuUsage(cpu);
  return {
    name,
    wallUsPerRequest: Number(wallUs.toFixed(2)),
    cpuUsPerRequest: Number(((used.user + used.system) / REQUESTS).toFixed(2)),
    heapGrowthMB: Number(((process.memoryUsage().heapUsed - heap) / 1e6).toFixed(1)),
  };
}

const tracing = new Tracing(
  otlpSchema.parse({ endpoint: "http://127.0.0.1:9/v1/traces", batch_delay_ms: 200 }),
);
const results = [await run("off", undefined), await run("on", tracing), await run("off", undefined)];
await tracing.shutdown().catch(() => {});
console.log(JSON.stringify(results, null, 2));
