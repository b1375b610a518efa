import type { Call } from "../../core/call.ts";
import type { Deployment } from "../../routing/deployment.ts";
import { estimateChatTokens, estimateEmbedTokens } from "../../routing/prompt-size.ts";

/** The most a call may consume, as its budgets reserve it. */
export interface WorstCase {
  /** Micro-dollars: the dearest deployment the call may be served by. */
  readonly microUsd: number;
  /** Estimated prompt tokens plus the completion tokens it may generate. */
  readonly tokens: number;
}

/**
 * The worst case of a call, over every deployment its plan may try (only
 * the first when the caller turned fallback off):
 * - prompt tokens from the routing estimate (prompt-size.ts), priced at the
 *   dearest prompt price of the model (input, or cache_write where writing
 *   the prompt cache costs more, as on Anthropic);
 * - completion tokens: the request's max_tokens, else `defaultMaxTokens`
 *   (none for embeddings), at the output price.
 * A deployment with no price adds no USD (nothing would be billed for it),
 * but its tokens still count against token budgets.
 */
export function worstCase(call: Call, defaultMaxTokens: number): WorstCase {
  const prompt =
    call.chat !== undefined
      ? estimateChatTokens(call.chat)
      : call.embed !== undefined
        ? estimateEmbedTokens(call.embed)
        : 0;
  const completion = call.chat !== undefined ? (call.chat.maxTokens ?? defaultMaxTokens) : 0;
  const plan = call.plan;
  let microUsd = 0;
  if (plan !== undefined) {
    const tried = plan.fallback ? plan.deployments.length : Math.min(1, plan.deployments.length);
    for (let i = 0; i < tried; i++) {
      const usd = priceOf(plan.deployments[i] as Deployment, prompt, completion);
      if (usd > microUsd) microUsd = usd;
    }
  }
  return { microUsd: Math.ceil(microUsd), tokens: prompt + completion };
}

/** Micro-dollars of `prompt` and `completion` tokens on one deployment (prices are USD per million). */
function priceOf(deployment: Deployment, prompt: number, completion: number): number {
  const p = deployment.pricing;
  if (p === undefined) return 0;
  const promptPrice = Math.max(p.input, p.cache_write ?? 0, p.cached_input ?? 0);
  return prompt * promptPrice + completion * p.output;
}
