import { describe, expect, it } from "vitest";
import { cosine, foldToDense } from "../../../state/unit-vector.ts";
import { LocalEmbedder } from "./local-embedder.ts";

const embedder = new LocalEmbedder();
const similarity = (a: string, b: string) => cosine(embedder.vector(a), embedder.vector(b));

describe("LocalEmbedder", () => {
  it("gives a sparse unit vector in a space of the configured size, its dimensions ascending", () => {
    const vector = new LocalEmbedder({ dimensions: 2 ** 16 }).vector("What is the capital of France?");
    expect(vector.dimensions).toBe(2 ** 16);
    // 6 words, 5 pairs and 26 trigrams, a few of them shared ("<th" in "the" twice, "is>"…).
    expect(vector.size).toBeGreaterThan(25);
    expect(vector.size).toBeLessThanOrEqual(37);
    for (let i = 1; i < vector.size; i++)
      expect(vector.indices[i]).toBeGreaterThan(vector.indices[i - 1] as number);
    expect(vector.indices.every((d) => d < 2 ** 16)).toBe(true);
    expect(vector.values.every((v) => v !== 0)).toBe(true);
    expect(cosine(vector, vector)).toBeCloseTo(1, 5);
  });

  it("sums the features that fall in one dimension, as the dense 512-dimension embedder did", () => {
    // Folded to 512 dimensions, the sparse vector is the dense one this embedder made before it was sparse.
    const fold = (text: string) => foldToDense(new LocalEmbedder().vector(text), 512);
    const a = fold("What is the capital of France?");
    const b = fold("What is the capital of Germany?");
    // What the dense embedder scored for this pair (docs/caching.md).
    expect(cosine(a, b)).toBeCloseTo(0.8, 2);
  });

  it("keeps one long text's many features, each once", () => {
    const text = Array.from({ length: 2_000 }, (_, i) => `word${i}`).join(" ");
    const vector = embedder.vector(text);
    // 2,000 words and 1,999 pairs, each its own; their trigrams are mostly shared ("<wo", "wor", "ord").
    expect(vector.size).toBeGreaterThan(4_000);
    expect(cosine(vector, vector)).toBeCloseTo(1, 4);
  });

  it("is deterministic across instances", () => {
    const text = "How do I reverse a list in Python?";
    expect(new LocalEmbedder().vector(text)).toEqual(new LocalEmbedder().vector(text));
  });

  it("matches a rewording in case, punctuation and contractions exactly", () => {
    expect(similarity("What is the capital of France?", "what's the capital of france")).toBeCloseTo(1, 5);
  });

  it("keeps a different country below the default threshold", () => {
    expect(similarity("What is the capital of France?", "What is the capital of Germany?")).toBeLessThan(
      0.95,
    );
  });

  it("weighs numbers and negations so that one changed word of them falls well below the threshold", () => {
    expect(similarity("List the first 10 prime numbers", "List the first 100 prime numbers")).toBeLessThan(
      0.8,
    );
    expect(similarity("Give me a recipe with chicken", "Give me a recipe without chicken")).toBeLessThan(0.8);
  });

  it("gives a zero vector for a text with no word, which matches nothing", () => {
    const vector = embedder.vector("?!");
    expect(vector.size).toBe(0);
    expect(cosine(vector, embedder.vector("anything"))).toBe(0);
  });

  it("refuses sizes that are not a power of two in range", () => {
    expect(() => new LocalEmbedder({ dimensions: 5_000 })).toThrow(RangeError);
    expect(() => new LocalEmbedder({ dimensions: 512 })).toThrow(RangeError);
    expect(() => new LocalEmbedder({ dimensions: 2 ** 25 })).toThrow(RangeError);
  });

  it("embeds through the port, and rejects once the signal has fired", async () => {
    const vector = await embedder.embed("hello world", new AbortController().signal);
    expect(vector).toEqual(embedder.vector("hello world"));
    await expect(embedder.embed("hello", AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
  });
});
