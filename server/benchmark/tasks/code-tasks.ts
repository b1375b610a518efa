import type { BenchmarkTaskDef } from "../task.ts";

const SYSTEM = "You are a careful programmer. Answer with the code in one fenced block.";

/** Code generation: FizzBuzz, a linked list and binary search, in Python. */
export const CODE_TASKS: readonly BenchmarkTaskDef[] = [
  {
    id: "code-fizzbuzz",
    title: "Code: FizzBuzz",
    category: "code",
    prompt:
      'Write a Python function fizzbuzz(n) that returns a list of strings for the numbers 1 to n: "Fizz" for multiples of 3, "Buzz" for multiples of 5, "FizzBuzz" for multiples of both, and the number itself otherwise.',
    system: SYSTEM,
    scorer: {
      kind: "code",
      settings: {
        identifiers: ["fizzbuzz", "Fizz", "Buzz", "FizzBuzz"],
        constructs: [["def"], ["%"], ["for", "while"], ["return"], ["str(", 'f"', "format("]],
      },
    },
    passMark: 0.8,
    maxTokens: 400,
  },
  {
    id: "code-linked-list",
    title: "Code: a linked list",
    category: "code",
    prompt:
      "Write a singly linked list in Python: a Node class holding value and next, and a LinkedList class with append(value), prepend(value) and to_list(), which returns the values in order as a Python list.",
    system: SYSTEM,
    scorer: {
      kind: "code",
      settings: {
        identifiers: ["Node", "LinkedList", "append", "prepend", "to_list", "next", "value"],
        constructs: [["class"], ["def"], ["None"], ["while", "for"], ["self"], ["return"]],
      },
    },
    passMark: 0.8,
    maxTokens: 600,
  },
  {
    id: "code-binary-search",
    title: "Code: binary search",
    category: "code",
    prompt:
      "Write a Python function binary_search(items, target) that returns the index of target in the sorted list items, or -1 when it is not there. Do not use the bisect module.",
    system: SYSTEM,
    scorer: {
      kind: "code",
      settings: {
        identifiers: ["binary_search", "items", "target"],
        constructs: [["def"], ["while"], ["//", ">>"], ["-1"], ["<", ">"], ["return"]],
      },
    },
    passMark: 0.8,
    maxTokens: 400,
  },
];
