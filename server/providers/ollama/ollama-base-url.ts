/**
 * Ollama serves two APIs: its native one under `/api` (what the `ollama`
 * provider type speaks) and an OpenAI-compatible one under `/v1`. Users
 * often paste the `/v1` root into a `type: ollama` provider, which would then
 * POST to `/v1/api/chat` and get a bare 404. Since the intent is plain, the
 * trailing `/v1` is dropped and a notice says so (config parsing cannot log;
 * start-up logs the provider's `notices`). Imports nothing, so config
 * parsing can use it.
 *
 * @example ollamaBaseUrl("http://gpu:11434/v1/") // { url: "http://gpu:11434", notice: "..." }
 */
export function ollamaBaseUrl(url: string): { url: string; notice?: string } {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/+$/, "");
  if (!path.endsWith("/v1")) return { url };
  parsed.pathname = path.slice(0, -"/v1".length) || "/";
  const fixed = parsed.toString().replace(/\/+$/, "");
  return {
    url: fixed,
    notice:
      `base_url ${url} is Ollama's OpenAI-compatible root; a type: ollama provider speaks Ollama's ` +
      `native /api, so it uses ${fixed} (use type: openai to call the /v1 API instead)`,
  };
}
