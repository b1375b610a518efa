import type { BenchmarkTaskDef } from "../task.ts";

/** An article written for the suite: a town, a closed railway, a cycle path and what followed. */
const ARTICLE = `When the branch line to Harwick closed in 2009, the town lost its last train and, many feared, its future. The track bed lay empty for a decade, overgrown with brambles, while the station building was boarded up.

In 2019 the county council bought the 14-kilometre route for a symbolic sum and, with volunteers from the local walking club, turned it into a surfaced path for cyclists and walkers. Work took three summers and cost 2.1 million euros, most of it from a regional tourism fund.

The results surprised even its supporters. Counters at the old station recorded 180,000 trips in the path's first full year, about a third of them by visitors from outside the region. Two cafés and a bicycle hire shop have opened along the route, and the station itself now houses a small museum of the railway.

Not everyone is pleased. Some farmers whose fields border the path complain of gates left open and dogs off their leads, and the council has promised more signs and two wardens next spring.`;

/** Notes written for the suite: a school board meeting that took three decisions. */
const MEETING = `Minutes of the Linden Street School board, 4 March.

Present: the head teacher, four governors and two parent representatives. The meeting opened at 18:00.

The board first discussed the state of the gym roof, which leaked again in February. After hearing two quotes, it decided to replace the roof during the summer holidays, with the cheaper of the two firms.

A parent representative raised the lack of safe crossing near the main gate. The board agreed to ask the city for a zebra crossing and, until one is built, to staff the gate with a volunteer each morning.

There was a long discussion about the school trip to the coast, which some families cannot afford. The board decided to keep the trip but to pay half the cost for any pupil on free school meals, from the parents' association fund.

Other matters: the spring concert will be on 12 April. The meeting closed at 19:40.`;

/** Summarisation: an article summary and bullet extraction. */
export const SUMMARIZATION_TASKS: readonly BenchmarkTaskDef[] = [
  {
    id: "summary-article",
    title: "Summary: an article",
    category: "summarization",
    prompt: `Summarise this article in two or three sentences.\n\n${ARTICLE}`,
    system: "You write short, faithful summaries.",
    scorer: {
      kind: "summary",
      settings: {
        minWords: 25,
        maxWords: 90,
        keyPoints: [
          ["railway", "rail line", "branch line", "train", "track"],
          ["cycle path", "cycling path", "bike path", "path", "trail", "cyclists"],
          ["visitors", "tourism", "tourists", "trips"],
          ["cafés", "cafes", "café", "cafe", "shop", "businesses", "museum"],
          ["farmers", "complaints", "complain", "criticism", "wardens"],
        ],
      },
    },
    passMark: 0.6,
    maxTokens: 300,
  },
  {
    id: "summary-bullets",
    title: "Summary: extract the decisions",
    category: "summarization",
    prompt: `List the decisions the board took, one bullet point each, starting each line with "- ". Nothing else.\n\n${MEETING}`,
    system: "You extract facts from documents exactly as asked.",
    scorer: {
      kind: "summary",
      settings: {
        minWords: 12,
        maxWords: 90,
        keyPoints: [["roof"], ["crossing", "zebra", "gate"], ["trip", "free school meals", "half the cost"]],
        bullets: { min: 3, max: 3 },
      },
    },
    passMark: 0.7,
    maxTokens: 300,
  },
];
