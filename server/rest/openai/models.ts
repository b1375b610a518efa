import type { GatewayServices } from "../../core/services.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import type { CatalogEntry } from "../../routing/model-router.ts";
import { listedModel, listedModels } from "../listed-models.ts";
import { sendError, sendJson } from "../respond.ts";
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
    const models = listedModels(services, requestId, req);
    sendJson(res, 200, JSON.stringify({ object: "list", data: models.map(renderModel) }));
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
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
    sendJson(res, 200, JSON.stringify(renderModel(listedModel(services, id, requestId, req))));
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
