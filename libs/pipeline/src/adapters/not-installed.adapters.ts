import { PermanentError, type DriftRecord } from '@driftwarden/domain';
import { BackportPort, type BackportResult } from '../ports/backport.port';

/**
 * An adapter used while a capability cannot work (no `github` configured for backports). It is
 * marked so that the controller refuses to start in `enforce` mode while it is in use; dry-run
 * replaces write ports by guards anyway.
 */
export const NOT_INSTALLED = Symbol.for('driftwarden.adapter.notInstalled');

export interface NotInstalled {
  readonly [NOT_INSTALLED]: string;
}

export function isNotInstalled(adapter: unknown): adapter is NotInstalled {
  return typeof adapter === 'object' && adapter !== null && NOT_INSTALLED in adapter;
}

export class NoBackport extends BackportPort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'backport (GitHub pull requests)';
  async openOrUpdate(drift: DriftRecord): Promise<BackportResult> {
    throw new PermanentError(`cannot open a backport for ${drift.id}: no backport adapter is installed`, 'backport_not_installed');
  }
}
