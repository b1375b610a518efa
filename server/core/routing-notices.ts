import { randomUUID } from "node:crypto";
import type { RoutingConfig } from "../config/routing-schema.ts";
import type { KeyInfo } from "./call.ts";
import type { RoutingControl } from "./routing-control.ts";

/** Who changes the routing on behalf of a config reload or another replica's change. */
export const CONFIG_ADMIN: KeyInfo = { name: "config-reload", admin: true, priority: 0, team: "" };

/** A channel every replica hears (Redis pub/sub: ChangeNotices), as this module needs it. */
export interface NoticeChannel {
  announce(message: string): Promise<void>;
}

/**
 * Carries a routing change made on one replica (UpdateRoutingConfig, a
 * reload) to every other: the new section is announced whole, and a replica
 * that hears it puts it in force exactly as the RPC would, without
 * announcing it again. A replica skips its own notices by its instance id.
 */
export class RoutingNotices {
  readonly #id = randomUUID();
  #hearing = false;
  #channel: NoticeChannel | undefined;
  readonly #control: () => RoutingControl;
  readonly #onError: (error: unknown) => void;

  constructor(control: () => RoutingControl, onError: (error: unknown) => void) {
    this.#control = control;
    this.#onError = onError;
  }

  attach(channel: NoticeChannel): void {
    this.#channel = channel;
  }

  /** After a change here is in force: tell the others (not when the change came from them). */
  changed(routing: RoutingConfig): void {
    if (this.#hearing || this.#channel === undefined) return;
    this.#channel.announce(JSON.stringify({ from: this.#id, routing })).catch(this.#onError);
  }

  /** A notice from the channel ("" after a resubscription: nothing to apply). */
  heard(message: string): void {
    if (message === "") return;
    try {
      const { from, routing } = JSON.parse(message) as { from: string; routing: unknown };
      if (from === this.#id) return;
      this.#hearing = true;
      this.#control().update(CONFIG_ADMIN, routing);
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#hearing = false;
    }
  }
}
