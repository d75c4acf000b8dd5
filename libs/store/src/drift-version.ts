import type { DriftRecord } from '@driftwarden/domain';

declare const driftVersionBrand: unique symbol;

/**
 * The compare-and-set token of a stored drift record: what a reader hands back to
 * `DriftStore.save` as the version it read. Opaque outside libs/store (nothing can read, build or
 * parse one; only the store mints them). Inside, it is the record's JSON exactly as stored, which
 * the save script compares byte for byte with the stored value: any write in between, by any
 * replica or writer, changes the stored JSON and the save answers `conflict`.
 */
export type DriftVersion = { readonly [driftVersionBrand]: 'DriftVersion' };

/** A drift record as read, with the version a compare-and-set save of its next state expects. */
export interface VersionedDrift {
  record: DriftRecord;
  version: DriftVersion;
}

/** The record and version of a stored JSON document (libs/store only: not exported by the lib's entry point). */
export function versionedDrift(stored: string): VersionedDrift {
  return { record: JSON.parse(stored) as DriftRecord, version: stored as unknown as DriftVersion };
}

/** The stored JSON a version stands for (what the save script compares; libs/store only). */
export function expectedStored(version: DriftVersion): string {
  return version as unknown as string;
}
