import type { UnitVector } from "../../../state/unit-vector.ts";

/**
 * Turns text into a vector for the semantic cache: the built-in local
 * embedder (feature hashing) or a configured embedding model on a provider.
 */
export interface Embedder {
  /** A name for logs, metrics and LookupCache: `local` or the embedding model's name. */
  readonly name: string;
  /**
   * What identifies its vectors' space in the semantic partition, when the
   * name alone does not (the local embedder's changed from dense to sparse
   * under one name): vectors of two spaces are never compared. The name otherwise.
   */
  readonly space?: string;
  /**
   * The text's vector, normalised to unit length (so a dot product is the
   * cosine): dense from a model, sparse from the local embedder.
   */
  embed(text: string, signal: AbortSignal): Promise<UnitVector>;
}
