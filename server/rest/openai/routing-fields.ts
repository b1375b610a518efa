import { create, type JsonObject } from "@bufbuild/protobuf";
import { type RoutingHints, RoutingHintsSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { optString } from "./json-fields.ts";

/**
 * Body fields that override routing, under the names another gateway's users
 * already send. They are the gateway's, not the upstream's: the parser
 * models them, so they never ride in `extra`.
 */
export const STRATEGY_FIELD = "x-routing-strategy";
export const PREFER_PROVIDER_FIELD = "x-prefer-provider";

/**
 * The call's routing hints: those from the headers, with what they left
 * unset filled from the body's fields (headers win). Undefined when neither
 * says anything.
 */
export function routingFromBody(
  json: JsonObject,
  fromHeaders: RoutingHints | undefined,
): RoutingHints | undefined {
  const strategy = optString(json[STRATEGY_FIELD], STRATEGY_FIELD)?.trim();
  const provider = optString(json[PREFER_PROVIDER_FIELD], PREFER_PROVIDER_FIELD)?.trim();
  if (!strategy && !provider) return fromHeaders;
  const hints = fromHeaders ?? create(RoutingHintsSchema);
  if (strategy && !hints.strategy) hints.strategy = strategy;
  if (provider && !hints.preferProvider) hints.preferProvider = provider;
  return hints;
}
