import { createHash } from "node:crypto";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { listsModel } from "../../policy/auth/key-scope.ts";
import type { CatalogEntry } from "../../routing/model-router.ts";
import { listedModels } from "../listed-models.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { expectObject, optString } from "../openai/json-fields.ts";
import { catalogEntryJson } from "../openai/model-facts-json.ts";
import { sendError, sendJson } from "../respond.ts";
import { restCredential } from "../rest-call.ts";
import { ollamaErrorBody } from "./ollama-error.ts";
import { ollamaModelName } from "./ollama-model-name.ts";

/** What a model listing says for a model with no creation time: when this gateway started. */
const STARTED_AT = new Date().toISOString();

/**
 * `GET /api/tags`: the catalogue in Ollama's shape. The gateway holds no
 * model files, so `size` is 0, `digest` is the SHA-256 of the name (stable,
 * as clients key on it) and `details` say only what is known; the gateway's
 * own facts ride in `x-llmgw`. A scoped key sees only the models it may use.
 */
export function ollamaTags(
  services: GatewayServices,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): void {
  try {
    sendJson(res, 200, JSON.stringify({ models: listedModels(services, requestId, req).map(renderTag) }));
  } catch (error) {
    sendError(res, error, ollamaErrorBody);
  }
}

/** `GET /api/ps`: the models loaded in memory, of which the gateway has none it could name. */
export function ollamaRunning(
  services: GatewayServices,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): void {
  try {
    services.auth.authenticate(restCredential(req), requestId);
    sendJson(res, 200, JSON.stringify({ models: [] }));
  } catch (error) {
    sendError(res, error, ollamaErrorBody);
  }
}

/**
 * `POST /api/show` (`{model}`, or the older `{name}`): one model's details,
 * `capabilities` from the catalogue's facts, and the context window as
 * `model_info["llmgw.context_length"]` under `general.architecture: "llmgw"`,
 * the keys Ollama clients read it from. No Modelfile, template or
 * parameters: the upstream owns them.
 */
export async function ollamaShow(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  try {
    const scope = services.auth.authenticate(restCredential(req), requestId).scope;
    const json = expectObject(await readJsonBody(req, limits.bodyLimit), "body");
    const name = optString(json.model, "model") || optString(json.name, "name");
    if (!name) throw new GatewayError("invalid_request", "model is required", { param: "model" });
    const model = services.catalog.find(ollamaModelName(services.catalog, name));
    if (model === undefined || !listsModel(scope, model)) {
      throw new GatewayError("model_not_found", `model "${name}" not found`, { param: "model" });
    }
    sendJson(res, 200, JSON.stringify(renderShow(model)));
  } catch (error) {
    sendError(res, error, ollamaErrorBody);
  }
}

function renderTag(model: CatalogEntry) {
  return {
    name: model.id,
    model: model.id,
    modified_at: modifiedAt(model),
    size: 0,
    digest: createHash("sha256").update(model.id).digest("hex"),
    details: DETAILS,
    "x-llmgw": catalogEntryJson(model),
  };
}

function renderShow(model: CatalogEntry) {
  const info: Record<string, unknown> = {
    "general.architecture": "llmgw",
    "llmgw.provider": model.provider,
    "llmgw.upstream_model": model.upstreamModel,
  };
  if (model.facts.contextWindow !== undefined) info["llmgw.context_length"] = model.facts.contextWindow;
  return {
    modelfile: "",
    parameters: "",
    template: "",
    details: DETAILS,
    model_info: info,
    capabilities: capabilities(model),
    modified_at: modifiedAt(model),
  };
}

/** What the model can do, in Ollama's words, from the facts the catalogue knows. */
function capabilities(model: CatalogEntry): string[] {
  const facts = model.facts;
  if (facts.supportsEmbeddings === true) return ["embedding"];
  const out = ["completion"];
  if (facts.supportsTools === true) out.push("tools");
  if (facts.inputModalities?.includes("image")) out.push("vision");
  return out;
}

/** Ollama's `details`, all unknown: the upstream's format, family and quantization are not the gateway's to see. */
const DETAILS = Object.freeze({
  parent_model: "",
  format: "",
  family: "",
  families: null,
  parameter_size: "",
  quantization_level: "",
});

function modifiedAt(model: CatalogEntry): string {
  return model.created > 0 ? new Date(model.created * 1000).toISOString() : STARTED_AT;
}
