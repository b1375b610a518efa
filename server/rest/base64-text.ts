/**
 * Whether `text` is base64 that decodes whole: the standard alphabet (with
 * `urlSafe`, `-` and `_` too), with at most two `=` of padding that bring it
 * to a multiple of four. Unpadded text is taken unless `padded` is required,
 * but never at a length no encoding has (one character over a multiple of
 * four). `Buffer.from(text, "base64")` skips what is not base64 and stops at
 * padding, so text this refuses would reach an upstream as a truncated or
 * empty image. Empty text is not base64 here.
 */
export function isBase64(text: string, options: { urlSafe?: boolean; padded?: boolean } = {}): boolean {
  const match = (options.urlSafe ? URL_SAFE : STANDARD).exec(text);
  if (match === null || text === "") return false;
  const padding = (match[1] as string).length;
  if (padding > 0 || options.padded) return text.length % 4 === 0;
  return text.length % 4 !== 1;
}

const STANDARD = /^[A-Za-z0-9+/]*(={0,2})$/;
const URL_SAFE = /^[A-Za-z0-9+/_-]*(={0,2})$/;
