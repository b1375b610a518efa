import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { createCall } from "../../core/call.ts";
import { GatewayError, invalidRequest } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import { SseWriter } from "../../http/sse-writer.ts";
import { withCacheHeader } from "../cache-mode.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import { sendError, sendJson } from "../respond.ts";
import { restRoutingHints } from "../rest-call.ts";
import { chunkFrames, sendStream } from "../stream-sink.ts";
import { geminiErrorBody } from "./gemini-error.ts";
import { type GeminiExchange, geminiCallInit } from "./gemini-exchange.ts";
import type { GeminiModelRef } from "./gemini-path.ts";
import { JsonArrayWriter } from "./json-array-writer.ts";
import { parseGenerateRequest } from "./parse-generate-request.ts";
import { renderGenerateResponse } from "./render-response.ts";
import { GeminiChunkRenderer } from "./stream-chunks.ts";

/**
 * `POST /{v1beta,v1}/models/{model}:generateContent` and
 * `:streamGenerateContent` (SSE with `alt=sse`, else one JSON array streamed
 * element by element): Gemini JSON in, the pipeline, Gemini JSON out. The
 * body is read inside the pipeline, after auth. Errors before the stream get
 * a status and Google's error body; after it, a last error chunk.
 */
export async function generateContent(
  exchange: GeminiExchange,
  target: GeminiModelRef,
  stream: boolean,
): Promise<void> {
  const { services, limits, requestId, req, res, url } = exchange;
  const call = createCall({
    ...geminiCallInit(exchange, "chat", stream),
    decode: async () => {
      if (stream) streamFormat(url);
      const routing = restRoutingHints(req);
      call.chat = withCacheHeader(
        req,
        parseGenerateRequest(await readJsonBody(req, limits.bodyLimit, call.signal), target.model, routing),
      );
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    const model = call.served?.model ?? target.model;
    if (answer.kind === "complete") {
      const body = renderGenerateResponse(answer.response, model, requestId);
      // A stream asked for but answered whole (a cache hit, say) still leaves as the caller's stream format.
      if (!stream) sendJson(res, 200, body);
      else sendWhole(res, url, body);
      return;
    }
    if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    const writer = isSse(url) ? new SseWriter(res) : new JsonArrayWriter(res);
    writer.open({});
    const renderer = new GeminiChunkRenderer(model, requestId);
    // Gemini streams have no end marker: a clean end is the end of the body after the usage chunk.
    const format = {
      render: (event: StreamResponse) => renderer.render(event),
      error: geminiErrorBody,
      done: [],
    };
    await sendStream(answer.events, call, chunkFrames(format, writer), writer);
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendError(res, error, geminiErrorBody);
  }
}

function isSse(url: URL): boolean {
  return url.searchParams.get("alt") === "sse";
}

/** Refuses an `alt` other than `sse` (SSE) or `json` (the default: one JSON array). */
function streamFormat(url: URL): void {
  const alt = url.searchParams.get("alt");
  if (alt !== null && alt !== "sse" && alt !== "json") {
    throw invalidRequest(`alt must be "sse" or "json", got ${JSON.stringify(alt.slice(0, 40))}`);
  }
}

function sendWhole(res: AnyResponse, url: URL, body: string): void {
  const writer = isSse(url) ? new SseWriter(res) : new JsonArrayWriter(res);
  writer.open({});
  writer.end([body]);
}
