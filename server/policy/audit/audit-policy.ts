import { createHash, randomUUID } from "node:crypto";
import { toBinary, toJsonString } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  ChatRequestSchema,
  CompleteResponseSchema,
  Role,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { EmbedRequestSchema } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { type Call, requestedModel } from "../../core/call.ts";
import type { Answer, Policy } from "../../core/chain.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import type { AuditMode, AuditSink } from "../../state/audit-sink.ts";
import { type AuditModes, keepsPayloads, modeOf } from "./audit-mode.ts";
import { maskPayload } from "./payload-mask.ts";
import { RawCapture } from "./raw-capture.ts";
import { StreamAssembly } from "./stream-assembly.ts";

/** What the policy kept of an answer, for the end hook (payload modes only). */
type Kept =
  | { readonly kind: "unary"; readonly answer: Answer }
  | { readonly kind: "stream"; readonly assembly: StreamAssembly }
  | { readonly kind: "raw"; readonly capture: RawCapture };

/**
 * Records every call in the audit log, however it ended: refusals by auth,
 * limits, budgets and guards too, since it is the outermost policy. The mode
 * is decided when the call ends (the key is known by then; see audit-mode.ts).
 * In `metadata-only` it keeps nothing per call and watches no stream event;
 * in the payload modes it keeps the unary answer, or assembles the stream
 * from its events, and the end hook serialises request and answer once.
 * Left out of the chain when audit is off.
 */
export function auditPolicy(sink: AuditSink, modes: AuditModes): Policy {
  const kept = new WeakMap<Call, Kept>();
  const audit = (outcome: Outcome, call: Call): void => {
    const mode = modeOf(modes, call);
    if (mode === "off") return;
    const what = keepsPayloads(mode) ? kept.get(call) : undefined;
    sink.record(auditEntry(call, outcome, mode, what));
  };
  // Payload modes are possible only when some mode keeps payloads; otherwise nothing is kept per call.
  const mayKeep = keepsPayloads(modes.mode) || Object.values(modes.keys).some(keepsPayloads);
  return (next) => async (call) => {
    call.end.onEnd(audit);
    const answer = await next(call);
    // The key is known once the chain answered; the stream's wrapper is built after this returns.
    if (mayKeep && keepsPayloads(modeOf(modes, call))) {
      if (answer.kind === "stream") {
        const assembly = new StreamAssembly();
        call.end.onEvent(assembly.add);
        kept.set(call, { kind: "stream", assembly });
      } else if (answer.kind === "raw") {
        // The pass-through answer's bytes, copied as they pass on to the caller.
        const capture = new RawCapture(answer.body);
        kept.set(call, { kind: "raw", capture });
        return { ...answer, body: capture };
      } else kept.set(call, { kind: "unary", answer });
    }
    return answer;
  };
}

function auditEntry(call: Call, outcome: Outcome, mode: AuditMode, kept: Kept | undefined) {
  const chat = call.chat;
  const payloads = keepsPayloads(mode);
  let request = "";
  let response = "";
  let toolCalls: string[] = [];
  if (kept?.kind === "stream") {
    toolCalls = kept.assembly.toolNames();
    if (payloads) response = kept.assembly.toJson();
  } else if (kept?.kind === "raw") {
    if (payloads) response = kept.capture.text();
  } else if (kept?.answer.kind === "complete") {
    const complete = kept.answer.response;
    toolCalls = complete.choices.flatMap((c) => c.message?.toolCalls.map((t) => t.name) ?? []);
    if (payloads) response = toJsonString(CompleteResponseSchema, complete);
  } else if (kept?.answer.kind === "embed" && payloads) {
    // The vectors are the bulk of an embeddings answer and say nothing to an auditor: their count does.
    response = JSON.stringify({ embeddings: kept.answer.response.embeddings.length });
  }
  if (payloads) request = requestPayload(call);
  if (mode === "redact-pii") {
    request = maskPayload(request);
    response = maskPayload(response);
  }
  const usage = outcome.usage;
  return {
    id: randomUUID(),
    at: Date.now(),
    requestId: call.requestId,
    surface: call.surface,
    key: call.key?.name ?? "",
    team: call.key?.team ?? "",
    model: outcome.served?.model ?? requestedModel(call),
    provider: outcome.served?.provider ?? "",
    status: outcome.status,
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
    costUsd: outcome.costUsd,
    latencyMs: outcome.latencyMs,
    mode,
    request,
    response,
    toolsOffered: chat?.tools.map((t) => t.name) ?? [],
    toolCalls,
    hasSystemPrompt: chat !== undefined && hasSystemPrompt(chat),
    requestHash: requestHash(call),
    guard: guardVerdicts(call),
  };
}

/** The request as stored: the pass-through body as sent, else the canonical request as JSON. */
function requestPayload(call: Call): string {
  if (call.raw?.body !== undefined) return call.raw.body.toString("utf8");
  if (call.chat !== undefined) return toJsonString(ChatRequestSchema, call.chat);
  if (call.embed !== undefined) return toJsonString(EmbedRequestSchema, call.embed);
  return "";
}

/**
 * sha256 of the request as received, whatever the mode: the pass-through
 * body's bytes, else the canonical request's protobuf encoding (cheaper than
 * its JSON, and the same in every mode). "" when no request was decoded.
 */
function requestHash(call: Call): string {
  let bytes: Uint8Array | undefined;
  if (call.raw?.body !== undefined) bytes = call.raw.body;
  else if (call.chat !== undefined) bytes = toBinary(ChatRequestSchema, call.chat);
  else if (call.embed !== undefined) bytes = toBinary(EmbedRequestSchema, call.embed);
  return bytes === undefined ? "" : createHash("sha256").update(bytes).digest("hex");
}

function hasSystemPrompt(chat: ChatRequest): boolean {
  return chat.messages.some((m) => m.role === Role.SYSTEM || m.role === Role.DEVELOPER);
}

/** The guard policy's verdicts (`Call.guard`) as JSON: which rules matched, and what was done; "" when none. */
function guardVerdicts(call: Call): string {
  const verdicts = call.guard;
  return verdicts === undefined || verdicts.length === 0 ? "" : JSON.stringify(verdicts);
}
