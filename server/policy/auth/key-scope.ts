import type { KeyScope } from "../../core/call.ts";

/** A model pattern: an exact name, or a prefix followed by one trailing `*` (`*` alone allows every model). */
export const MODEL_PATTERN = /^[^*]*\*?$/;

/**
 * The scope of a key's `models` and `providers` lists, compiled once when the
 * key is loaded; undefined when neither list limits it. An empty list allows
 * nothing, which is what it says.
 */
export function keyScope(
  models: readonly string[] | undefined,
  providers: readonly string[] | undefined,
): KeyScope | undefined {
  if (models === undefined && providers === undefined) return undefined;
  if (models?.includes("*") && providers === undefined) return undefined;
  let exact: Set<string> | undefined;
  const prefixes: string[] = [];
  if (models !== undefined && !models.includes("*")) {
    exact = new Set();
    for (const pattern of models) {
      if (pattern.endsWith("*")) prefixes.push(pattern.slice(0, -1));
      else exact.add(pattern);
    }
  }
  return {
    models: exact,
    modelPrefixes: prefixes,
    providers: providers === undefined ? undefined : new Set(providers),
  };
}

/** Whether the scope lets its key request `model` (the name as the caller sent it). */
export function allowsModel(scope: KeyScope, model: string): boolean {
  if (scope.models === undefined || scope.models.has(model)) return true;
  for (const prefix of scope.modelPrefixes) if (model.startsWith(prefix)) return true;
  return false;
}

/** The scope's model patterns, as the key's config or record spells them; undefined when it allows every model. */
export function modelPatterns(scope: KeyScope | undefined): string[] | undefined {
  if (scope?.models === undefined) return undefined;
  return [...scope.models, ...scope.modelPrefixes.map((p) => `${p}*`)];
}

/**
 * Whether a catalogue entry belongs in the model list a key sees: the key
 * may request it (by its id, or by the bare upstream name a caller may send)
 * and may use its provider. A key without a scope sees every model.
 */
export function listsModel(
  scope: KeyScope | undefined,
  entry: { readonly id: string; readonly provider: string; readonly upstreamModel: string },
): boolean {
  if (scope === undefined) return true;
  if (scope.providers !== undefined && !scope.providers.has(entry.provider)) return false;
  return allowsModel(scope, entry.id) || allowsModel(scope, entry.upstreamModel);
}
