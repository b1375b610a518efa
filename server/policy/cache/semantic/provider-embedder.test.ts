import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type EmbedRequest, EmbedResponseSchema } from "../../../../gen/llmgw/v1/embeddings_pb.js";
import { GatewayError } from "../../../errors/gateway-error.ts";
import { type EmbedRunner, ProviderEmbedder } from "./provider-embedder.ts";

const signal = new AbortController().signal;

/** A runner that answers each request with the next of `vectors`, and keeps the requests. */
function answering(...vectors: number[][]): { run: EmbedRunner; requests: EmbedRequest[] } {
  const requests: EmbedRequest[] = [];
  const run: EmbedRunner = (request) => {
    requests.push(request);
    const values = vectors.shift() ?? [];
    return Promise.resolve(create(EmbedResponseSchema, { embeddings: [{ index: 0, values }] }));
  };
  return { run, requests };
}

describe("ProviderEmbedder", () => {
  it("asks the configured model for the text's vector, and normalises it", async () => {
    const { run, requests } = answering([3, 4]);
    const embedder = new ProviderEmbedder("nomic-embed-text", run, { dimensions: 2 });
    const vector = await embedder.embed("hello", signal);
    expect(Array.from(vector)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(embedder.name).toBe("nomic-embed-text");
    expect(requests[0]).toMatchObject({ model: "nomic-embed-text", inputs: ["hello"], dimensions: 2 });
  });

  it("calls an answer with no vector, a value that is not finite or all zeros an upstream error", async () => {
    for (const values of [[], [1, Number.NaN], [0, 0, 0]]) {
      const embedder = new ProviderEmbedder("m", answering(values).run);
      await expect(embedder.embed("x", signal)).rejects.toMatchObject({ code: "upstream_error" });
    }
  });

  it("refuses a vector of another size than the model returned before", async () => {
    const embedder = new ProviderEmbedder("m", answering([1, 0, 0], [1, 0]).run);
    await embedder.embed("a", signal);
    await expect(embedder.embed("b", signal)).rejects.toThrow(/2 dimensions where it returned 3 before/);
  });

  it("passes a GatewayError through, and hides anything else behind an internal one", async () => {
    const limited = new GatewayError("upstream_rate_limited", "slow down");
    const failing = new ProviderEmbedder("m", () => Promise.reject(limited));
    await expect(failing.embed("a", signal)).rejects.toBe(limited);
    const broken = new ProviderEmbedder("m", () => Promise.reject(new TypeError("oops")));
    await expect(broken.embed("a", signal)).rejects.toMatchObject({ code: "internal" });
  });
});
