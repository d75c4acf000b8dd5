import type { ConfigItemEvent, DriftPrincipal } from '@driftwarden/domain';

export interface Attribution {
  principal: DriftPrincipal;
  /** CloudTrail eventTime of the call that made the change, else the item's capture time. */
  changedAt: string;
  cloudTrailEventId?: string;
  /** How the principal was found. */
  source: 'cloudtrail-event' | 'cloudtrail-lookup' | 'none';
}

export abstract class AttributionPort {
  abstract attribute(item: ConfigItemEvent): Promise<Attribution>;
}
