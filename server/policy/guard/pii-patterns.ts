import { isIPv6 } from "node:net";
import { ibanValid, luhnValid, ssnValid } from "./checksums.ts";
import { type Pattern, PatternSet } from "./pattern-set.ts";

/** The PII types, each of which config switches on or off. */
export const PII_TYPES = ["email", "phone", "payment_card", "ssn", "iban", "ip_address"] as const;
export type PiiType = (typeof PII_TYPES)[number];

const whole = (matched: string): readonly [number, number] => [0, matched.length];
const when =
  (check: (matched: string) => boolean) =>
  (matched: string): readonly [number, number] | undefined =>
    check(matched) ? whole(matched) : undefined;

/** 8–15 digits, as E.164 allows and national numbers have. */
function phoneDigits(matched: string): boolean {
  let n = 0;
  for (let i = 0; i < matched.length; i++) {
    const c = matched.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n >= 8 && n <= 15;
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

/**
 * The order matters where shapes overlap: a card or an IBAN is tried before
 * a phone number, so 16 grouped digits are judged as a card (and a card
 * failing Luhn is not then reported as a phone number).
 */
const PATTERNS: Record<PiiType, Pattern> = {
  email: {
    type: "email",
    source:
      "\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,24}\\b",
  },
  // 13–19 digits, optionally grouped by spaces or dashes, starting as the card networks do (2–6), Luhn-valid.
  payment_card: {
    type: "payment_card",
    source: "(?<![\\d-])[2-6](?:[ -]?\\d){12,18}(?![\\d-])",
    span: when(luhnValid),
  },
  iban: {
    type: "iban",
    source: "\\b[A-Z]{2}\\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\\b",
    span: when(ibanValid),
  },
  ssn: { type: "ssn", source: "(?<![\\d-])\\d{3}-\\d{2}-\\d{4}(?![\\d-])", span: when(ssnValid) },
  phone: {
    type: "phone",
    source:
      // E.164: + then 8–15 digits, or grouped by spaces, dots or dashes.
      "(?<![\\w+])\\+[1-9](?:[ .-]?\\(?\\d{1,4}\\)?){2,7}(?![\\w-])" +
      // National: (555) 123-4567, 555-123-4567, 555.123.4567.
      "|(?<![\\w.+-])(?:\\(\\d{3}\\)[ ]?|\\d{3}[-. ])\\d{3}[-. ]\\d{4}(?![\\w-])" +
      // Trunk prefix 0 with groups: 020 7946 0958, 01 23 45 67 89.
      "|(?<![\\w.+-])0\\d{1,4}(?:[ .-]\\d{2,4}){2,4}(?![\\w.-])",
    span: when(phoneDigits),
  },
  ip_address: {
    type: "ip_address",
    source:
      `(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?![\\d]|\\.\\d)` +
      // IPv6 candidates (two colons at least), confirmed by node:net.
      "|(?<![\\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\\w:])",
    span: (matched) =>
      matched.includes(".") || (matched.length >= 3 && isIPv6(matched)) ? whole(matched) : undefined,
  },
};

/** The PII family, with the types that are switched on, as one detector. */
export function piiDetector(types: readonly PiiType[] = PII_TYPES): PatternSet {
  const order: readonly PiiType[] = ["email", "payment_card", "iban", "ssn", "phone", "ip_address"];
  return new PatternSet(
    "pii",
    order.filter((t) => types.includes(t)).map((t) => PATTERNS[t]),
  );
}
