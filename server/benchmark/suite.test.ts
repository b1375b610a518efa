import { describe, expect, it } from "vitest";
import { scoreAnswer } from "./score-answer.ts";
import { SUITE, taskById } from "./suite.ts";

/** An answer a good model could give to each task: every task must be passable. */
const GOOD: Record<string, string> = {
  "knowledge-physics": "B",
  "knowledge-biology": "The answer is C.",
  "knowledge-computer-science": "D) O(log n)",
  "knowledge-calculus": "**C**",
  "knowledge-history": "A",
  "code-fizzbuzz":
    '```python\ndef fizzbuzz(n):\n    out = []\n    for i in range(1, n + 1):\n        if i % 15 == 0:\n            out.append("FizzBuzz")\n        elif i % 3 == 0:\n            out.append("Fizz")\n        elif i % 5 == 0:\n            out.append("Buzz")\n        else:\n            out.append(str(i))\n    return out\n```',
  "code-linked-list":
    "```python\nclass Node:\n    def __init__(self, value, next=None):\n        self.value = value\n        self.next = next\n\nclass LinkedList:\n    def __init__(self):\n        self.head = None\n\n    def prepend(self, value):\n        self.head = Node(value, self.head)\n\n    def append(self, value):\n        if self.head is None:\n            self.head = Node(value)\n            return\n        node = self.head\n        while node.next is not None:\n            node = node.next\n        node.next = Node(value)\n\n    def to_list(self):\n        out, node = [], self.head\n        while node is not None:\n            out.append(node.value)\n            node = node.next\n        return out\n```",
  "code-binary-search":
    "```python\ndef binary_search(items, target):\n    lo, hi = 0, len(items) - 1\n    while lo <= hi:\n        mid = (lo + hi) // 2\n        if items[mid] == target:\n            return mid\n        if items[mid] < target:\n            lo = mid + 1\n        else:\n            hi = mid - 1\n    return -1\n```",
  "summary-article":
    "After Harwick's railway closed in 2009, the council turned the old line into a cycle path. It drew 180,000 trips in its first year, many by visitors, and new cafés and a museum opened, though some farmers complain about open gates and loose dogs.",
  "summary-bullets":
    "- Replace the leaking gym roof during the summer holidays.\n- Ask the city for a zebra crossing and staff the gate with a volunteer until then.\n- Keep the coast trip and pay half the cost for pupils on free school meals.",
  "reasoning-logic": "Caro",
  "reasoning-word-problem": "26",
  "instruction-json": '{"name": "Mars", "moons": 2, "has_rings": false}',
  "instruction-numbered-list": "1. 2\n2. 3\n3. 5\n4. 7\n5. 11",
};

describe("the benchmark suite", () => {
  it("has 14 tasks in 5 categories, with unique ids", () => {
    expect(SUITE).toHaveLength(14);
    expect(new Set(SUITE.map((t) => t.id)).size).toBe(14);
    const counts = Object.fromEntries(
      ["knowledge", "code", "summarization", "reasoning", "instruction"].map((c) => [
        c,
        SUITE.filter((t) => t.category === c).length,
      ]),
    );
    expect(counts).toEqual({ knowledge: 5, code: 3, summarization: 2, reasoning: 2, instruction: 2 });
  });

  it("uses each of the four scorers", () => {
    expect(new Set(SUITE.map((t) => t.scorer.kind))).toEqual(
      new Set(["keyword", "code", "summary", "format"]),
    );
  });

  it.each(SUITE.map((t) => [t.id]))("%s passes with a good answer", (id) => {
    const task = taskById(id);
    if (task === undefined) throw new Error(`no task ${id}`);
    expect(scoreAnswer(task, GOOD[id] ?? "")).toEqual({ score: 1, passed: true });
  });

  it.each(SUITE.map((t) => [t.id]))("%s fails with the mock's lorem ipsum", (id) => {
    const task = taskById(id);
    if (task === undefined) throw new Error(`no task ${id}`);
    const lorem = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt";
    expect(scoreAnswer(task, lorem).passed).toBe(false);
  });

  it("knows no task by an unknown id", () => {
    expect(taskById("knowledge-chemistry")).toBeUndefined();
    expect(taskById("__proto__")).toBeUndefined();
  });
});
