import { base64Decode } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { ChatRequest, RoutingHints } from "../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest } from "../../gen/llmgw/v1/embeddings_pb.js";
import { type Call, createCall, LOG_PAYLOAD_HEADER, type Operation } from "../core/call.ts";
import type { Answer } from "../core/chain.ts";
import type { InFlight } from "../core/in-flight.ts";
import { requestIdFrom } from "../core/request-id.ts";
import {
  FALLBACK_HEADER,
  PREFER_PROVIDER_HEADER,
  PRIORITY_HEADER,
  routingHintsFromHeaders,
  STRATEGY_HEADER,
} from "../core/routing-hints.ts";
import type { GatewayServices } from "../core/services.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import { credentialFromHeaders } from "../policy/auth/key-ring.ts";
import { toConnectError } from "./connect-error.ts";
import { CALL_COMPLETED } from "./direct-context.ts";
import { MAX_TIMEOUT_MS } from "./max-timeout.ts";

/** A model call the gate started, waiting for its message. */
export interface PendingCall {
  readonly call: Call;
  /** The pipeline's answer; it rejects with a GatewayError. */
  readonly answer: Promise<Answer>;
  /** Hands the decoded message to the waiting pipeline (undefined: the request had no `chat`). */
  deliver(request: ChatRequest | EmbedRequest | undefined): void;
}

const pendingKey = createContextKey<PendingCall | undefined>(undefined, {
  description: "llmgw pending call",
});

/** The methods that run the pipeline, by `service/method`. */
const OPERATIONS: Record<string, { op: Operation; stream: boolean }> = {
  "llmgw.v1.ChatService/Complete": { op: "chat", stream: false },
  "llmgw.v1.ChatService/Stream": { op: "chat", stream: true },
  "llmgw.v1.EmbeddingsService/Embed": { op: "embed", stream: false },
};

/**
 * Connect's request gate, which runs once the headers are in and before the
 * body is read. Every RPC gets its request id here. A model call starts its
 * pipeline here too: metrics, accounting and auth run at once, so a caller
 * without a valid key is refused before its body is read, and the deadline
 * counts from arrival. The pipeline then waits in `decode` for the message,
 * which the method implementation delivers. When Connect fails to read or
 * parse the body, it aborts the context with the error before any
 * implementation runs; the waiting pipeline fails with that error, so the
 * refusal is accounted like any other.
 */
export function rpcGate(services: GatewayServices) {
  return async (ctx: HandlerContext): Promise<void> => {
    const startedAt = performance.now();
    const requestId = requestIdFrom(ctx.requestHeader.get("x-request-id") ?? undefined);
    ctx.responseHeader.set("x-request-id", requestId);
    refuseMalformed(ctx);
    const method = OPERATIONS[`${ctx.service.typeName}/${ctx.method.name}`];
    if (method === undefined) {
      ctx.signal.addEventListener("abort", () => reclassifyParseError(ctx.signal.reason), { once: true });
      return;
    }

    let reachedDecode!: () => void;
    const decodeReached = new Promise<void>((resolve) => {
      reachedDecode = resolve;
    });
    let settled = false;
    let arrive!: () => void;
    let reject!: (error: GatewayError) => void;
    const arrived = new Promise<void>((resolve, fail) => {
      arrive = resolve;
      reject = fail;
    });
    // Refused before the pipeline asked for the message (a bad key), nobody awaits it.
    arrived.catch(() => {});
    const refuse = (error: GatewayError) => {
      settled = true;
      reject(error);
    };
    // Connect's signal also fires when a call completes; only an abort before the message matters here.
    // Registered before the call's own signal follows Connect's, so a body error is told as itself.
    const onAbort = () => {
      reclassifyParseError(ctx.signal.reason);
      if (!settled) refuse(bodyError(ctx.signal.reason));
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    const { signal, deadline } = callSignal(ctx, services.inFlight);
    const call = createCall({
      requestId,
      surface: "rpc",
      signal,
      startedAt,
      deadline,
      credential: rpcCredential(ctx),
      logPayload: ctx.requestHeader.get(LOG_PAYLOAD_HEADER)?.trim().toLowerCase() !== "false",
      traceparent: ctx.requestHeader.get("traceparent") ?? undefined,
      op: method.op,
      stream: method.stream,
      decode: () => {
        reachedDecode();
        return arrived;
      },
    });
    // The call's deadline or the gateway's shutdown while the message is still on its way.
    call.signal.addEventListener(
      "abort",
      () => {
        if (!settled) refuse(GatewayError.from(call.signal.reason));
      },
      { once: true },
    );
    const answer = services.pipeline(call);
    // When the body never arrives, nobody awaits the answer: its failure is already accounted.
    answer.catch(() => {});
    ctx.values.set(pendingKey, {
      call,
      answer,
      deliver(request) {
        if (settled) return;
        if (request === undefined) return refuse(invalidRequest("chat is required", "chat"));
        if (call.op === "embed") call.embed = request as EmbedRequest;
        else {
          const chat = request as ChatRequest;
          call.chat = chat;
          // The message's own hints win; the headers serve callers that cannot set the field.
          if (chat.routing === undefined) {
            try {
              chat.routing = rpcRoutingHints(ctx.requestHeader);
            } catch (error) {
              return refuse(GatewayError.from(error));
            }
          }
        }
        settled = true;
        arrive();
      },
    });
    try {
      await Promise.race([decodeReached, answer]);
    } catch (error) {
      throw toConnectError(error, ctx);
    }
  };
}

/**
 * Refuses, before any call starts, what Connect would read as another fault.
 * A timeout past a timer's range: connect-node refuses it too, but only after
 * the gate, and its own deadline timer, armed with that timeout, fires at
 * once, so a model call would race to DEADLINE_EXCEEDED. A Connect GET whose
 * `message` is not base64 though `base64=1` says it is: connect-node's
 * decoder throws a plain Error there, which it answers as `Internal`.
 */
function refuseMalformed(ctx: HandlerContext): void {
  const timeoutMs = ctx.timeoutMs();
  if (timeoutMs !== undefined && timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConnectError(`the timeout may be at most ${MAX_TIMEOUT_MS} ms`, Code.InvalidArgument);
  }
  if (ctx.requestMethod !== "GET") return;
  const query = new URL(ctx.url).searchParams;
  if (query.get("base64") !== "1") return;
  try {
    base64Decode(query.get("message") ?? "");
  } catch {
    throw new ConnectError("protocol error: message is not base64", Code.InvalidArgument);
  }
}

/** The call the gate started for this RPC. */
export function pendingCall(ctx: HandlerContext): PendingCall {
  const pending = ctx.values.get(pendingKey);
  if (pending === undefined) throw new GatewayError("internal", `no call was started for ${ctx.method.name}`);
  return pending;
}

/** The credential from `Authorization: Bearer` or `x-api-key`. */
export function rpcCredential(ctx: HandlerContext): string | undefined {
  return credentialFromHeaders(
    ctx.requestHeader.get("authorization") ?? undefined,
    ctx.requestHeader.get("x-api-key") ?? undefined,
  );
}

/** The routing overrides of the `x-llmgw-*` headers, as the REST surface reads them. */
export function rpcRoutingHints(headers: Headers): RoutingHints | undefined {
  return routingHintsFromHeaders(
    headers.get(STRATEGY_HEADER) ?? undefined,
    headers.get(PREFER_PROVIDER_HEADER) ?? undefined,
    headers.get(FALLBACK_HEADER) ?? undefined,
    headers.get(PRIORITY_HEADER) ?? undefined,
  );
}

/**
 * The call's own signal: it fires with a GatewayError reason when Connect's
 * fires (a cancel or the caller's deadline), when the gateway's request
 * timeout passes, or on shutdown, so the core and providers can tell a
 * deadline from a cancel without knowing about Connect.
 */
function callSignal(ctx: HandlerContext, inFlight: InFlight): { signal: AbortSignal; deadline: number } {
  const controller = new AbortController();
  let deadline = performance.now();
  if (ctx.signal.aborted) controller.abort(reasonOf(ctx.signal.reason));
  else {
    const tracked = inFlight.add(controller);
    const callerMs = ctx.timeoutMs();
    deadline = callerMs === undefined ? tracked.deadline : Math.min(tracked.deadline, deadline + callerMs);
    // Connect's signal also fires when the call completes, which is when we stop tracking it. A call the
    // direct gRPC path completed has nothing left to stop, so its signal stays quiet, as a REST call's does.
    const forward = () => {
      inFlight.release(tracked);
      if (ctx.signal.reason !== CALL_COMPLETED) controller.abort(reasonOf(ctx.signal.reason));
    };
    ctx.signal.addEventListener("abort", forward, { once: true });
  }
  return { signal: controller.signal, deadline };
}

/**
 * The reason a call's own signal is aborted with. Connect aborts its signal
 * with a ConnectError when the caller cancels or its deadline passes, and
 * with none when the call completes; that case, one per call, gets a shared
 * reason, so it costs no error and no stack trace.
 */
function reasonOf(reason: unknown): GatewayError {
  // The direct gRPC path ends a call with the gateway's own error (a body timeout): keep it.
  if (reason instanceof GatewayError) return reason;
  if (!(reason instanceof ConnectError)) return ENDED;
  if (reason.code === Code.DeadlineExceeded) {
    return new GatewayError("deadline_exceeded", "the call's deadline passed");
  }
  return new GatewayError("cancelled", "the caller cancelled the call");
}

/** Why a call's signal fires once the call is over, or when the caller left without saying why. */
const ENDED = new GatewayError("cancelled", "the call ended");

/**
 * connect-es reports a binary message it cannot parse (invalid UTF-8 in a
 * string, a truncated field, nesting past the recursion limit) as
 * `Internal`, though it is the caller's malformed request; its JSON parser
 * says `InvalidArgument` for the same fault. Connect aborts the call's
 * context with the error just before it writes the error out, so the code
 * is corrected here, on that same error object.
 */
function reclassifyParseError(reason: unknown): void {
  if (
    reason instanceof ConnectError &&
    reason.code === Code.Internal &&
    reason.rawMessage.startsWith("parse binary:")
  ) {
    (reason as { code: Code }).code = Code.InvalidArgument;
  }
}

/** Why the message never reached the implementation, in the gateway's taxonomy. */
function bodyError(reason: unknown): GatewayError {
  // The direct gRPC path hands over the gateway's own error (a body timeout, a body over the limit).
  if (reason instanceof GatewayError) return reason;
  if (reason instanceof ConnectError) {
    switch (reason.code) {
      case Code.ResourceExhausted:
        return new GatewayError("payload_too_large", reason.rawMessage);
      case Code.DeadlineExceeded:
        return new GatewayError("deadline_exceeded", reason.rawMessage);
      case Code.Canceled:
        return new GatewayError("cancelled", reason.rawMessage);
      default:
        return invalidRequest(reason.rawMessage);
    }
  }
  return new GatewayError("cancelled", "the caller went away before sending its message");
}
