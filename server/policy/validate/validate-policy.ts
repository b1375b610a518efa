import type { Policy } from "../../core/chain.ts";
import { validateChat } from "./validate-chat.ts";
import { validateEmbed } from "./validate-embed.ts";

/**
 * Decodes the caller's body (when the surface left that to the chain) and
 * checks the canonical request before it costs anything upstream.
 */
export const validatePolicy: Policy = (next) => async (call) => {
  if (call.decode !== undefined) await call.decode();
  if (call.op === "embed") {
    if (call.embed !== undefined) validateEmbed(call.embed);
  } else if (call.chat !== undefined) validateChat(call.chat);
  return next(call);
};
