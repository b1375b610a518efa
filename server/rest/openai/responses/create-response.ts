import { create, type JsonObject } from "@bufbuild/protobuf";
import { ChatRequestSchema, type Message, Role } from "../../../../gen/llmgw/v1/chat_pb.js";
import { type Call, createCall } from "../../../core/call.ts";
import type { GatewayServices } from "../../../core/services.ts";
import { GatewayError, invalidRequest } from "../../../errors/gateway-error.ts";
import type { AnyResponse } from "../../../http/cors.ts";
import { readJsonBody } from "../../../http/json-body.ts";
import type { AnyRequest } from "../../../http/read-body.ts";
import { SseWriter } from "../../../http/sse-writer.ts";
import { setLimitHeaders } from "../../limit-headers.ts";
import { sendError, sendJson } from "../../respond.ts";
import { restRequest, restRoutingHints } from "../../rest-call.ts";
import type { RestLimits } from "../chat-completions.ts";
import { openAIErrorBody } from "../openai-error.ts";
import { outputFromMessage } from "./output-items.ts";
import { parseInput, referencedIds } from "./parse-input-items.ts";
import { parseResponsesRequest, type ResponsesRequest } from "./parse-responses-request.ts";
import { ResponseEvents } from "./response-events.ts";
import { newResponseId } from "./response-ids.ts";
import { responseObject, statusOf } from "./response-object.ts";
import { sendResponseEvents, storeFailure } from "./responses-sse.ts";
import {
  conversationJson,
  outputMessages,
  ownResponse,
  referencedItems,
  storedConversation,
} from "./stored-conversation.ts";

/**
 * `POST /v1/responses`: the OpenAI Responses API onto any backend. The body
 * is decoded inside the pipeline, after auth, because a continuation
 * (`previous_response_id`, `item_reference`) reads the store as the key,
 * and a key may continue only its own responses. The canonical request is
 * the instructions, then the stored conversation, then the new input. A
 * stored response is written before the caller sees it complete.
 */
export async function createResponse(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  const id = newResponseId();
  const createdAt = Math.floor(Date.now() / 1000);
  let parsed: ResponsesRequest | undefined;
  /** The conversation without the instructions: what a continuation carries on from. */
  let conversation: Message[] = [];
  const call: Call = createCall({
    ...restRequest(req, res, requestId, services.inFlight),
    surface: "responses",
    op: "chat",
    stream: false,
    decode: async () => {
      const routing = restRoutingHints(req);
      const request = parseResponsesRequest(await readJsonBody(req, limits.bodyLimit, call.signal), routing);
      parsed = request;
      call.stream = request.stream;
      const key = call.key;
      if (key === undefined) throw new GatewayError("internal", "the call was decoded before auth");
      const history =
        request.previousResponseId === undefined
          ? []
          : storedConversation(
              await ownResponse(services.responses, request.previousResponseId, key, "previous_response_id"),
            );
      const references = await referencedItems(services.responses, referencedIds(request.input), key);
      const input = parseInput(request.input, references);
      // Checked here, not left to the pipeline: that would name `messages`, or send the instructions alone.
      if (input.length === 0 && history.length === 0) {
        throw invalidRequest("input must contain at least one item", "input");
      }
      const instructions =
        request.instructions === undefined
          ? []
          : [
              {
                role: Role.SYSTEM,
                content: [{ part: { case: "text" as const, value: request.instructions } }],
              },
            ];
      call.chat = create(ChatRequestSchema, {
        ...request.fields,
        messages: [...instructions, ...history, ...input],
      });
      conversation = call.chat.messages.slice(instructions.length);
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    const request = parsed as ResponsesRequest;
    const persist = request.store
      ? (response: JsonObject) =>
          services.responses.put({
            id,
            keyName: call.key?.name ?? "",
            createdAt: createdAt * 1000,
            conversation: conversationJson([
              ...conversation,
              ...outputMessages(response.output as JsonObject[]),
            ]),
            response: JSON.stringify(response),
          })
      : undefined;
    if (answer.kind === "complete") {
      const choice = answer.response.choices[0];
      const { status, incompleteReason } = statusOf(choice?.finishReason ?? 0);
      const response = responseObject(request.echo, {
        id,
        createdAt,
        model: answer.response.model || (call.chat?.model ?? ""),
        status,
        incompleteReason,
        output: outputFromMessage(id, choice?.message, status === "incomplete" ? "incomplete" : "completed"),
        usage: answer.response.usage,
        gateway: answer.response.gateway,
      });
      if (persist !== undefined)
        await persist(response).catch((error: unknown) => {
          throw storeFailure(error);
        });
      sendJson(res, 200, JSON.stringify(response));
      return;
    }
    if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    const sse = new SseWriter(res);
    sse.open({});
    const renderer = new ResponseEvents(
      sse,
      request.echo,
      id,
      call.served?.model ?? call.chat?.model ?? "",
      createdAt,
    );
    renderer.start();
    await sendResponseEvents(answer.events, call, renderer, sse, persist);
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendError(res, error, openAIErrorBody);
  }
}
