import { createCall } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { SseWriter } from "../../http/sse-writer.ts";
import { withCacheHeader } from "../cache-mode.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { sendJson } from "../respond.ts";
import { header, restRequest, restRoutingHints } from "../rest-call.ts";
import { sendStream } from "../stream-sink.ts";
import { sendAnthropicError } from "./anthropic-error.ts";
import { checkAnthropicVersion } from "./anthropic-version.ts";
import { MessageEventRenderer } from "./message-events.ts";
import { parseMessagesRequest } from "./parse-messages-request.ts";
import { renderMessage } from "./render-message.ts";

/**
 * `POST /v1/messages`: Anthropic JSON in, the pipeline, Anthropic JSON or
 * named SSE events out. The body is read and parsed inside the pipeline
 * (after auth), so a malformed one is accounted like any refusal. Errors
 * before the stream starts get a status and Anthropic's error body; errors
 * after it an `error` event.
 */
export async function messagesRoute(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  const call = createCall({
    ...restRequest(req, res, requestId, services.inFlight),
    surface: "anthropic",
    op: "chat",
    stream: false,
    decode: async () => {
      checkAnthropicVersion(header(req, "anthropic-version"));
      const routing = restRoutingHints(req);
      const parsed = parseMessagesRequest(await readJsonBody(req, limits.bodyLimit, call.signal), routing);
      call.chat = withCacheHeader(req, parsed.request);
      call.stream = parsed.stream;
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    const model = call.chat?.model ?? "";
    if (answer.kind === "complete") {
      sendJson(res, 200, renderMessage(answer.response, model, requestId));
      return;
    }
    if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    const sse = new SseWriter(res);
    sse.open({});
    const renderer = new MessageEventRenderer(call.served?.model ?? model, requestId, sse);
    await sendStream(answer.events, call, renderer, sse);
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendAnthropicError(res, error, requestId);
  }
}
