import type { GatewayServices } from "../core/services.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { listsModel } from "../policy/auth/key-scope.ts";
import type { CatalogEntry } from "../routing/model-router.ts";
import { restCredential } from "./rest-call.ts";

/**
 * The models the caller's key may see, for every surface's model list: a
 * scoped key sees only the models it may use. Throws `unauthenticated`.
 */
export function listedModels(services: GatewayServices, requestId: string, req: AnyRequest): CatalogEntry[] {
  const scope = services.auth.authenticate(restCredential(req), requestId).scope;
  return services.catalog.catalog().filter((m) => listsModel(scope, m));
}

/** One model by id, alias or bare upstream name, if the caller's key may see it; else `model_not_found`. */
export function listedModel(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
): CatalogEntry {
  const scope = services.auth.authenticate(restCredential(req), requestId).scope;
  const model = services.catalog.find(id);
  if (model === undefined || !listsModel(scope, model)) {
    throw new GatewayError("model_not_found", `the model "${id}" does not exist`, { param: "model" });
  }
  return model;
}
