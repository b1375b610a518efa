/** Series colours: calm, distinct, and readable on white (in order of use). */
export const PALETTE = [
  "#3b6fd8",
  "#e07b39",
  "#2f9e6e",
  "#9b5de5",
  "#d64570",
  "#1c9db5",
  "#b08d1a",
  "#5b6478",
];

export function colorAt(index: number): string {
  return PALETTE[index % PALETTE.length] ?? "#3b6fd8";
}
