import { STRATEGIES, type StrategyName } from "../../config/routing-schema.ts";
import { cost } from "./cost.ts";
import { latency } from "./latency.ts";
import { leastBusy } from "./least-busy.ts";
import type { Strategy } from "./strategy.ts";
import { ttft } from "./ttft.ts";
import { weighted } from "./weighted.ts";

const BY_NAME: Readonly<Record<StrategyName, Strategy>> = {
  weighted,
  "least-busy": leastBusy,
  latency,
  ttft,
  cost,
};

/** The strategy of that name, or undefined for a name that is none of STRATEGIES. */
export function strategyFor(name: string): Strategy | undefined {
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name as StrategyName] : undefined;
}

/** The names a caller may ask for, for error messages. */
export const STRATEGY_NAMES: string = STRATEGIES.join(", ");
