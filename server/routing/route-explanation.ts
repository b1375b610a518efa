import type { RouteDecision, RoutePlan } from "../core/call.ts";
import type { Deployment } from "./deployment.ts";
import type { QualitySource } from "./virtual/quality-feed.ts";

/** One deployment the planner considered, and what it made of it. */
export interface CandidateReport {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  /** The routed model (or, for a virtual model's pool, the virtual model) it came from; "" for a catalogue route. */
  readonly from: string;
  /** False when a filter skipped it. */
  readonly kept: boolean;
  /** Why it was skipped, or a note on a kept one (tried last, preferred); "" if none. */
  reason: string;
  /** Its score among its peers, when the strategy or profile scores (0 to 1). */
  score: number | undefined;
  /** Where the quality part of a virtual model's score came from; undefined when quality was not scored. */
  qualitySource: QualitySource | undefined;
  /** The quality figure used (0 to 1), when quality was scored. */
  quality: number | undefined;
}

/** How a request would be routed: ExplainRoute's answer, from the same code path as the real route. */
export interface RouteExplanation {
  readonly requested: string;
  /** routed (the routing config lists it), virtual (auto, fast, cheap, quality) or catalogue. */
  readonly kind: "routed" | "virtual" | "catalogue";
  /** Every candidate, in the order considered: kept ones in the order they would be tried. */
  readonly candidates: readonly CandidateReport[];
  /** What fired in the complexity classifier (auto only). */
  readonly signals: readonly string[];
  readonly decision: RouteDecision;
  /** The deployment that would serve; undefined when none qualifies. */
  readonly serving: Deployment | undefined;
  /** The plan the real route would make; undefined when none qualifies. */
  readonly plan: RoutePlan | undefined;
  /** Why no deployment qualifies; "" when one does. */
  readonly error: string;
}

/**
 * What the planner records while it routes a request for ExplainRoute, or to
 * word the error when nothing qualifies. A real route carries none, so it
 * pays for none of this.
 * @private
 */
export class RouteTrace {
  kind: RouteExplanation["kind"] = "catalogue";
  signals: readonly string[] = [];
  readonly candidates: CandidateReport[] = [];

  consider(d: Deployment, from: string, kept: boolean, reason: string): void {
    this.candidates.push({
      id: d.id,
      provider: d.provider,
      model: d.model,
      from,
      kept,
      reason,
      score: undefined,
      qualitySource: undefined,
      quality: undefined,
    });
  }

  /** The quality a virtual model's profile scored the deployment with, and where it came from. */
  quality(d: Deployment, source: QualitySource, quality: number): void {
    const report = this.#find(d);
    if (report === undefined) return;
    report.qualitySource = source;
    report.quality = quality;
  }

  score(d: Deployment, score: number | undefined): void {
    const report = this.#find(d);
    if (report !== undefined) report.score = score;
  }

  note(d: Deployment, note: string): void {
    const report = this.#find(d);
    if (report !== undefined) report.reason = report.reason === "" ? note : `${report.reason}; ${note}`;
  }

  /** Kept candidates first, in the plan's order, then the skipped ones. */
  ordered(plan: readonly Deployment[]): CandidateReport[] {
    const kept = plan.map((d) => this.#find(d)).filter((r): r is CandidateReport => r !== undefined);
    return [...kept, ...this.candidates.filter((r) => !r.kept)];
  }

  /** "a (why); b (why)": each skipped candidate and why. */
  skipped(): string {
    return this.candidates
      .filter((r) => !r.kept)
      .map((r) => `${r.id}${r.from === "" ? "" : ` of ${r.from}`}: ${r.reason}`)
      .join("; ");
  }

  #find(d: Deployment): CandidateReport | undefined {
    return this.candidates.find((r) => r.id === d.id && r.kept);
  }
}
