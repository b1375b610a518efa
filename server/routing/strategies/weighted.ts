import type { Deployment } from "../deployment.ts";
import type { Strategy } from "./strategy.ts";

/**
 * Random by weight, without replacement: the first is drawn with
 * probability weight / total, the second from the rest the same way, and so
 * on, so the fallback order is random by weight too. The score is the
 * deployment's share of the tier's weight.
 */
export const weighted: Strategy = {
  name: "weighted",
  order(list, lo, hi, request) {
    let total = 0;
    for (let i = lo; i < hi; i++) total += (list[i] as Deployment).weight;
    for (let pos = lo; pos < hi - 1; pos++) {
      let pick = request.random() * total;
      let j = pos;
      // Walk to the drawn deployment; rounding can leave a sliver past the last.
      while (j < hi - 1 && pick >= (list[j] as Deployment).weight) {
        pick -= (list[j] as Deployment).weight;
        j++;
      }
      const chosen = list[j] as Deployment;
      list[j] = list[pos] as Deployment;
      list[pos] = chosen;
      total -= chosen.weight;
    }
  },
  score(list, lo, hi, i) {
    let total = 0;
    for (let k = lo; k < hi; k++) total += (list[k] as Deployment).weight;
    const target = list[i];
    return target === undefined || total <= 0 ? undefined : target.weight / total;
  },
};
