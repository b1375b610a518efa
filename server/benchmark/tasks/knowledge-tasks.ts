import type { BenchmarkTaskDef } from "../task.ts";

const SYSTEM = "Answer the multiple-choice question with the letter of the one correct option.";

/** A multiple-choice question: the right letter, picked once, passes. */
function question(id: string, title: string, prompt: string, answer: string): BenchmarkTaskDef {
  return {
    id,
    title,
    category: "knowledge",
    prompt,
    system: SYSTEM,
    scorer: { kind: "keyword", settings: { choice: { answer, letters: "ABCD" } } },
    passMark: 1,
    maxTokens: 64,
  };
}

/** Knowledge, MMLU-style: one question each in physics, biology, computer science, calculus and history. */
export const KNOWLEDGE_TASKS: readonly BenchmarkTaskDef[] = [
  question(
    "knowledge-physics",
    "Physics: free fall",
    "A stone is dropped from rest and falls freely for 3 seconds (take g = 9.8 m/s² and ignore air resistance). How fast is it falling then?\nA) 9.8 m/s\nB) 29.4 m/s\nC) 44.1 m/s\nD) 3.3 m/s",
    "B",
  ),
  question(
    "knowledge-biology",
    "Biology: the cell's power supply",
    "Which part of a eukaryotic cell produces most of its ATP?\nA) The ribosome\nB) The Golgi apparatus\nC) The mitochondrion\nD) The lysosome",
    "C",
  ),
  question(
    "knowledge-computer-science",
    "Computer science: binary search",
    "What is the worst-case number of comparisons binary search makes on a sorted array of n elements, in big-O terms?\nA) O(1)\nB) O(n)\nC) O(n log n)\nD) O(log n)",
    "D",
  ),
  question(
    "knowledge-calculus",
    "Calculus: the product rule",
    "What is the derivative of f(x) = x³·eˣ?\nA) 3x²·eˣ\nB) x³·eˣ\nC) (x³ + 3x²)·eˣ\nD) 3x² + eˣ",
    "C",
  ),
  question(
    "knowledge-history",
    "History: the Berlin Wall",
    "In which year was the Berlin Wall opened, letting people cross freely between East and West Berlin?\nA) 1989\nB) 1991\nC) 1961\nD) 1945",
    "A",
  ),
];
