import { create } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type CompleteResponse,
  CompleteResponseSchema,
  Role,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { cutAtStop } from "./stop-trim.ts";
import { finishReasonFromTgi, usageFromTgi } from "./tgi-usage.ts";
import type { TgiGenerateResponse } from "./tgi-wire-types.ts";

/*
 * Follows TGI's `POST /generate` answer: `{generated_text, details}` where
 * details (asked for with `parameters.details`) carry `finish_reason` and
 * `generated_tokens`. The text has no id, model or creation time, so the
 * gateway's request id and the routed model name stand in.
 */

/** Parses a `/generate` answer into the canonical response (one choice). */
export async function completionFromTgi(
  provider: string,
  text: string,
  request: ChatRequest,
  stops: readonly string[],
): Promise<CompleteResponse> {
  const parsed = parseUpstreamJson<TgiGenerateResponse>(provider, text);
  if (parsed === null || typeof parsed !== "object" || typeof parsed.generated_text !== "string") {
    throw new GatewayError("upstream_error", `upstream ${provider} answered without generated_text`, {
      provider,
    });
  }
  const details = parsed.details;
  if (details === null || typeof details !== "object" || details === undefined) {
    throw new GatewayError("upstream_error", `upstream ${provider} answered without details`, { provider });
  }
  const answer =
    details.finish_reason === "stop_sequence"
      ? cutAtStop(parsed.generated_text, stops)
      : parsed.generated_text;
  return create(CompleteResponseSchema, {
    created: BigInt(Math.floor(Date.now() / 1000)),
    choices: [
      {
        index: 0,
        message: {
          role: Role.ASSISTANT,
          content: answer === "" ? [] : [{ part: { case: "text", value: answer } }],
        },
        finishReason: finishReasonFromTgi(details.finish_reason),
      },
    ],
    usage: await usageFromTgi(details, request),
  });
}
