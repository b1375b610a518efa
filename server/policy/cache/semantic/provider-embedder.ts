import { create } from "@bufbuild/protobuf";
import {
  type EmbedRequest,
  EmbedRequestSchema,
  type EmbedResponse,
} from "../../../../gen/llmgw/v1/embeddings_pb.js";
import { GatewayError } from "../../../errors/gateway-error.ts";
import { normalise } from "../../../state/unit-vector.ts";
import type { Embedder } from "./embedder.ts";

/**
 * Runs an embeddings request on the named model's deployments, through the
 * gateway's own routing, retries, fallbacks, breakers and adapters (the app
 * builds it from core/embed-runner.ts). It rejects with a GatewayError.
 */
export type EmbedRunner = (request: EmbedRequest, signal: AbortSignal) => Promise<EmbedResponse>;

export interface ProviderEmbedderOptions {
  /** Asks the model for vectors of this size, for models that can shorten them; unset is the model's own. */
  readonly dimensions?: number;
}

/**
 * Embeds through a configured embedding model on any provider (Ollama's
 * `nomic-embed-text`, OpenAI's `text-embedding-3-small`…). What the upstream
 * returns is checked and normalised to unit length: no vector, a value that
 * is not finite, an all-zero vector, or a size other than the one it
 * returned before (the index compares only vectors of one size) is an
 * `upstream_error`, which the cache treats as a miss.
 */
export class ProviderEmbedder implements Embedder {
  readonly name: string;
  readonly #run: EmbedRunner;
  readonly #dimensions: number | undefined;
  #size: number | undefined;

  constructor(model: string, run: EmbedRunner, options: ProviderEmbedderOptions = {}) {
    this.name = model;
    this.#run = run;
    this.#dimensions = options.dimensions;
  }

  async embed(text: string, signal: AbortSignal): Promise<Float32Array> {
    const request = create(EmbedRequestSchema, {
      model: this.name,
      inputs: [text],
      dimensions: this.#dimensions,
    });
    let response: EmbedResponse;
    try {
      response = await this.#run(request, signal);
    } catch (error) {
      throw GatewayError.from(error);
    }
    const values = (response.embeddings.find((e) => e.index === 0) ?? response.embeddings[0])?.values;
    if (values === undefined || values.length === 0) throw this.#bad("no vector");
    const vector = Float32Array.from(values);
    let sum = 0;
    for (let i = 0; i < vector.length; i++) sum += Math.abs(vector[i] as number);
    if (!Number.isFinite(sum)) throw this.#bad("a value that is not a finite number");
    if (sum === 0) throw this.#bad("an all-zero vector");
    if (this.#size !== undefined && vector.length !== this.#size) {
      throw this.#bad(`${vector.length} dimensions where it returned ${this.#size} before`);
    }
    this.#size = vector.length;
    return normalise(vector);
  }

  #bad(what: string): GatewayError {
    return new GatewayError("upstream_error", `embedding model ${this.name} returned ${what}`);
  }
}
