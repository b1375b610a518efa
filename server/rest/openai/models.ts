import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { listsModel } from "../../policy/auth/key-scope.ts";
import type { CatalogEntry } from "../../routing/model-router.ts";
import { sendError, sendJson } from "../respond.ts";
import { restCredential } from "../rest-call.ts";
import { catalogEntryJson } from "./model-facts-json.ts";
import { openAIErrorBody } from "./openai-error.ts";

/** `GET /v1/models`: the catalogue as OpenAI's model list. */
export function listModels(
  services: GatewayServices,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): void {
  try {
    const models = visibleModels(services, requestId, req);
    sendJson(res, 200, JSON.stringify({ object: "list", data: models.map(renderModel) }));
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}

/**
 * The catalogue as the caller's key may see it: a scoped key sees only the
 * models it may use. Throws `unauthenticated` for a missing or unknown key.
 */
export function visibleModels(services: GatewayServices, requestId: string, req: AnyRequest): CatalogEntry[] {
  const scope = services.auth.authenticate(restCredential(req), requestId).scope;
  return services.catalog.catalog().filter((m) => listsModel(scope, m));
}

/** `GET /v1/models/{id}`: one model by id, alias or bare upstream name. */
export function getModel(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): void {
  try {
    const scope = services.auth.authenticate(restCredential(req), requestId).scope;
    const model = services.catalog.find(id);
    if (model === undefined || !listsModel(scope, model)) {
      throw new GatewayError("model_not_found", `the model "${id}" does not exist`, { param: "model" });
    }
    sendJson(res, 200, JSON.stringify(renderModel(model)));
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}

function renderModel(model: CatalogEntry) {
  return {
    id: model.id,
    object: "model",
    created: model.created,
    owned_by: model.ownedBy,
    "x-llmgw": catalogEntryJson(model),
  };
}
