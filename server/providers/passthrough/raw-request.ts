/** The API families whose requests can be passed through unchanged. */
export type PassthroughApi = "anthropic" | "openai" | "gemini";

/**
 * A pass-through request: the caller's bytes, forwarded unchanged to a
 * provider of the same API family. The chain sees only the parsed copy in
 * `chat`; execution alone reads this.
 */
export interface RawRequest {
  readonly api: PassthroughApi;
  readonly method: string;
  /** The path below the API root (`/v1/messages`), with the query string, normalised and without the caller's `key`. */
  readonly path: string;
  /** The caller's request headers as received; the provider forwards only its allow-list of them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The caller's body, byte for byte (set once read; undefined for a bodiless request). */
  body: Buffer | undefined;
  /** The provider the route pins, or undefined to route by model among the family's providers. */
  readonly provider: string | undefined;
  /** Forward the caller's own provider key (its Authorization, x-api-key or x-goog-api-key) instead of the provider's. */
  readonly callerKey: boolean;
  /** The upstream may be at a private address (loopback, RFC 1918, link-local). */
  readonly allowPrivate: boolean;
}
