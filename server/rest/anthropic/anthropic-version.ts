import { invalidRequest } from "../../errors/gateway-error.ts";

/*
 * Follows the Anthropic API's versioning as documented: `anthropic-version`
 * is a date, `2023-06-01` being the version the current Messages API (and
 * its streaming format) started with. The Anthropic JS SDK 1.x sends newer
 * dates; 0.x, Python and curl examples send 2023-06-01.
 */

const OLDEST = "2023-06-01";
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks the `anthropic-version` header: absent is fine (the gateway does not
 * require it), 2023-06-01 and every later date are accepted, and anything
 * older or not a date is refused rather than answered in a format the
 * caller did not ask for.
 */
export function checkAnthropicVersion(version: string | undefined): void {
  if (version === undefined) return;
  if (!DATE.test(version) || version < OLDEST) {
    throw invalidRequest(
      `anthropic-version ${JSON.stringify(version)} is not supported; use ${OLDEST} or later`,
      "anthropic-version",
    );
  }
}
