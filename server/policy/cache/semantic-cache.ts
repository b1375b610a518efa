import { CacheMode, type ChatRequest } from "../../../gen/llmgw/v1/chat_pb.js";
import type { UnitVector } from "../../state/unit-vector.ts";
import type { VectorFilter, VectorIndex, VectorMatch } from "../../state/vector-index.ts";
import type { StoreHealth } from "../store-health.ts";
import { type EmbedScope, type SemanticInput, semanticInput } from "./semantic/embed-input.ts";
import type { Embedder } from "./semantic/embedder.ts";

export interface SemanticCacheOptions {
  readonly embedder: Embedder;
  readonly index: VectorIndex;
  readonly scope: EmbedScope;
  /** The least cosine similarity that is a hit. */
  readonly threshold: number;
  /** Thresholds per model (as callers name it, or resolved), in place of `threshold`. */
  readonly thresholds: Readonly<Record<string, number>>;
  /** Whether requests that sample (temperature above 0, or unset) may be answered: all, or those of these models. */
  readonly allowSampling: boolean | ReadonlySet<string>;
  readonly ttlMs: number;
  /** The embedder's and index's failures: the semantic cache fails open, as the exact one does. */
  readonly health: StoreHealth;
}

/** A request as the semantic cache sees it: what to embed, its partition, and its vector once made. */
export interface SemanticProbe {
  readonly input: SemanticInput;
  readonly threshold: number;
  vector: UnitVector | undefined;
}

/**
 * The semantic half of the cache: it embeds the request's text, finds the
 * nearest indexed request of the same partition (what must match exactly:
 * namespace, model, system prompt, tools, response format, the rest of the
 * conversation) above the threshold, and points at that request's exact
 * cache entry, which holds the answer. It never serves a request that
 * samples unless configured to: a temperature that is unset means the
 * upstream's default, which samples, so only an explicit 0 is deterministic
 * enough. An embedder or index that fails is a miss.
 */
export class SemanticCache {
  readonly #o: SemanticCacheOptions;

  constructor(options: SemanticCacheOptions) {
    this.#o = options;
  }

  get index(): VectorIndex {
    return this.#o.index;
  }

  /** The probe for a request, or undefined when the semantic cache leaves it alone. */
  probe(chat: ChatRequest, requested: string, model: string, namespace: string): SemanticProbe | undefined {
    const o = this.#o;
    const samples = chat.temperature === undefined || chat.temperature > 0;
    if (
      samples &&
      chat.cache !== CacheMode.ALLOW_SAMPLING &&
      !mayServeSampling(o.allowSampling, requested, model)
    ) {
      return undefined;
    }
    const input = semanticInput(chat, o.scope, {
      namespace,
      model,
      embedder: o.embedder.space ?? o.embedder.name,
    });
    if (input === undefined) return undefined;
    const threshold = o.thresholds[requested] ?? o.thresholds[model] ?? o.threshold;
    return { input, threshold, vector: undefined };
  }

  /** The nearest cached request at or above the probe's threshold; embeds the probe on the way. */
  async nearest(probe: SemanticProbe, signal: AbortSignal): Promise<VectorMatch | undefined> {
    try {
      probe.vector = await this.#o.embedder.embed(probe.input.text, signal);
      const match = await this.#o.index.nearest(probe.input.partition, probe.vector, probe.threshold);
      if (this.#o.health.degraded) this.#o.health.recovered();
      return match;
    } catch (error) {
      if (signal.aborted) throw error;
      this.#o.health.failed("lookup", error);
      return undefined;
    }
  }

  /** Indexes a request whose answer was just stored under `key`, in the background. */
  add(probe: SemanticProbe, key: string, namespace: string, model: string): void {
    if (probe.vector === undefined) return;
    this.#o.index
      .add({
        key,
        partition: probe.input.partition,
        namespace,
        model,
        vector: probe.vector,
        expiresAt: Date.now() + this.#o.ttlMs,
      })
      .catch((error: unknown) => this.#o.health.failed("add", error));
  }

  remove(filter: VectorFilter): Promise<number> {
    return this.#o.index.remove(filter);
  }
}

function mayServeSampling(allow: boolean | ReadonlySet<string>, requested: string, model: string): boolean {
  return typeof allow === "boolean" ? allow : allow.has(requested) || allow.has(model);
}
