import type { Gateway } from "../../core/gateway.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { type AnyRequest, parseJsonBody, readBody } from "../../http/read-body.ts";
import { SseWriter } from "../../http/sse-writer.ts";
import { sendError, sendJson } from "../respond.ts";
import { restCall, restCredential } from "../rest-call.ts";
import { openAIErrorBody } from "./openai-error.ts";
import { parseChatRequest } from "./parse-chat-request.ts";
import { renderCompletion } from "./render-completion.ts";
import { ChunkRenderer } from "./stream-chunks.ts";

export interface RestLimits {
  readonly bodyLimit: number;
}

/**
 * `POST /v1/chat/completions`: OpenAI JSON in, the core pipeline, OpenAI JSON
 * or SSE out. Errors before the stream starts get a status and an OpenAI
 * error body; errors after it get a final `data: {"error": ...}` event.
 */
export async function chatCompletions(
  gateway: Gateway,
  limits: RestLimits,
  req: AnyRequest,
  res: AnyResponse,
) {
  let call: ReturnType<typeof restCall> | undefined;
  try {
    call = restCall(req, res, "openai", gateway.inFlight);
    call = { ...call, keyName: gateway.authenticate(restCredential(req)) };
    const { request, stream, includeUsage } = parseChatRequest(
      parseJsonBody(await readBody(req, limits.bodyLimit)),
    );
    if (!stream) {
      const response = await gateway.complete(request, call);
      sendJson(res, 200, renderCompletion(response, request.model));
      return;
    }
    const started = await gateway.stream(request, call);
    const renderer = new ChunkRenderer(started.model, includeUsage, call.requestId);
    const sse = new SseWriter(res);
    sse.open({});
    // The closing events (finish, usage, [DONE]) leave together, in the write that ends the stream.
    let last: string[] = [];
    try {
      for await (const event of started.events) {
        const payloads = renderer.render(event);
        if (event.event.case === "usage") last = payloads;
        else await sse.data(payloads);
        // A deadline (or a vanished client) may fire while a write waits for drain: end with its
        // error event, never with [DONE] after a cut-short stream.
        if (call.signal.aborted) throw call.signal.reason;
      }
      last.push("[DONE]");
    } catch (error) {
      last = [openAIErrorBody(GatewayError.from(error))];
    }
    sse.end(last);
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}
