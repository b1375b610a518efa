/**
 * CSV as RFC 4180 writes it: a header line, CRLF line ends, and a field
 * quoted when it holds a comma, a quote or a line break (quotes doubled). A
 * field that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first)
 * gets a leading `'`, so an exported key or model name cannot become one.
 */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | bigint>>,
): string {
  return `${[header, ...rows].map((row) => row.map(field).join(",")).join("\r\n")}\r\n`;
}

function field(value: string | number | bigint): string {
  if (typeof value !== "string") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Offers `text` as a file download, through a blob URL (no data in the page's URL). */
export function download(name: string, text: string, type = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
