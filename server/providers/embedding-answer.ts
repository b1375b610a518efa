import { GatewayError } from "../errors/gateway-error.ts";

/*
 * What every embeddings adapter checks in its upstream's answer, whatever
 * the wire format: vectors of numbers, held as float32 so that every surface
 * (gRPC's packed floats, both REST encodings) hands out the same values.
 */

/** The error for an embeddings answer the gateway cannot use; `what` says what was wrong with it. */
export function badEmbeddings(provider: string, what: string): GatewayError {
  return new GatewayError("upstream_error", `upstream ${provider} answered embeddings with ${what}`, {
    provider,
  });
}

/**
 * A JSON array of numbers as float32 values, rounded in place (no copy);
 * undefined when it is not an array of numbers.
 */
export function float32Vector(embedding: unknown): number[] | undefined {
  if (!Array.isArray(embedding)) return undefined;
  for (let i = 0; i < embedding.length; i++) {
    const value: unknown = embedding[i];
    if (typeof value !== "number") return undefined;
    embedding[i] = Math.fround(value);
  }
  return embedding as number[];
}
