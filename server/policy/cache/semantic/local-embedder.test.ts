import { describe, expect, it } from "vitest";
import { cosine } from "../../../state/unit-vector.ts";
import { LocalEmbedder } from "./local-embedder.ts";

const embedder = new LocalEmbedder();
const similarity = (a: string, b: string) => cosine(embedder.vector(a), embedder.vector(b));

describe("LocalEmbedder", () => {
  it("gives a unit vector of the configured size", () => {
    const vector = new LocalEmbedder({ dimensions: 256 }).vector("What is the capital of France?");
    expect(vector).toHaveLength(256);
    expect(cosine(vector, vector)).toBeCloseTo(1, 5);
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
    expect(vector.every((v) => v === 0)).toBe(true);
    expect(cosine(vector, embedder.vector("anything"))).toBe(0);
  });

  it("refuses sizes that are not a power of two in range", () => {
    expect(() => new LocalEmbedder({ dimensions: 500 })).toThrow(RangeError);
    expect(() => new LocalEmbedder({ dimensions: 32 })).toThrow(RangeError);
  });

  it("embeds through the port, and rejects once the signal has fired", async () => {
    const vector = await embedder.embed("hello world", new AbortController().signal);
    expect(vector).toEqual(embedder.vector("hello world"));
    await expect(embedder.embed("hello", AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
  });
});
