import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, optArray, optBoolean, optString } from "../openai/json-fields.ts";
import { type ChatInit, ollamaRequestFields, SHARED_FIELDS } from "./ollama-request-fields.ts";
import type { OllamaCall } from "./parse-ollama-chat.ts";
import { parseOllamaImages } from "./parse-ollama-images.ts";

const MODELED = new Set([
  ...SHARED_FIELDS,
  "prompt",
  "system",
  "images",
  "suffix",
  "raw",
  "template",
  "context",
]);

/**
 * An Ollama `/api/generate` body to the canonical request: `system` becomes a
 * system message and `prompt` (with `images`) one user message, so any chat
 * upstream can answer it. What only a local runner can do is refused, naming
 * the field: `raw` (no prompt template), `template`, `context` (token ids of
 * an earlier answer) and `suffix` (fill-in-the-middle). An empty prompt
 * leaves `messages` empty: Ollama answers it by loading the model.
 */
export function parseOllamaGenerate(body: unknown): OllamaCall {
  const json = expectObject(body, "body");
  refuse(
    optBoolean(json.raw, "raw") === true,
    "raw: true",
    "raw",
    "the upstream always applies its own chat template",
  );
  refuse(!!optString(json.template, "template"), "template", "template", "the upstream applies its own");
  refuse(
    (optArray(json.context, "context")?.length ?? 0) > 0,
    "context",
    "context",
    "the gateway keeps no token context; send the conversation to /api/chat",
  );
  refuse(!!optString(json.suffix, "suffix"), "suffix", "suffix", "fill-in-the-middle needs a local runner");
  const { init, stream } = ollamaRequestFields(json, MODELED);
  const system = optString(json.system, "system") ?? "";
  const prompt = optString(json.prompt, "prompt") ?? "";
  const images = parseOllamaImages(json.images, "images");
  const messages: NonNullable<ChatInit["messages"]> = [];
  if (prompt !== "" || images.length > 0) {
    if (system !== "")
      messages.push({ role: Role.SYSTEM, content: [{ part: { case: "text", value: system } }] });
    const content: typeof images =
      prompt === "" ? images : [{ part: { case: "text", value: prompt } }, ...images];
    messages.push({ role: Role.USER, content });
  }
  return { request: create(ChatRequestSchema, { ...init, messages }), stream };
}

function refuse(asked: boolean, what: string, param: string, why: string): void {
  if (asked) throw invalidRequest(`${what} is not supported by the gateway's Ollama API: ${why}`, param);
}
