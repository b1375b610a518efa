import { invalidRequest } from "../../errors/gateway-error.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api): model methods are
 * `POST /{version}/{model}:{method}`, where `{model}` is a resource name,
 * `models/{id}` or `tunedModels/{id}`, and the method follows the last colon
 * (`models/x:generateContent`). `@google/genai` builds the name with
 * `models/` in front of a bare id and does not percent-encode it, so an id
 * with a slash (`models/org/name`) arrives as more than one segment.
 */

/** The model methods the surface answers. */
export type GeminiMethod =
  | "generateContent"
  | "streamGenerateContent"
  | "countTokens"
  | "embedContent"
  | "batchEmbedContents";

const METHODS: ReadonlySet<string> = new Set<GeminiMethod>([
  "generateContent",
  "streamGenerateContent",
  "countTokens",
  "embedContent",
  "batchEmbedContents",
]);

/** A model resource named in a path: `models/x` is the gateway model `x`; a tuned model keeps its whole name. */
export interface GeminiModelRef {
  /** The name the gateway routes (`x` for `models/x`, `tunedModels/x` as it is). */
  readonly model: string;
  /** The resource name as Google spells it (`models/x`), for `name` fields. */
  readonly resource: string;
}

/**
 * The model resource of a path's tail (after `/v1beta/` or `/v1/`),
 * percent-decoded. Throws `invalid_request` for a malformed escape, an empty
 * id, a `.`/`..` segment or a control character, so that nothing odd reaches
 * the router or an upstream URL. Segments are checked after decoding (an
 * encoded `%2F` splits one too) and after any `provider:` prefix, since the
 * router strips that prefix and the Gemini adapter puts the rest in its path.
 */
export function parseModelResource(raw: string): GeminiModelRef {
  const tuned = raw.startsWith("tunedModels/");
  if (!tuned && !raw.startsWith("models/")) {
    throw invalidRequest(
      `the model name must be "models/{model}" or "tunedModels/{model}", got "${clip(raw)}"`,
    );
  }
  const segments = raw.slice(tuned ? 12 : 7).split("/");
  const decoded: string[] = [];
  for (const segment of segments) {
    let text: string;
    try {
      text = decodeURIComponent(segment);
    } catch {
      throw invalidRequest(`the model name "${clip(raw)}" has a malformed percent-escape`);
    }
    if (text.split("/").some(isEmptyOrRelative)) {
      throw invalidRequest(`the model name "${clip(raw)}" has an empty or relative segment`);
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    if (/[\u0000-\u001f\u007f]/.test(text)) {
      throw invalidRequest(`the model name "${clip(raw)}" contains a control character`);
    }
    decoded.push(text);
  }
  const id = decoded.join("/");
  return tuned
    ? { model: `tunedModels/${id}`, resource: `tunedModels/${id}` }
    : { model: id, resource: `models/${id}` };
}

/** A model method call named by a path tail: `models/x:generateContent`. */
export interface GeminiMethodPath extends GeminiModelRef {
  readonly method: GeminiMethod;
}

/**
 * Splits `{model}:{method}` at the last literal colon (an encoded `%3A`
 * stays part of the model id). Undefined when the tail has no colon (a GET of
 * a model, or no route at all); throws `not_found`-worthy errors as
 * `invalid_request` only for a model name that is malformed.
 */
export function parseMethodPath(
  tail: string,
): GeminiMethodPath | { readonly unknownMethod: string } | undefined {
  const colon = tail.lastIndexOf(":");
  if (colon < 0) return undefined;
  const method = tail.slice(colon + 1);
  if (!METHODS.has(method)) return { unknownMethod: method };
  return { ...parseModelResource(tail.slice(0, colon)), method: method as GeminiMethod };
}

/** An empty segment, or `.`/`..` alone or after a colon (`gem:..` is `..` once the router takes `gem:` off). */
function isEmptyOrRelative(segment: string): boolean {
  if (segment === "") return true;
  const name = segment.slice(segment.lastIndexOf(":") + 1);
  return name === "." || name === "..";
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
