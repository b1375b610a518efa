import { type BrokerOp, type BrokerRequest, isBrokerReply } from "./broker-protocol.ts";

/** A message channel to the broker: a cluster worker's IPC channel, or an in-process pair in tests. */
export interface BrokerChannel {
  send(message: BrokerRequest): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the channel closes (the primary has gone). */
  onClose(listener: () => void): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Asks the primary's quota broker, over IPC, one operation at a time; each
 * request is answered by id. If the primary goes, every pending and later
 * request fails: a worker without its broker must refuse (fail closed), not
 * count on its own.
 */
export class BrokerClient {
  readonly #channel: BrokerChannel;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #closed = false;

  constructor(channel: BrokerChannel) {
    this.#channel = channel;
    channel.onMessage((message) => {
      if (!isBrokerReply(message)) return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.error === undefined) pending.resolve(message.value);
      else pending.reject(new Error(`quota broker: ${message.error}`));
    });
    channel.onClose(() => {
      this.#closed = true;
      for (const pending of this.#pending.values()) pending.reject(gone());
      this.#pending.clear();
    });
  }

  ask<T>(op: BrokerOp, ...args: unknown[]): Promise<T> {
    if (this.#closed) return Promise.reject(gone());
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#channel.send({ llmgw: "quota", id, op, args });
    });
  }

  /** Sends without waiting for the answer (in order with every other request). */
  tell(op: BrokerOp, ...args: unknown[]): void {
    if (!this.#closed) this.#channel.send({ llmgw: "quota", id: 0, op, args });
  }
}

function gone(): Error {
  return new Error("the quota broker (the primary process) is gone");
}

/** This cluster worker's IPC channel to the primary. */
export function workerChannel(): BrokerChannel {
  const proc = process;
  if (typeof proc.send !== "function") throw new Error("not a cluster worker: no IPC channel");
  return {
    send: (message) => {
      proc.send?.(message);
    },
    onMessage: (listener) => {
      proc.on("message", listener);
    },
    onClose: (listener) => {
      proc.once("disconnect", listener);
    },
  };
}
