import { ResponseFormatType } from "../../gen/llmgw/v1/chat_pb.js";
import type { Deployment } from "./deployment.ts";
import type { RouteRequest } from "./route-request.ts";

/** Why a deployment cannot serve a chat request; FITS when it can. */
export const FITS = 0;
const TOO_LONG = 1;
const NO_TOOLS = 2;
const NO_IMAGES = 3;
const NO_JSON = 4;

/**
 * Whether a deployment can serve a chat request, from its facts: the
 * prompt estimate plus `max_tokens` must fit its context window, and it must
 * support the tools, images and JSON response format the request uses. A
 * fact nobody states keeps the deployment: the upstream will say. Returns
 * a code, so that the hot path builds no message; `whyIneligible` words it.
 */
export function eligibility(d: Deployment, request: RouteRequest): number {
  const chat = request.chat;
  if (chat === undefined) return FITS;
  const facts = d.facts;
  if (facts.contextWindow !== undefined && request.promptTokens + request.maxTokens > facts.contextWindow)
    return TOO_LONG;
  if (facts.supportsTools === false && chat.tools.length > 0) return NO_TOOLS;
  if (facts.inputModalities !== undefined && !facts.inputModalities.includes("image") && request.usesImages)
    return NO_IMAGES;
  if (facts.supportsJsonMode === false && wantsJson(chat.responseFormat?.type)) return NO_JSON;
  return FITS;
}

/** The reason for an eligibility code, for errors and ExplainRoute. */
export function whyIneligible(code: number, d: Deployment, request: RouteRequest): string {
  switch (code) {
    case TOO_LONG:
      return `context window of ${d.facts.contextWindow} tokens cannot hold about ${request.promptTokens} prompt tokens + ${request.maxTokens} max_tokens`;
    case NO_TOOLS:
      return "does not support tools";
    case NO_IMAGES:
      return "does not accept image input";
    case NO_JSON:
      return "does not support a JSON response format";
    default:
      return "";
  }
}

function wantsJson(type: ResponseFormatType | undefined): boolean {
  return type === ResponseFormatType.JSON_SCHEMA || type === ResponseFormatType.JSON_OBJECT;
}
