import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { type Model, ModelSchema, ModelSource, type ModelsService } from "../../gen/llmgw/v1/models_pb.js";
import type { GatewayServices } from "../core/services.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { listsModel } from "../policy/auth/key-scope.ts";
import type { CatalogEntry } from "../routing/model-router.ts";
import { toConnectError } from "./connect-error.ts";
import { modelFactsProto } from "./model-facts-proto.ts";
import { rpcCredential } from "./rpc-call.ts";

/** ModelsService: the same catalogue as `GET /v1/models`. */
export function modelsService(services: GatewayServices): ServiceImpl<typeof ModelsService> {
  return {
    listModels(req, ctx) {
      try {
        const { scope } = services.auth.authenticate(
          rpcCredential(ctx),
          ctx.responseHeader.get("x-request-id") ?? "",
        );
        // A scoped key sees only the models it may use.
        const models = services.catalog
          .catalog()
          .filter((m) => (req.provider === "" || m.provider === req.provider) && listsModel(scope, m));
        return { models: models.map(toModel) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    getModel(req, ctx) {
      try {
        const { scope } = services.auth.authenticate(
          rpcCredential(ctx),
          ctx.responseHeader.get("x-request-id") ?? "",
        );
        const model = services.catalog.find(req.id);
        if (model === undefined || !listsModel(scope, model))
          throw new GatewayError("model_not_found", `the model "${req.id}" does not exist`);
        return { model: toModel(model) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

const SOURCES = {
  config: ModelSource.CONFIG,
  discovered: ModelSource.DISCOVERED,
  alias: ModelSource.ALIAS,
} as const;

function toModel(entry: CatalogEntry): Model {
  return create(ModelSchema, {
    id: entry.id,
    provider: entry.provider,
    upstreamModel: entry.upstreamModel,
    source: SOURCES[entry.source],
    created: BigInt(entry.created),
    ownedBy: entry.ownedBy,
    ...modelFactsProto(entry.facts),
  });
}
