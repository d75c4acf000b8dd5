import type { DriftDiff, JsonObject } from '@driftwarden/domain';
import type { DesiredResource } from './desired-state.port';

/** What comparing live with desired tells the decision engine. */
export interface Analysis {
  diff: DriftDiff;
  /** The live change opened a door (live is wider than desired). */
  changeWidensExposure: boolean;
  /** Reverting would open a door (an authorize to a source). */
  revertWidensExposure: boolean;
  /** Plain-English lines, e.g. "would re-open tcp/8080 to the internet (0.0.0.0/0) on sg-…". */
  explanations: string[];
}

/** One per remediable resource type (first: AWS::EC2::SecurityGroup). */
export interface ResourceAnalyzer {
  readonly resourceType: string;
  analyze(live: JsonObject | null, desired: DesiredResource, context: { resourceId: string }): Analysis;
}

/** The analyzers the controller knows; a type without one is "unsupported" (recorded as ignored). */
export abstract class ResourceAnalyzers {
  abstract forType(resourceType: string): ResourceAnalyzer | undefined;
}

export class AnalyzerRegistry extends ResourceAnalyzers {
  private readonly byType = new Map<string, ResourceAnalyzer>();

  constructor(analyzers: ResourceAnalyzer[] = []) {
    super();
    for (const a of analyzers) this.byType.set(a.resourceType, a);
  }

  forType(resourceType: string): ResourceAnalyzer | undefined {
    return this.byType.get(resourceType);
  }

  get size(): number {
    return this.byType.size;
  }
}
