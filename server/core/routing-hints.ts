import { create } from "@bufbuild/protobuf";
import { type RoutingHints, RoutingHintsSchema } from "../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../errors/gateway-error.ts";

/**
 * The request headers that override a model's routing for one call, on
 * every surface. A header sent empty counts as absent. Strategy and provider
 * names are carried as given (trimmed); the planner validates them, so the
 * same name is refused the same way whichever way it arrived.
 */
export const STRATEGY_HEADER = "x-llmgw-strategy";
export const PREFER_PROVIDER_HEADER = "x-llmgw-prefer-provider";
export const FALLBACK_HEADER = "x-llmgw-fallback";
export const PRIORITY_HEADER = "x-llmgw-priority";

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * The hints the four `x-llmgw-*` headers carry, or undefined when none is
 * set (the common case, which allocates nothing). Throws `invalid_request`
 * naming the header for a fallback value other than off/false/0 or a
 * priority that is not an integer.
 */
export function routingHintsFromHeaders(
  strategy: string | undefined,
  preferProvider: string | undefined,
  fallback: string | undefined,
  priority: string | undefined,
): RoutingHints | undefined {
  if (
    strategy === undefined &&
    preferProvider === undefined &&
    fallback === undefined &&
    priority === undefined
  )
    return undefined;
  const hints = create(RoutingHintsSchema);
  let set = false;
  const strategyName = strategy?.trim();
  if (strategyName) {
    hints.strategy = strategyName;
    set = true;
  }
  const provider = preferProvider?.trim();
  if (provider) {
    hints.preferProvider = provider;
    set = true;
  }
  const fallbackValue = fallback?.trim();
  if (fallbackValue) {
    hints.noFallback = parseFallbackOff(fallbackValue);
    set = true;
  }
  const priorityValue = priority?.trim();
  if (priorityValue) {
    hints.priority = parsePriority(priorityValue);
    set = true;
  }
  return set ? hints : undefined;
}

/** `x-llmgw-fallback` can only turn fallback off; anything else is a mistake worth telling. */
function parseFallbackOff(value: string): true {
  switch (value.toLowerCase()) {
    case "off":
    case "false":
    case "0":
      return true;
    default:
      throw invalidRequest(
        `${FALLBACK_HEADER} must be "off" (or "false" or "0"), got ${quoted(value)}`,
        FALLBACK_HEADER,
      );
  }
}

function parsePriority(value: string): number {
  const number = /^[+-]?\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= INT32_MIN && number <= INT32_MAX)) {
    throw invalidRequest(
      `${PRIORITY_HEADER} must be an integer from ${INT32_MIN} to ${INT32_MAX}, got ${quoted(value)}`,
      PRIORITY_HEADER,
    );
  }
  return number;
}

/** A header value in an error message, cut short: it is the caller's, and may be long. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
