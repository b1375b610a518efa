import type { Logger } from "pino";
import type { ChatRequest, CompleteResponse, StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest, EmbedResponse } from "../../gen/llmgw/v1/embeddings_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import type { ModelRouter, Route } from "../routing/model-router.ts";
import type { LedgerSink } from "../state/ledger-sink.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { Accountant } from "./accountant.ts";
import type { CallContext } from "./call-context.ts";
import { embedOnRoute } from "./embed.ts";
import { InFlight } from "./in-flight.ts";
import type { KeyRing } from "./key-ring.ts";
import { validateChat } from "./validate-chat.ts";
import { validateEmbed } from "./validate-embed.ts";

/** A started stream: where it was routed, and its canonical events. */
export interface ChatStream {
  readonly provider: string;
  readonly model: string;
  readonly events: AsyncIterable<StreamResponse>;
}

export interface GatewayDeps {
  readonly keys: KeyRing;
  readonly router: ModelRouter;
  readonly ledger: LedgerSink;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly logRequests: boolean;
  /** The longest any call may run, on every surface. */
  readonly requestTimeoutMs: number;
}

/**
 * The core pipeline every surface calls in-process:
 * authenticate → validate → route → execute → account.
 */
export class Gateway {
  readonly #deps: GatewayDeps;
  readonly #accountant: Accountant;
  /** The calls being served; shutdown aborts them. */
  readonly inFlight: InFlight;

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    this.#accountant = new Accountant(deps.ledger, deps.metrics, deps.log, deps.logRequests);
    this.inFlight = new InFlight(deps.requestTimeoutMs);
  }

  get router(): ModelRouter {
    return this.#deps.router;
  }

  get ledger(): LedgerSink {
    return this.#deps.ledger;
  }

  /** Ends every in-flight call with `unavailable`; surfaces send that as a final error event. */
  abortInFlight(): void {
    this.inFlight.abortAll(
      new GatewayError("unavailable", "the gateway is shutting down; retry the request"),
    );
  }

  /**
   * The key filter a caller's usage query must use: admin keys may ask for any
   * key (or all), other keys only ever see their own rows.
   */
  usageKeyFilter(keyName: string, requested: string): string {
    if (this.#deps.keys.isAdmin(keyName)) return requested;
    if (requested !== "" && requested !== keyName) {
      throw new GatewayError("permission_denied", "only admin keys may read another key's usage", {
        param: "key",
      });
    }
    return keyName;
  }

  /** Returns the key's name ("" when the gateway is open), or throws `unauthenticated`. */
  authenticate(credential: string | undefined): string {
    return this.#deps.keys.authenticate(credential);
  }

  async complete(request: ChatRequest, call: CallContext): Promise<CompleteResponse> {
    const route = this.#prepare(request.model, call, () => validateChat(request));
    let response: CompleteResponse;
    try {
      response = await route.adapter.complete(request, route.model, call);
    } catch (error) {
      throw this.#failed(call, route, error);
    }
    const latencyMs = performance.now() - call.startedAt;
    response.gateway = this.#accountant.metadata(call, route, response.usage, latencyMs, latencyMs);
    this.#accountant.account(call, route, "ok", response.usage, response.gateway);
    return response;
  }

  async stream(request: ChatRequest, call: CallContext): Promise<ChatStream> {
    const route = this.#prepare(request.model, call, () => validateChat(request));
    let events: AsyncIterable<StreamResponse>;
    try {
      events = await route.adapter.stream(request, route.model, call);
    } catch (error) {
      throw this.#failed(call, route, error);
    }
    return { provider: route.provider, model: route.model, events: this.#accounted(events, route, call) };
  }

  /**
   * Embeds a batch of inputs through the routed provider's embeddings ability,
   * accounted like a completion. Nothing is generated, so the ttft is 0.
   */
  async embed(request: EmbedRequest, call: CallContext): Promise<EmbedResponse> {
    const route = this.#prepare(request.model, call, () => validateEmbed(request));
    let response: EmbedResponse;
    try {
      response = await embedOnRoute(route, request, call);
    } catch (error) {
      throw this.#failed(call, route, error);
    }
    response.gateway = this.#accountant.metadata(
      call,
      route,
      response.usage,
      performance.now() - call.startedAt,
      0,
    );
    this.#accountant.account(call, route, "ok", response.usage, response.gateway);
    return response;
  }

  /** Passes events through, stamps the closing UsageReport, and accounts the stream however it ends. */
  async *#accounted(events: AsyncIterable<StreamResponse>, route: Route, call: CallContext) {
    let ttftMs: number | undefined;
    let outcome: GatewayError | undefined;
    let closed = false;
    try {
      for await (const event of events) {
        const kind = event.event.case;
        if (ttftMs === undefined && (kind === "delta" || kind === "toolCall")) {
          ttftMs = performance.now() - call.startedAt;
        }
        if (kind === "usage") {
          const latencyMs = performance.now() - call.startedAt;
          const report = event.event.value;
          report.gateway = this.#accountant.metadata(
            call,
            route,
            report.usage,
            latencyMs,
            ttftMs ?? latencyMs,
          );
          this.#accountant.account(call, route, "ok", report.usage, report.gateway);
          closed = true;
        }
        yield event;
      }
    } catch (error) {
      outcome = GatewayError.from(error);
      this.#accountant.logFailure(call, outcome);
      throw outcome;
    } finally {
      if (!closed) {
        // The caller left, or the stream failed: account what happened.
        const reason: unknown = call.signal.reason;
        const code =
          outcome?.code ??
          (reason instanceof GatewayError ? reason.code : call.signal.aborted ? "cancelled" : "internal");
        this.#accountant.record(
          call,
          route,
          code,
          undefined,
          performance.now() - call.startedAt,
          ttftMs ?? 0,
          undefined,
        );
      }
    }
  }

  /** Validates and routes a request; a failure here is accounted against the requested model. */
  #prepare(model: string, call: CallContext, validate: () => void): Route {
    try {
      validate();
      return this.#deps.router.resolve(model);
    } catch (error) {
      const failure = GatewayError.from(error);
      this.#accountant.record(
        call,
        undefined,
        failure.code,
        undefined,
        performance.now() - call.startedAt,
        0,
        undefined,
        model,
      );
      throw failure;
    }
  }

  #failed(call: CallContext, route: Route, error: unknown): GatewayError {
    const failure = GatewayError.from(error);
    this.#accountant.logFailure(call, failure);
    this.#accountant.record(
      call,
      route,
      failure.code,
      undefined,
      performance.now() - call.startedAt,
      0,
      undefined,
    );
    return failure;
  }
}
