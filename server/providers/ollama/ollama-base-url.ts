/**
 * Ollama serves two APIs: its native one under `/api` (what the `ollama`
 * provider type speaks) and an OpenAI-compatible one under `/v1`. Users
 * often paste the `/v1` root into a `type: ollama` provider, which would then
 * POST to `/v1/api/chat` and get a bare 404. Since the intent is plain, config
 * parsing drops the trailing `/v1` (docs/configuration.md says so). Parsing
 * cannot log, and its output must parse again unchanged (the CLI re-validates
 * it), so no notice rides along. Imports nothing, so config parsing can use it.
 *
 * @example ollamaBaseUrl("http://gpu:11434/v1/") // "http://gpu:11434"
 */
export function ollamaBaseUrl(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/+$/, "");
  if (!path.endsWith("/v1")) return url;
  parsed.pathname = path.slice(0, -"/v1".length) || "/";
  return parsed.toString().replace(/\/+$/, "");
}
