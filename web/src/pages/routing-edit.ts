import type {
  DeploymentConfigJson,
  RoutedModelJson,
  RoutingConfigJson,
  RoutingStrategyName,
} from "../../../sdk/routing-config.ts";

/**
 * The Routing page's edits of the `routing` section, as pure functions: each
 * returns a new config and leaves its input alone, so the page keeps the
 * config in force beside the draft and can tell whether anything changed.
 * UpdateRoutingConfig replaces the whole section, so the draft is always the
 * whole section.
 */

/** The strategies, in the order the page offers them, with what each does. */
export const STRATEGY_CHOICES: ReadonlyArray<{ readonly name: RoutingStrategyName; readonly hint: string }> =
  [
    { name: "weighted", hint: "random by weight" },
    { name: "least-busy", hint: "fewest in flight" },
    { name: "latency", hint: "fastest on average" },
    { name: "ttft", hint: "quickest first token" },
    { name: "cost", hint: "cheapest per token" },
  ];

/** What a deployment's weight slider spans; a weight must be positive, so it starts above 0. */
export const WEIGHT_MIN = 0.1;
export const WEIGHT_MAX = 10;

/** A deployment's id as the gateway names it: its own, else `provider:model`. */
export function deploymentId(d: DeploymentConfigJson): string {
  return d.id ?? `${d.provider}:${d.model}`;
}

/** The default strategy of the section. */
export function withDefaultStrategy(
  config: RoutingConfigJson,
  strategy: RoutingStrategyName,
): RoutingConfigJson {
  return { ...config, strategy };
}

/** A model's own strategy; `undefined` makes it follow the section's default. */
export function withModelStrategy(
  config: RoutingConfigJson,
  model: string,
  strategy: RoutingStrategyName | undefined,
): RoutingConfigJson {
  return editModel(config, model, (m) => {
    const { strategy: _old, ...rest } = m;
    return strategy === undefined ? rest : { ...rest, strategy };
  });
}

/** One deployment's weight, clamped to the slider's range and rounded to a tenth. */
export function withWeight(
  config: RoutingConfigJson,
  model: string,
  index: number,
  weight: number,
): RoutingConfigJson {
  const clamped = Math.min(WEIGHT_MAX, Math.max(WEIGHT_MIN, Math.round(weight * 10) / 10));
  return editDeployment(config, model, index, (d) => ({ ...d, weight: clamped }));
}

/** One deployment's priority tier (0 is tried first). */
export function withPriority(
  config: RoutingConfigJson,
  model: string,
  index: number,
  priority: number,
): RoutingConfigJson {
  return editDeployment(config, model, index, (d) => ({ ...d, priority: Math.max(0, Math.trunc(priority)) }));
}

/** One deployment's context window; `undefined` returns it to the catalogue's. */
export function withContextWindow(
  config: RoutingConfigJson,
  model: string,
  index: number,
  tokens: number | undefined,
): RoutingConfigJson {
  return editDeployment(config, model, index, (d) => {
    const { context_window: _old, ...rest } = d;
    return tokens === undefined ? rest : { ...rest, context_window: tokens };
  });
}

/** One deployment's tags (local, eu, zdr, …), trimmed, without blanks or repeats. */
export function withTags(
  config: RoutingConfigJson,
  model: string,
  index: number,
  tags: readonly string[],
): RoutingConfigJson {
  return editDeployment(config, model, index, (d) => ({ ...d, tags: cleanList(tags) }));
}

/** A model's fallback chain, in order; a model never falls back to itself. */
export function withFallbacks(
  config: RoutingConfigJson,
  model: string,
  fallbacks: readonly string[],
): RoutingConfigJson {
  return editModel(config, model, (m) => ({
    ...m,
    fallbacks: cleanList(fallbacks).filter((f) => f !== model),
  }));
}

/** Moves one fallback up (-1) or down (+1) in the chain. */
export function moveFallback(
  config: RoutingConfigJson,
  model: string,
  index: number,
  by: -1 | 1,
): RoutingConfigJson {
  return editModel(config, model, (m) => {
    const list = [...(m.fallbacks ?? [])];
    const to = index + by;
    const item = list[index];
    if (item === undefined || to < 0 || to >= list.length) return m;
    list.splice(index, 1);
    list.splice(to, 0, item);
    return { ...m, fallbacks: list };
  });
}

/**
 * Each deployment's share of its priority tier's traffic under the weighted
 * strategy, 0 to 1, as the gateway's weighted score is: weight over the
 * tier's total weight.
 */
export function weightShares(model: RoutedModelJson): number[] {
  const totals = new Map<number, number>();
  for (const d of model.deployments)
    totals.set(d.priority ?? 0, (totals.get(d.priority ?? 0) ?? 0) + (d.weight ?? 1));
  return model.deployments.map((d) => (d.weight ?? 1) / (totals.get(d.priority ?? 0) ?? 1));
}

/** The routed models other than `model` that it could fall back to, not yet in its chain. */
export function fallbackChoices(config: RoutingConfigJson, model: string): string[] {
  const current = new Set(config.models?.find((m) => m.name === model)?.fallbacks ?? []);
  return (config.models ?? []).map((m) => m.name).filter((name) => name !== model && !current.has(name));
}

/** Whether the draft differs from the config in force. */
export function isChanged(saved: RoutingConfigJson, draft: RoutingConfigJson): boolean {
  return JSON.stringify(saved) !== JSON.stringify(draft);
}

function editModel(
  config: RoutingConfigJson,
  name: string,
  edit: (m: RoutedModelJson) => RoutedModelJson,
): RoutingConfigJson {
  return { ...config, models: (config.models ?? []).map((m) => (m.name === name ? edit(m) : m)) };
}

function editDeployment(
  config: RoutingConfigJson,
  model: string,
  index: number,
  edit: (d: DeploymentConfigJson) => DeploymentConfigJson,
): RoutingConfigJson {
  return editModel(config, model, (m) => ({
    ...m,
    deployments: m.deployments.map((d, i) => (i === index ? edit(d) : d)),
  }));
}

function cleanList(items: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const item of items) {
    const trimmed = item.trim();
    if (trimmed !== "") seen.add(trimmed);
  }
  return [...seen];
}
