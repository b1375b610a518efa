import type { CallOptions } from "@connectrpc/connect";
import type { Model } from "../gen/llmgw/v1/models_pb.js";
import type { LlmgwClient } from "./client.ts";

/** What the model helpers need of a client. */
export type ModelsClient = Pick<LlmgwClient, "models">;

/**
 * The models the calling key may use, with their context windows,
 * abilities and prices; `provider` narrows the list to one provider's.
 *
 * @example
 * for (const m of await listModels(llmgw)) console.log(m.id, m.contextWindow, m.pricing?.inputPerMtok);
 */
export async function listModels(client: ModelsClient, provider = "", call?: CallOptions): Promise<Model[]> {
  const { models } = await client.models.listModels({ provider }, call);
  return models;
}

/** One model by id (`provider:model`, or a routed or virtual name); NotFound when there is none. */
export async function getModel(client: ModelsClient, id: string, call?: CallOptions): Promise<Model> {
  const { model } = await client.models.getModel({ id }, call);
  if (model === undefined) throw new Error("the gateway answered without the model");
  return model;
}
