import { randomUUID } from "node:crypto";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Echoes a caller's request id when it is safe to log and put in a header,
 * and makes a new one otherwise, so a hostile id never reaches our logs.
 */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && SAFE_ID.test(header) ? header : randomUUID();
}
