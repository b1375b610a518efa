import type { MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { type ChatRequest, ChatRequestSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import type { ProviderAdapter } from "../../providers/adapter.ts";
import { adHocDeployment } from "../ad-hoc-deployment.ts";
import type { Deployment, DeploymentStats } from "../deployment.ts";
import { plainLive } from "../deployment-live.ts";
import type { PriceSheet } from "../model-facts.ts";
import { RouteRequest } from "../route-request.ts";

/** For the strategies' and scores' tests: candidates and requests without a routing table. */

const adapter: ProviderAdapter = {
  name: "test",
  complete: () => Promise.reject(new Error("not called")),
  stream: () => Promise.reject(new Error("not called")),
  listModels: () => Promise.resolve([]),
  close: () => Promise.resolve(),
};

export interface CandidateInit {
  readonly provider?: string;
  readonly weight?: number;
  readonly local?: boolean;
  readonly quality?: number;
  readonly pricing?: { input: number; output: number };
  readonly stats?: Partial<DeploymentStats>;
  readonly queueDepth?: number;
}

/** A deployment named `id` with the given settings and statistics. */
export function candidate(id: string, init: CandidateInit = {}): Deployment {
  const base = plainLive();
  Object.assign(base.stats, init.stats);
  const queue =
    init.queueDepth === undefined
      ? undefined
      : { acquire: () => () => {}, active: 0, depth: init.queueDepth };
  const pricing: PriceSheet | undefined =
    init.pricing === undefined ? undefined : { ...init.pricing, source: "config" };
  return {
    ...adHocDeployment({ adapter, provider: init.provider ?? "p", model: id, pricing }),
    id,
    weight: init.weight ?? 1,
    local: init.local ?? false,
    quality: init.quality,
    live: { ...base, queue },
  };
}

/** A random source that returns `values` in turn, then repeats the last. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

/** A chat request of one user message. */
export function chat(text: string, init: MessageInitShape<typeof ChatRequestSchema> = {}): ChatRequest {
  return create(ChatRequestSchema, {
    model: "m",
    messages: [{ role: 3, content: [{ part: { case: "text", value: text } }] }],
    ...init,
  });
}

/** The request routing sees, at `now`, with `random`. */
export function routeRequest(
  init: { chat?: ChatRequest; stream?: boolean; now?: number; random?: () => number } = {},
): RouteRequest {
  return new RouteRequest(
    init.chat ?? chat("hello"),
    undefined,
    init.stream ?? false,
    init.now ?? 100_000,
    init.random ?? Math.random,
  );
}

/** The ids of a list, in order. */
export function ids(list: readonly Deployment[]): string[] {
  return list.map((d) => d.id);
}
