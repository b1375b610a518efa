/**
 * The mock upstream's route table: which path answers in which upstream's wire format. One server
 * speaks every API the gateway has an adapter for, so a test or a demo needs only one mock.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { anthropicMessages } from "./mock-anthropic.ts";
import { anthropicModelsJson } from "./mock-anthropic-wire.ts";
import type { ServerBehaviour } from "./mock-controls.ts";
import { mockEmbeddings } from "./mock-embeddings.ts";
import { OpenAIError } from "./mock-errors.ts";
import { geminiApi } from "./mock-gemini.ts";
import { geminiBatchEmbed } from "./mock-gemini-embed.ts";
import { ollamaChat } from "./mock-ollama.ts";
import { ollamaEmbed } from "./mock-ollama-embed.ts";
import { ollamaTagsJson } from "./mock-ollama-wire.ts";
import { openAIChat } from "./mock-openai.ts";
import type { ReplyDefaults } from "./mock-reply.ts";
import { type Life, send, sendError } from "./mock-stream.ts";
import { tgiGenerate } from "./mock-tgi.ts";
import { tgiInfoJson } from "./mock-tgi-wire.ts";

/** What every route shares: the reply defaults, the delays, the server's behaviour and the model list. */
export interface MockRouteOptions {
  defaults: ReplyDefaults;
  ttftMs: number;
  itlMs: number;
  /** The server-level controls each request starts from (changed at runtime through `current`). */
  behaviour: ServerBehaviour;
  /** Ids the model listings show. */
  models: readonly string[];
  /** Unix seconds the listings give as each model's creation time. */
  startedAt: number;
}

/** Answers one request whose body has been read (`body` is undefined when it was absent or not JSON). */
export type MockRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: unknown,
  life: Life,
) => void;

/** Builds the route function once per server: the model listings are serialized here, not per request. */
export function mockRoutes(options: MockRouteOptions): MockRoute {
  const { defaults, ttftMs, itlMs, behaviour, models, startedAt } = options;
  const modelsJson = JSON.stringify({
    object: "list",
    data: models.map((id) => ({ id, object: "model", created: startedAt, owned_by: "mock" })),
  });
  const anthropicModels = anthropicModelsJson(models, startedAt);
  const ollamaTags = ollamaTagsJson(models, startedAt);
  let seq = 0;
  const base = { defaults, ttftMs, itlMs, behaviour, nextSeq: () => ++seq };
  const withModels = { ...base, models };
  const embeddings = { ttftMs, model: defaults.model, behaviour };

  return (req, res, path, body, life) => {
    const method = req.method;
    if (path === "/v1/chat/completions") openAIChat(req, res, body, life, base);
    else if (path === "/v1/messages") anthropicMessages(req, res, body, life, base);
    else if (path === "/api/chat") ollamaChat(req, res, body, life, withModels);
    else if (path === "/api/embed") ollamaEmbed(req, res, body, life, withModels);
    else if (path.startsWith("/v1beta/") && path.endsWith(":batchEmbedContents"))
      geminiBatchEmbed(req, res, path, body, life, withModels);
    else if (path.startsWith("/v1beta/")) geminiApi(req, res, path, body, life, withModels);
    else if (path === "/generate" || path === "/generate_stream")
      tgiGenerate(req, res, body, life, base, path === "/generate_stream");
    else if (path === "/info" && method === "GET")
      send(res, 200, "application/json", tgiInfoJson(defaults.model));
    else if (path === "/api/tags" && method === "GET") send(res, 200, "application/json", ollamaTags);
    else if (path === "/v1/embeddings") mockEmbeddings(req, res, body, life, embeddings);
    else if (path === "/v1/models" && method === "GET") {
      send(res, 200, "application/json", req.headers["anthropic-version"] ? anthropicModels : modelsJson);
    } else if (path === "/health" && method === "GET") send(res, 200, "application/json", '{"status":"ok"}');
    else sendError(res, new OpenAIError(404, `Unknown route: ${method} ${path}`, null, "not_found"));
  };
}
