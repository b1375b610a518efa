import { create } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { type GatewayMetadata, GatewayMetadataSchema, type TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import type { GatewayError } from "../errors/gateway-error.ts";
import type { Route } from "../routing/model-router.ts";
import type { LedgerSink } from "../state/ledger-sink.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { CallContext } from "./call-context.ts";
import { costUsd } from "./cost.ts";

/**
 * Accounts every call the core handles, however it ends: one ledger row, one
 * metrics observation, an optional request log line, and the gateway
 * metadata (latency, time to first token, cost) callers see.
 */
export class Accountant {
  readonly #ledger: LedgerSink;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #logRequests: boolean;

  constructor(ledger: LedgerSink, metrics: Metrics, log: Logger, logRequests: boolean) {
    this.#ledger = ledger;
    this.#metrics = metrics;
    this.#log = log;
    this.#logRequests = logRequests;
  }

  /** Upstream trouble is a warning and a gateway bug an error, with its cause; the caller's own mistakes are not logged. */
  logFailure(call: CallContext, failure: GatewayError): void {
    const fields = { requestId: call.requestId, code: failure.code, provider: failure.provider };
    if (failure.code === "internal") this.#log.error({ ...fields, err: failure.cause }, failure.message);
    else if (failure.code.startsWith("upstream_")) this.#log.warn(fields, failure.message);
  }

  metadata(
    call: CallContext,
    route: Route,
    usage: TokenUsage | undefined,
    latencyMs: number,
    ttftMs: number,
  ): GatewayMetadata {
    const cost = costUsd(usage, route.pricing);
    return create(GatewayMetadataSchema, {
      requestId: call.requestId,
      provider: route.provider,
      model: route.model,
      latencyMs: round(latencyMs),
      ttftMs: round(ttftMs),
      ...(cost === undefined ? {} : { costUsd: cost }),
    });
  }

  account(
    call: CallContext,
    route: Route,
    status: string,
    usage: TokenUsage | undefined,
    meta: GatewayMetadata,
  ) {
    this.record(call, route, status, usage, meta.latencyMs, meta.ttftMs, meta.costUsd);
  }

  record(
    call: CallContext,
    route: Route | undefined,
    status: string,
    usage: TokenUsage | undefined,
    latencyMs: number,
    ttftMs: number,
    cost: number | undefined,
    requestedModel = "",
  ): void {
    const provider = route?.provider ?? "";
    const model = route?.model ?? requestedModel;
    this.#ledger.record({
      at: Date.now(),
      requestId: call.requestId,
      key: call.keyName,
      surface: call.surface,
      provider,
      model,
      status,
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
      cachedTokens: usage?.cachedPromptTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      estimated: usage?.estimated ?? false,
      latencyMs,
      ttftMs,
      costUsd: cost,
    });
    this.#metrics.observe({
      surface: call.surface,
      provider,
      // A request refused before routing names any model it likes: keep it out of the labels.
      model: route === undefined ? "" : model,
      status,
      latencySeconds: latencyMs / 1000,
      ttftSeconds: status === "ok" && ttftMs > 0 ? ttftMs / 1000 : undefined,
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
    });
    if (this.#logRequests) {
      this.#log.info(
        {
          requestId: call.requestId,
          surface: call.surface,
          key: call.keyName,
          provider,
          model,
          status,
          latencyMs,
        },
        "request",
      );
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
