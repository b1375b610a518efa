import { cosine, type UnitVector } from "../../../state/unit-vector.ts";

/**
 * Pairs of prompts, each with what a good semantic cache should do when the
 * first is cached and the second arrives: `hit` when one answer serves both
 * (the same question, worded differently), `miss` when they ask different
 * things. Written before any embedder was tuned, and never edited to suit one:
 * the expectation is the right answer, not what an embedder manages. The
 * suites run it through an embedder at the default threshold (cosine 0.95)
 * and report precision and recall.
 */
export interface SimilarityPair {
  readonly cached: string;
  readonly asked: string;
  readonly expect: "hit" | "miss";
  /** What the pair tests. */
  readonly about: string;
}

export const SIMILARITY_PAIRS: readonly SimilarityPair[] = [
  // Same words, different surface: case, punctuation, whitespace, contractions, accents.
  {
    cached: "What is the capital of France?",
    asked: "what's the capital of france",
    expect: "hit",
    about: "case, punctuation and a contraction",
  },
  {
    cached: "How do I reverse a list in Python?",
    asked: "how do i reverse a list in python",
    expect: "hit",
    about: "case and punctuation",
  },
  {
    cached: "Explain the difference between TCP and UDP.",
    asked: "Explain the difference between TCP and UDP",
    expect: "hit",
    about: "a full stop",
  },
  {
    cached: "What's the weather like in Paris today?",
    asked: "What is the weather like in Paris today?",
    expect: "hit",
    about: "what's ~ what is",
  },
  {
    cached: "I can't log in to my account, what should I do?",
    asked: "I cannot log in to my account. What should I do?",
    expect: "hit",
    about: "can't ~ cannot",
  },
  {
    cached: "Translate 'good morning' into Spanish",
    asked: 'Translate "good morning" into Spanish.',
    expect: "hit",
    about: "quotes",
  },
  {
    cached: "What is   the capital of   France ?",
    asked: "What is the capital of France?",
    expect: "hit",
    about: "whitespace",
  },
  {
    cached: "Who wrote Pride and Prejudice?",
    asked: "WHO WROTE PRIDE AND PREJUDICE?",
    expect: "hit",
    about: "upper case",
  },
  {
    cached: "What does naïve mean?",
    asked: "What does naive mean?",
    expect: "hit",
    about: "a diacritic",
  },
  {
    cached: "How do I make a cup of coffee?",
    asked: "How do I make a cup of coffee??",
    expect: "hit",
    about: "repeated punctuation",
  },
  {
    cached:
      "Can you tell me what's the best way to learn a new language as an adult who doesn't have much free time?",
    asked:
      "can you tell me what is the best way to learn a new language as an adult who does not have much free time",
    expect: "hit",
    about: "a long prompt with two contractions",
  },
  // Same meaning, some words added, dropped or moved.
  {
    cached: "Write a haiku about the ocean",
    asked: "Write a haiku about the ocean, please",
    expect: "hit",
    about: "a politeness word added",
  },
  {
    cached: "How many legs does a spider have?",
    asked: "Spiders have how many legs?",
    expect: "hit",
    about: "reordered words and a plural",
  },
  // Same meaning, different words: paraphrases and synonyms.
  {
    cached: "What is the capital of France?",
    asked: "Tell me the capital city of France.",
    expect: "hit",
    about: "a paraphrase",
  },
  {
    cached: "What is the boiling point of water?",
    asked: "At what temperature does water boil?",
    expect: "hit",
    about: "a paraphrase with different words",
  },
  {
    cached: "Summarize the plot of Hamlet",
    asked: "Give me a summary of Hamlet's plot",
    expect: "hit",
    about: "a paraphrase and a possessive",
  },
  {
    cached: "What is a car?",
    asked: "What is an automobile?",
    expect: "hit",
    about: "a synonym",
  },
  // Different entities.
  {
    cached: "What is the capital of France?",
    asked: "What is the capital of Germany?",
    expect: "miss",
    about: "a different country",
  },
  {
    cached: "How do I reverse a list in Python?",
    asked: "How do I reverse a list in JavaScript?",
    expect: "miss",
    about: "a different language",
  },
  {
    cached: "Tell me a joke about cats",
    asked: "Tell me a joke about dogs",
    expect: "miss",
    about: "a different animal",
  },
  {
    cached: "Is it safe to eat raw chicken?",
    asked: "Is it safe to eat raw salmon?",
    expect: "miss",
    about: "a different food",
  },
  {
    cached: "Who is the president of the United States?",
    asked: "Who is the vice president of the United States?",
    expect: "miss",
    about: "one word added that changes the person",
  },
  {
    cached: "What is the capital of France?",
    asked: "What is the population of France?",
    expect: "miss",
    about: "a different attribute",
  },
  {
    cached: "Explain quantum computing to a five year old",
    asked: "Explain quantum computing to a physicist",
    expect: "miss",
    about: "a different audience",
  },
  {
    cached: "How long should I boil an egg for a soft yolk?",
    asked: "How long should I boil an egg for a hard yolk?",
    expect: "miss",
    about: "an opposite adjective",
  },
  {
    cached: "Write a function that sorts a list in ascending order",
    asked: "Write a function that sorts a list in descending order",
    expect: "miss",
    about: "an opposite word that differs in a few letters",
  },
  // Negations.
  {
    cached: "Give me a recipe with chicken",
    asked: "Give me a recipe without chicken",
    expect: "miss",
    about: "with ~ without",
  },
  {
    cached: "Should I take the job offer?",
    asked: "Should I not take the job offer?",
    expect: "miss",
    about: "a negation",
  },
  {
    cached: "Why is the sky blue?",
    asked: "Why isn't the sky blue?",
    expect: "miss",
    about: "a contracted negation",
  },
  // Different numbers.
  {
    cached: "What is 2 + 2?",
    asked: "What is 3 + 3?",
    expect: "miss",
    about: "different numbers in a short prompt",
  },
  {
    cached: "Convert 100 dollars to euros",
    asked: "Convert 150 dollars to euros",
    expect: "miss",
    about: "a different amount",
  },
  {
    cached: "List the first 10 prime numbers",
    asked: "List the first 100 prime numbers",
    expect: "miss",
    about: "a number with one more digit",
  },
  {
    cached: "What year did World War II end?",
    asked: "What year did World War I end?",
    expect: "miss",
    about: "a roman numeral",
  },
  {
    cached:
      "Write a short email to my landlord saying that the heating in my flat has been broken for two weeks and asking when it will be repaired",
    asked:
      "Write a short email to my landlord saying that the heating in my flat has been broken for three weeks and asking when it will be repaired",
    expect: "miss",
    about: "one different number in a long prompt",
  },
];

/** How an embedder did on the pairs at one threshold. */
export interface PairScores {
  /** Hits that should be hits. */
  readonly truePositives: number;
  /** Hits that should be misses: a wrong answer served. */
  readonly falsePositives: number;
  readonly trueNegatives: number;
  /** Misses that should be hits: an upstream call that could have been saved. */
  readonly falseNegatives: number;
  /** Of the hits, the share that were right (1 when there is no hit). */
  readonly precision: number;
  /** Of the pairs that should hit, the share that did. */
  readonly recall: number;
  /** Each pair's similarity, in the table's order. */
  readonly similarities: readonly number[];
}

/** Runs the pairs through an embedder (unit vectors) and scores them at `threshold`. */
export async function scorePairs(
  embed: (text: string) => Promise<UnitVector>,
  threshold: number,
  pairs: readonly SimilarityPair[] = SIMILARITY_PAIRS,
): Promise<PairScores> {
  let truePositives = 0;
  let falsePositives = 0;
  let trueNegatives = 0;
  let falseNegatives = 0;
  const similarities: number[] = [];
  for (const pair of pairs) {
    const [a, b] = await Promise.all([embed(pair.cached), embed(pair.asked)]);
    const similarity = cosine(a, b);
    similarities.push(similarity);
    const hit = similarity >= threshold;
    if (hit && pair.expect === "hit") truePositives++;
    else if (hit) falsePositives++;
    else if (pair.expect === "miss") trueNegatives++;
    else falseNegatives++;
  }
  const hits = truePositives + falsePositives;
  return {
    truePositives,
    falsePositives,
    trueNegatives,
    falseNegatives,
    precision: hits === 0 ? 1 : truePositives / hits,
    recall: truePositives / (truePositives + falseNegatives),
    similarities,
  };
}
