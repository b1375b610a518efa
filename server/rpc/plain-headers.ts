/**
 * A `Headers` on a plain `Map`, for the handler context of the direct gRPC path (grpc-direct.ts). Each
 * call builds three (request, response, trailers), and the WHATWG class routes every construction
 * and `set` through WebIDL conversions and sorts its list on every iteration: about a tenth of a unary
 * call's CPU. This one keeps the semantics the services and Connect's trailer encoder rely on: names
 * are case-insensitive, values are trimmed of HTTP whitespace, an invalid name or value is a
 * TypeError, `append` joins with ", " (each `set-cookie` stays its own), and iteration is by
 * lowercase name in order.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const SET_COOKIE = "set-cookie";

function headerName(name: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`invalid header name: "${name}"`);
  return name.toLowerCase();
}

function headerValue(name: string, value: string): string {
  const trimmed = String(value).replace(EDGE_WHITESPACE, "");
  if (FORBIDDEN_IN_VALUE.test(trimmed)) throw new TypeError(`invalid value for header "${name}"`);
  return trimmed;
}

export class PlainHeaders implements Headers {
  readonly #values = new Map<string, string>();
  #cookies: string[] = [];

  constructor(init?: Readonly<Record<string, string>>) {
    if (init === undefined) return;
    for (const name in init) this.append(name, init[name] as string);
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const normalized = headerValue(name, value);
    if (key === SET_COOKIE) {
      this.#cookies.push(normalized);
      return;
    }
    const previous = this.#values.get(key);
    this.#values.set(key, previous === undefined ? normalized : `${previous}, ${normalized}`);
  }

  set(name: string, value: string): void {
    const key = headerName(name);
    const normalized = headerValue(name, value);
    if (key === SET_COOKIE) this.#cookies = [normalized];
    else this.#values.set(key, normalized);
  }

  delete(name: string): void {
    const key = headerName(name);
    if (key === SET_COOKIE) this.#cookies = [];
    else this.#values.delete(key);
  }

  get(name: string): string | null {
    const key = headerName(name);
    if (key === SET_COOKIE) return this.#cookies.length === 0 ? null : this.#cookies.join(", ");
    return this.#values.get(key) ?? null;
  }

  has(name: string): boolean {
    const key = headerName(name);
    return key === SET_COOKIE ? this.#cookies.length > 0 : this.#values.has(key);
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const name of this.#names()) {
      if (name === SET_COOKIE) for (const cookie of this.#cookies) callback.call(thisArg, cookie, name, this);
      else callback.call(thisArg, this.#values.get(name) as string, name, this);
    }
  }

  *entries(): HeadersIterator<[string, string]> {
    for (const name of this.#names()) {
      if (name === SET_COOKIE) for (const cookie of this.#cookies) yield [name, cookie];
      else yield [name, this.#values.get(name) as string];
    }
  }

  *keys(): HeadersIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): HeadersIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  /** The names in iteration order: sorted, `set-cookie` once however many there are. */
  #names(): string[] {
    const names = [...this.#values.keys()];
    if (this.#cookies.length > 0) names.push(SET_COOKIE);
    return names.sort();
  }
}
