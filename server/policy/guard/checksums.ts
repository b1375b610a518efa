/** Checks that separate real numbers from look-alikes with the same shape. */

/** Luhn's mod-10 over the digits of `text` (separators skipped), as payment cards carry it. */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ISO 13616 mod-97 over an IBAN (spaces skipped): the first four characters moved to the end, letters as 10–35. */
export function ibanValid(text: string): boolean {
  const compact = text.replace(/ /g, "");
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) remainder = (remainder * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) remainder = (remainder * 100 + (c - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

/** A US SSN `AAA-GG-SSSS` as the SSA issues them: no area 000, 666 or 9xx, no group 00, no serial 0000. */
export function ssnValid(text: string): boolean {
  const area = text.slice(0, 3);
  if (area === "000" || area === "666" || area[0] === "9") return false;
  return text.slice(4, 6) !== "00" && text.slice(7, 11) !== "0000";
}
