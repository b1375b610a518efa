/**
 * The response store's port: Responses API answers kept for
 * `previous_response_id`, `GET /v1/responses/{id}` and `DELETE`. Embedded it
 * is a table in the ledger's SQLite file; distributed it is PostgreSQL, so
 * any replica can continue a conversation another replica answered.
 *
 * The store holds text it does not read: the surface decides what the
 * conversation and the response look like. Each operation is one atomic
 * statement in the backend.
 */

/** One stored response. */
export interface StoredResponse {
  /** `resp_…`, unique. */
  readonly id: string;
  /** The name of the key that created it; only that key (or an admin) may read, continue or delete it. */
  readonly keyName: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** The canonical conversation the response answered, its own output appended, as JSON. */
  readonly conversation: string;
  /** The response object as the caller saw it, as JSON. */
  readonly response: string;
}

export interface ResponseStore {
  /** Stores a response; one stored already under its id is replaced. */
  put(response: StoredResponse): Promise<void>;
  /** The response with this id, whoever owns it; undefined when there is none. */
  get(id: string): Promise<StoredResponse | undefined>;
  /** Deletes the response; false when there was none. */
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}
