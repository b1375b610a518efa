import { randomBytes } from "node:crypto";

/**
 * Ids of responses and their output items. An item id names the response it
 * came from (`msg_<token>_<n>` belongs to `resp_<token>`), so an
 * `item_reference` in a later request finds its item with one read of the
 * response store, with no index of items.
 */

export type ItemKind = "msg" | "fc" | "rs";

/** A new response id: `resp_` and 24 random bytes in hex. */
export function newResponseId(): string {
  return `resp_${randomBytes(24).toString("hex")}`;
}

/** The id of a response's `n`th output item of a kind. */
export function itemId(kind: ItemKind, responseId: string, n: number): string {
  return `${kind}_${responseId.slice(5)}_${n}`;
}

/** The id of the response an item id belongs to, or undefined when it is not one of ours. */
export function responseIdOfItem(id: string): string | undefined {
  const match = /^(?:msg|fc|rs)_([0-9a-f]{48})_\d+$/.exec(id);
  return match === null ? undefined : `resp_${match[1]}`;
}
