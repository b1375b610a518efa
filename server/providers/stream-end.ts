import type { ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { estimateUsage } from "../usage/token-estimate.ts";
import { usageEvent } from "./delta-event.ts";
import type { EventSink } from "./event-stream.ts";

/** A stream whose upstream stopped before every choice finished: an error, never a silent cut. */
export function endedEarly(provider: string): GatewayError {
  return new GatewayError("upstream_error", `upstream ${provider} ended the stream before it finished`, {
    provider,
  });
}

/**
 * Emits a stream's closing UsageReport: the upstream's own usage when it
 * reported one (synchronously), or an estimate from the request and the
 * generated text when it did not (the tokenizer may still be loading, so
 * then it returns a promise).
 */
export function closeWithUsage(
  sink: EventSink,
  id: string,
  usage: TokenUsage | undefined,
  request: ChatRequest,
  output: string,
): Promise<void> | undefined {
  if (usage !== undefined) {
    sink.event(usageEvent(id, usage));
    return undefined;
  }
  return estimateUsage(request, output).then((estimated) => {
    sink.event(usageEvent(id, estimated));
  });
}
