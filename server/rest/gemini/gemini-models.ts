import { GatewayError } from "../../errors/gateway-error.ts";
import { listsModel } from "../../policy/auth/key-scope.ts";
import type { CatalogEntry } from "../../routing/model-router.ts";
import { sendError, sendJson } from "../respond.ts";
import { geminiCredential } from "./gemini-credential.ts";
import { geminiErrorBody } from "./gemini-error.ts";
import type { GeminiExchange } from "./gemini-exchange.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/models): `models.list`
 * answers `{models: [Model], nextPageToken?}` and `models.get` one `Model`:
 * `{name: "models/x", baseModelId, version, displayName, description,
 * inputTokenLimit, outputTokenLimit, supportedGenerationMethods}`.
 */

/** `GET /v1beta/models`: the catalogue (what the key may use) as Gemini's model list, in one page. */
export function listGeminiModels({ services, requestId, req, res, url }: GeminiExchange): void {
  try {
    const scope = services.auth.authenticate(geminiCredential(req, url), requestId).scope;
    const models = services.catalog.catalog().filter((m) => listsModel(scope, m));
    sendJson(res, 200, JSON.stringify({ models: models.map(renderModel) }));
  } catch (error) {
    sendError(res, error, geminiErrorBody);
  }
}

/** `GET /v1beta/models/{model}`: one model by id, alias or bare upstream name. */
export function getGeminiModel({ services, requestId, req, res, url }: GeminiExchange, model: string): void {
  try {
    const scope = services.auth.authenticate(geminiCredential(req, url), requestId).scope;
    const entry = services.catalog.find(model);
    if (entry === undefined || !listsModel(scope, entry)) {
      throw new GatewayError("model_not_found", `the model "models/${model}" does not exist`, {
        param: "model",
      });
    }
    sendJson(res, 200, JSON.stringify(renderModel(entry)));
  } catch (error) {
    sendError(res, error, geminiErrorBody);
  }
}

/**
 * A catalogue entry as a Gemini `Model`. The gateway knows a context window
 * only as a whole, so `inputTokenLimit` is that window and `outputTokenLimit`
 * is left out when nobody says; the methods follow whether the model embeds.
 */
function renderModel(model: CatalogEntry): Record<string, unknown> {
  const facts = model.facts;
  const methods =
    facts.supportsEmbeddings === true
      ? ["embedContent", "batchEmbedContents", "countTokens"]
      : ["generateContent", "streamGenerateContent", "countTokens"];
  return {
    name: `models/${model.id}`,
    baseModelId: model.upstreamModel,
    version: model.source,
    displayName: model.id,
    description: `${model.provider}:${model.upstreamModel}`,
    ...(facts.contextWindow === undefined ? {} : { inputTokenLimit: facts.contextWindow }),
    supportedGenerationMethods: methods,
  };
}
