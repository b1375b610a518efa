/** The deepest nesting accepted in a free-form JSON field (`extra`, tool parameters, a JSON schema). */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a JSON value nests deeper than `limit` objects and arrays. It
 * walks with its own stack, not recursion: the point is to refuse, as the
 * caller's error, a value so deep that serializing it upstream would
 * overflow the call stack.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop() as { value: unknown; depth: number };
    if (top.value === null || typeof top.value !== "object") continue;
    const depth = top.depth + 1;
    if (depth > limit) return true;
    const children = Array.isArray(top.value) ? top.value : Object.values(top.value);
    for (const child of children) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth });
    }
  }
  return false;
}
