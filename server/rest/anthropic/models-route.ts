import type { GatewayServices } from "../../core/services.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import type { CatalogEntry } from "../../routing/model-router.ts";
import { listedModel, listedModels } from "../listed-models.ts";
import { sendJson } from "../respond.ts";
import { sendAnthropicError } from "./anthropic-error.ts";

/*
 * Follows the Anthropic Models API as documented: `GET /v1/models?limit=
 * &after_id=&before_id=` answers a page `{data: [{type: "model", id,
 * display_name, created_at}], has_more, first_id, last_id}` (limit 1 to
 * 1000, default 20), and `GET /v1/models/{id}` one such model.
 */

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/** `GET /v1/models` with an `anthropic-version` header: the catalogue as Anthropic's model list. */
export function listAnthropicModels(
  services: GatewayServices,
  url: URL,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): void {
  try {
    const page = pageOf(listedModels(services, requestId, req), url.searchParams);
    sendJson(
      res,
      200,
      JSON.stringify({
        data: page.models.map(renderModel),
        has_more: page.hasMore,
        first_id: page.models[0]?.id ?? null,
        last_id: page.models.at(-1)?.id ?? null,
      }),
    );
  } catch (error) {
    sendAnthropicError(res, error, requestId);
  }
}

/** `GET /v1/models/{id}` with an `anthropic-version` header. */
export function getAnthropicModel(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): void {
  try {
    sendJson(res, 200, JSON.stringify(renderModel(listedModel(services, id, requestId, req))));
  } catch (error) {
    sendAnthropicError(res, error, requestId);
  }
}

/** One page of the (id-sorted) catalogue, after `after_id` or before `before_id`. */
function pageOf(
  models: readonly CatalogEntry[],
  params: URLSearchParams,
): { models: CatalogEntry[]; hasMore: boolean } {
  const raw = params.get("limit");
  const limit = raw === null ? DEFAULT_LIMIT : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`, "limit");
  }
  const after = params.get("after_id");
  const before = params.get("before_id");
  if (before !== null) {
    const end = indexOf(models, before, "before_id");
    const start = Math.max(0, end - limit);
    return { models: models.slice(start, end), hasMore: start > 0 };
  }
  const start = after === null ? 0 : indexOf(models, after, "after_id") + 1;
  return { models: models.slice(start, start + limit), hasMore: start + limit < models.length };
}

function indexOf(models: readonly CatalogEntry[], id: string, param: string): number {
  const index = models.findIndex((m) => m.id === id);
  if (index < 0) throw invalidRequest(`${param} ${JSON.stringify(id)} is not a model in the list`, param);
  return index;
}

function renderModel(model: CatalogEntry) {
  return {
    type: "model",
    id: model.id,
    display_name: model.id,
    created_at: new Date(model.created * 1000).toISOString(),
  };
}
