import { hasLimits, type LimitsConfig } from "../../config/limits-schema.ts";
import type { Policy } from "../../core/chain.ts";
import { ComposedQuotaStore } from "../../state/composed-quota-store.ts";
import type { LimitStore } from "../../state/limit-store.ts";
import { MemoryLimitStore } from "../../state/memory/memory-limit-store.ts";
import { MemoryQuotaStore } from "../../state/memory/memory-quota-store.ts";
import { quotaPolicy } from "../quota/quota-policy.ts";
import { LimitPart, type LimitPartOptions } from "./limit-part.ts";

export interface RateLimitOptions extends LimitPartOptions {
  /** Epoch ms; windows are aligned to it. Tests inject their own clock. */
  readonly now?: () => number;
}

/**
 * Rate limits alone, over a LimitStore: the quota policy with only its
 * limits half (see limit-part.ts and quota-policy.ts). Absent from the chain
 * (`undefined`) when no limit is configured.
 */
export function rateLimitPolicy(
  config: LimitsConfig,
  store: LimitStore,
  options: RateLimitOptions,
): Policy | undefined {
  if (!hasLimits(config)) return undefined;
  const quota =
    store instanceof MemoryLimitStore
      ? new MemoryQuotaStore(store)
      : new ComposedQuotaStore(store, undefined);
  return quotaPolicy({ limits: new LimitPart(config, options) }, quota, options.now);
}
