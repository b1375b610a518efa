import type { Logger } from "pino";
import { type ChatRequest, type CompleteResponse, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GuardPlace } from "../../config/guards-schema.ts";
import type { Call, GuardVerdict } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { GuardMatch } from "./guard-match.ts";
import { type GuardProfile, type GuardProfiles, PLACE_BIT } from "./guard-profile.ts";
import { GuardedStream } from "./guarded-stream.ts";
import { scanJsonObject } from "./json-text.ts";
import { Redactor } from "./redactor.ts";

/** The place a message's text is, by its role. */
function placeOf(role: Role): GuardPlace {
  switch (role) {
    case Role.USER:
      return "user";
    case Role.ASSISTANT:
      return "assistant";
    case Role.TOOL:
      return "tool";
    // System, developer (and an unset role, which validate refuses first).
    default:
      return "system";
  }
}

const PLACE_NAME: Record<GuardPlace, string> = {
  system: "a system message",
  user: "a user message",
  assistant: "an assistant message",
  tool: "a tool result",
  output: "the answer",
};

/** One call's scan: what it found, and the redactor once something is masked. */
class Scan {
  readonly verdicts: GuardVerdict[] = [];
  redactor: Redactor | undefined;
  readonly #matches: GuardMatch[] = [];
  readonly #masked: GuardMatch[] = [];
  readonly #profile: GuardProfile;
  /** Pass-through bytes cannot be masked: there a redact refuses (config refuses such a setup first). */
  readonly #raw: boolean;

  constructor(profile: GuardProfile, raw: boolean) {
    this.#profile = profile;
    this.#raw = raw;
  }

  /** The text with what must be masked masked; throws for a block. `param` names the field for the error. */
  text(text: string, place: GuardPlace, param: string): string {
    const bit = PLACE_BIT[place];
    const matches = this.#matches;
    matches.length = 0;
    for (const d of this.#profile.detectors) if ((d.where & bit) !== 0) d.detector.scan(text, matches);
    if (matches.length === 0) return text;
    const masked = this.#masked;
    masked.length = 0;
    for (const m of matches) {
      const setting = this.#profile.rules.get(m.rule);
      if (setting === undefined || (setting.where & bit) === 0 || setting.action === "allow") continue;
      const action = setting.action === "redact" && this.#raw ? "block" : setting.action;
      this.#record({ rule: m.rule, type: m.type, action, where: place });
      if (action === "block")
        throw new GatewayError(
          "guardrail_blocked",
          place === "output"
            ? `the answer was stopped by guardrail "${m.rule}" (${m.type})`
            : `the request was refused by guardrail "${m.rule}" (${m.type}) in ${PLACE_NAME[place]}`,
          { param },
        );
      if (action === "redact") masked.push(m);
    }
    if (masked.length === 0) return text;
    this.redactor ??= new Redactor();
    return this.redactor.apply(text, masked);
  }

  #record(v: GuardVerdict): void {
    for (const seen of this.verdicts)
      if (seen.rule === v.rule && seen.type === v.type && seen.action === v.action && seen.where === v.where)
        return;
    this.verdicts.push(v);
  }
}

/**
 * Every text of the request that reaches the model: message text parts, the
 * reasoning and refusals an assistant message carries back, tool-call
 * arguments; as system text, the tools' descriptions and parameter schemas,
 * the response format's description and schema, and `extra` (the fields no
 * surface models, which the adapters send on: an OpenAI caller's `system`
 * becomes an Anthropic upstream's system prompt).
 */
function scanChat(chat: ChatRequest, scan: Scan): void {
  for (let i = 0; i < chat.messages.length; i++) {
    const message = chat.messages[i];
    if (message === undefined) continue;
    const place = placeOf(message.role);
    for (let j = 0; j < message.content.length; j++) {
      const part = message.content[j]?.part;
      if (part?.case === "text") part.value = scan.text(part.value, place, `messages[${i}].content[${j}]`);
    }
    if (message.reasoning !== "")
      message.reasoning = scan.text(message.reasoning, place, `messages[${i}].reasoning`);
    if (message.refusal !== "") message.refusal = scan.text(message.refusal, place, `messages[${i}].refusal`);
    for (let j = 0; j < message.toolCalls.length; j++) {
      const call = message.toolCalls[j];
      if (call !== undefined)
        call.arguments = scan.text(call.arguments, place, `messages[${i}].tool_calls[${j}].arguments`);
    }
  }
  for (let i = 0; i < chat.tools.length; i++) {
    const tool = chat.tools[i];
    if (tool === undefined) continue;
    tool.description = scan.text(tool.description, "system", `tools[${i}].description`);
    const param = `tools[${i}].parameters`;
    if (tool.parameters !== undefined) scanJsonObject(tool.parameters, (t) => scan.text(t, "system", param));
  }
  const format = chat.responseFormat;
  if (format !== undefined) {
    format.description = scan.text(format.description, "system", "response_format.description");
    if (format.schema !== undefined)
      scanJsonObject(format.schema, (t) => scan.text(t, "system", "response_format.schema"));
  }
  // An unmodeled field is named as the caller sent it: `system`, not `extra.system`.
  const extra = chat.extra;
  if (extra !== undefined) scanJsonObject(extra, (t, field) => scan.text(t, "system", field));
}

/**
 * The input guards: scans the canonical chat request (the parsed copy, for
 * pass-through) after it is validated and before it is routed. `block`
 * refuses with guardrail_blocked, naming the rule and never the text;
 * `redact` masks the match in the request that goes upstream; `log` warns
 * with the rule names. The verdicts are left on the call for the audit log.
 */
export function guardPolicy(profiles: GuardProfiles, log: Logger): Policy {
  return (next) => async (call: Call) => {
    const chat = call.chat;
    if (chat === undefined) return next(call);
    const profile = profiles.for(call.key?.name, call.key?.team);
    const scan = new Scan(profile, call.raw !== undefined);
    try {
      scanChat(chat, scan);
    } finally {
      if (scan.verdicts.length > 0) {
        call.guard = scan.verdicts;
        log.warn(
          { requestId: call.requestId, key: call.key?.name, guard: scan.verdicts },
          "an input guard matched",
        );
      }
    }
    const answer = await next(call);
    // The output guard, and the round trip's restore, only where asked: otherwise a stream is not held back at all.
    const watching = watchesOutput(profile);
    const restoring = profile.restore && scan.redactor !== undefined;
    if ((!watching && !restoring) || answer.kind === "raw" || answer.kind === "embed") return answer;
    const redactor = scan.redactor;
    const release =
      restoring && redactor !== undefined ? (text: string) => redactor.restore(text) : undefined;
    const guardOutput = (text: string) => {
      const before = scan.verdicts.length;
      try {
        return scan.text(text, "output", "output");
      } finally {
        if (scan.verdicts.length > before) {
          call.guard = scan.verdicts;
          log.warn(
            { requestId: call.requestId, key: call.key?.name, guard: scan.verdicts },
            "an output guard matched",
          );
        }
      }
    };
    const scanOutput = watching ? guardOutput : (text: string) => text;
    if (answer.kind === "stream")
      return { kind: "stream", events: new GuardedStream(answer.events, scanOutput, release) };
    const out = release === undefined ? scanOutput : (text: string) => release(scanOutput(text));
    return { kind: "complete", response: withAnswerText(answer.response, out) };
  };
}

/**
 * The answer with each text part passed through `text`, as a new response:
 * the inner policies' answer is not touched, since the cache keeps it for
 * other callers and the round trip restores this caller's own values.
 */
function withAnswerText(response: CompleteResponse, text: (value: string) => string): CompleteResponse {
  const choices = response.choices.map((choice) => {
    const message = choice.message;
    if (message === undefined) return choice;
    const content = message.content.map((part) =>
      part.part.case === "text"
        ? { ...part, part: { case: "text" as const, value: text(part.part.value) } }
        : part,
    );
    return { ...choice, message: { ...message, content } };
  });
  return { ...response, choices };
}

function watchesOutput(profile: GuardProfile): boolean {
  for (const d of profile.detectors) if ((d.where & PLACE_BIT.output) !== 0) return true;
  return false;
}
