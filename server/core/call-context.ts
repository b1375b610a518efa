/**
 * What the core knows about one call, whichever surface it came from.
 * Surfaces build it; the core and providers only read it.
 */
export interface CallContext {
  /** The caller's x-request-id, or one the gateway generated. */
  readonly requestId: string;
  /** The name of the API key that authenticated the call; "" when the gateway is open. */
  readonly keyName: string;
  /** Fires when the caller goes away or its deadline passes; aborts the upstream request. */
  readonly signal: AbortSignal;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Which surface served the call, for metrics and logs. */
  readonly surface: string;
}
