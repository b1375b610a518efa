import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { isNetworkLoss } from "./describe-error.ts";

/** Whether the gateway answers: the shell shows a "reconnecting" bar while it does not. */
export type ConnectionState = "online" | "reconnecting";

/**
 * Watches every RPC's outcome: a call that fails as Unavailable or whose
 * fetch fails (the network is gone, the gateway restarted or sheds load)
 * marks the connection lost;
 * any call that gets an answer, even an error one, marks it back. The shell
 * probes while it is lost, so it recovers without the user doing anything.
 */
export class Connection {
  #state: ConnectionState = "online";
  readonly #listeners = new Set<(state: ConnectionState) => void>();

  get state(): ConnectionState {
    return this.#state;
  }

  subscribe(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called when the gateway stops accepting the key (revoked, expired): the shell signs out. */
  onRefused: (() => void) | undefined;

  /** Records one call's outcome. */
  saw(error: unknown): void {
    const code = error === undefined ? undefined : ConnectError.from(error).code;
    if (code === Code.Unauthenticated) this.onRefused?.();
    this.#set(error !== undefined && isNetworkLoss(error) ? "reconnecting" : "online");
  }

  readonly interceptor: Interceptor = (next) => async (request) => {
    try {
      const response = await next(request);
      this.saw(undefined);
      return response;
    } catch (error) {
      this.saw(error);
      throw error;
    }
  };

  #set(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}
