import type { ModelCatalog } from "../../routing/model-router.ts";

const LATEST = ":latest";

/**
 * The model an Ollama caller means. Ollama treats `name` and `name:latest` as
 * one model, and its clients add the tag freely; the gateway's names carry
 * none (a colon there picks a provider). So a `:latest` name the catalogue
 * does not know is tried without the tag. Only such names pay for the look-up.
 */
export function ollamaModelName(catalog: ModelCatalog, name: string): string {
  if (!name.endsWith(LATEST) || catalog.find(name) !== undefined) return name;
  const bare = name.slice(0, -LATEST.length);
  return catalog.find(bare) === undefined ? name : bare;
}
