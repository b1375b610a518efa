import { describe, expect, it } from "vitest";
import { found } from "./found.ts";
import { piiDetector } from "./pii-patterns.ts";

const detector = piiDetector();

describe("pii: positives", () => {
  it.each([
    ["email", "write to jane.doe+work@example.co.uk today", "jane.doe+work@example.co.uk"],
    ["phone", "call +14155552671", "+14155552671"],
    ["phone", "call +44 20 7946 0958.", "+44 20 7946 0958"],
    ["phone", "US (415) 555-2671", "(415) 555-2671"],
    ["phone", "US 415-555-2671", "415-555-2671"],
    ["phone", "UK 020 7946 0958", "020 7946 0958"],
    ["phone", "FR 01 23 45 67 89", "01 23 45 67 89"],
    ["payment_card", "card 4111 1111 1111 1111 exp", "4111 1111 1111 1111"],
    ["payment_card", "card 4111-1111-1111-1111", "4111-1111-1111-1111"],
    ["payment_card", "amex 378282246310005", "378282246310005"],
    ["ssn", "SSN 123-45-6789", "123-45-6789"],
    ["iban", "IBAN DE89370400440532013000", "DE89370400440532013000"],
    ["iban", "IBAN GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"],
    ["ip_address", "host 192.168.1.20 up", "192.168.1.20"],
    ["ip_address", "v6 2001:db8::8a2e:370:7334 up", "2001:db8::8a2e:370:7334"],
    ["ip_address", "loopback ::1", "::1"],
  ])("%s in %j", (type, text, value) => {
    expect(found(detector, text)).toEqual([[type, value]]);
  });
});

describe("pii: look-alikes that must not match", () => {
  it.each([
    ["a card failing Luhn", "card 4111 1111 1111 1112"],
    ["a millisecond timestamp", "at 1733011200000 ms"],
    ["an SSN with area 000", "000-12-3456"],
    ["an SSN with area 666", "666-12-3456"],
    ["an SSN with area 9xx", "912-12-3456"],
    ["an SSN with group 00", "123-00-4567"],
    ["an SSN with serial 0000", "123-45-0000"],
    ["an IBAN failing mod-97", "DE89370400440532013001"],
    ["an address without a domain", "user@localhost"],
    ["a decorator", "@Component and @scope/pkg"],
    ["a date", "2024-12-01"],
    ["a version", "v1.2.3"],
    ["an IPv4 with an octet over 255", "256.1.1.1"],
    ["a clock time", "12:30:45"],
    ["a C++ scope", "std::vector<int>"],
    ["a short number", "order 12345"],
    ["E.164 too short", "+1234567"],
  ])("%s", (_name, text) => {
    expect(found(detector, text)).toEqual([]);
  });
});

describe("pii: types switch on and off", () => {
  it("finds only the types that are on", () => {
    const emailOnly = piiDetector(["email"]);
    expect(found(emailOnly, "a@example.com 192.168.1.1 +14155552671").map(([t]) => t)).toEqual(["email"]);
  });

  it("with every type off finds nothing", () => {
    expect(found(piiDetector([]), "a@example.com")).toEqual([]);
  });
});
