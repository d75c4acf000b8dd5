import type { ResourceRef } from '@driftwarden/domain';

export interface ActiveException {
  id: string;
  reason: string;
  until: string;
}

export abstract class ExceptionsPort {
  abstract activeFor(resource: ResourceRef, now: Date): Promise<ActiveException | null>;
}
