import type { UnitVector } from "../../../state/unit-vector.ts";

/**
 * Turns text into a vector for the semantic cache: the built-in local
 * embedder (feature hashing) or a configured embedding model on a provider.
 */
export interface Embedder {
  /** A name for logs, metrics and LookupCache: `local` or the embedding model's name. */
  readonly name: string;
  /**
   * The text's vector, normalised to unit length (so a dot product is the
   * cosine): dense from a model, sparse from the local embedder.
   */
  embed(text: string, signal: AbortSignal): Promise<UnitVector>;
}
