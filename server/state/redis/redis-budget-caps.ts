import type { BudgetCapChange, BudgetCapStore } from "../budget-cap-store.ts";
import { ChangeNotices } from "./change-notices.ts";
import type { RedisConnection } from "./redis-connection.ts";

const STORE = "budget caps (Redis)";

/**
 * Runtime budget caps in one Redis hash (field `<period> <scope>`, value the
 * caps as JSON), announced on a pub/sub channel, so that a cap set on one
 * replica holds on every replica, and on a replica started afterwards. The
 * hash is written before the notice is sent, so a replica that hears of a
 * change always reads it.
 */
export class RedisBudgetCaps implements BudgetCapStore {
  readonly #connection: RedisConnection;
  readonly #hash: string;
  readonly #channel: string;
  #notices: ChangeNotices | undefined;

  constructor(connection: RedisConnection, prefix = "llmgw:") {
    this.#connection = connection;
    this.#hash = `${prefix}budgets:caps`;
    this.#channel = `${prefix}budgets:changed`;
  }

  async list(): Promise<BudgetCapChange[]> {
    let fields: Record<string, string>;
    try {
      fields = await this.#connection.client.hgetall(this.#hash);
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    const changes: BudgetCapChange[] = [];
    for (const [field, value] of Object.entries(fields)) {
      const change = parse(field, value);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }

  async put(change: BudgetCapChange): Promise<void> {
    const caps = JSON.stringify({ usd: change.usd, tokens: change.tokens });
    try {
      await this.#connection.client.hset(this.#hash, `${change.period} ${change.scope}`, caps);
      await this.#connection.client.publish(this.#channel, change.scope);
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  subscribe(listener: () => void): void {
    this.#notices ??= new ChangeNotices(this.#connection, this.#channel, listener);
  }

  async close(): Promise<void> {
    await this.#notices?.close();
  }
}

/** A stored change, or undefined for a field this version cannot read (written by hand, or by a newer one). */
function parse(field: string, value: string): BudgetCapChange | undefined {
  const space = field.indexOf(" ");
  const period = field.slice(0, space);
  const scope = field.slice(space + 1);
  if (space < 0 || (period !== "day" && period !== "month") || scope === "") return undefined;
  let caps: { usd?: unknown; tokens?: unknown };
  try {
    caps = JSON.parse(value) as { usd?: unknown; tokens?: unknown };
  } catch {
    return undefined;
  }
  if (typeof caps !== "object" || caps === null) return undefined;
  const usd = typeof caps.usd === "number" && caps.usd > 0 ? caps.usd : undefined;
  const tokens = typeof caps.tokens === "number" && caps.tokens > 0 ? caps.tokens : undefined;
  return {
    scope,
    period,
    ...(usd === undefined ? {} : { usd }),
    ...(tokens === undefined ? {} : { tokens }),
  };
}
