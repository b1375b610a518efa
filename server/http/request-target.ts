/**
 * A request-target the routes may see: origin-form (`/path?query`) with none
 * of the spellings that different layers resolve differently. WHATWG URL
 * resolves `/x/%2e%2e/v1/...` and `\v1\...` to `/v1/...`, a proxy in front
 * may not, and the pass-through routes read the raw target. Refusing them all
 * (with a 404) means routing, auth scopes and any path rule upstream of the
 * gateway see one and the same path. Real clients never send them.
 *
 * Refused, in the path part only (the query is the caller's own business):
 * absolute-form and `*`, an empty segment (`//`, or a trailing `/` outside
 * the web UI's `/ui/`), a `.` or `..` segment literal or percent-encoded,
 * and `\` literal or percent-encoded.
 */
const CONFUSING = /^[^?#]*?(?:\/\/|\\|%5c|\/(?:\.|%2e){1,2}(?:[/?#;]|$))/i;
const TRAILING_SLASH = /^[^?#]*[^/?#]\/(?:[?#]|$)/;

export function isPlainTarget(target: string): boolean {
  if (target.charCodeAt(0) !== 47 || CONFUSING.test(target)) return false;
  return !TRAILING_SLASH.test(target) || target.startsWith("/ui/");
}
