import type { CloudTrailEvent, ConfigItemEvent, DriftRecord } from '@driftwarden/domain';
import { canonicalJson, expectedHash, sha256Hex, type AuditEntry, type ChainHead } from '@driftwarden/store';
import type { CheckpointSigner, SignatureVerifier } from '../checkpoint-signer';

export const EVIDENCE_FORMAT = 'driftwarden.evidence/v1';

/**
 * One self-contained document per drift record (README "Evidence bundles"): everything the
 * decision was made on and everything done about it, plus the audit entries (with their chain
 * hashes) that cover it, sealed with a SHA-256 digest over its RFC 8785 canonical JSON and,
 * where a checkpoint key is configured, a signature over that digest.
 */
export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT;
  generatedAt: string;
  drift: {
    id: string;
    status: string;
    dryRun: boolean;
    resource: DriftRecord['resource'];
    principal: DriftRecord['principal'];
    changedAt: string;
    detectedAt: string;
    updatedAt: string;
    flags: string[];
    approval: DriftRecord['approval'] | null;
  };
  /** The rule that matched and why. */
  decision: DriftRecord['decision'] & { explanations: string[] };
  /** The Config items the decision used (those still retained; `missing` lists the others). */
  configItems: { items: ConfigItemEvent[]; missing: string[]; normalisedEvent: unknown };
  /** The CloudTrail records that attributed the change(s) (those still retained). */
  cloudTrail: { records: CloudTrailEvent[]; missing: string[] };
  /** The desired state decided against: stack, address, state serial and lineage, desired attributes. */
  desiredState: DriftRecord['evidence']['desiredState'] | null;
  /** The incident snapshot and the freeze view at decision time. */
  incidentSnapshot: unknown;
  freeze: unknown;
  diff: DriftRecord['diff'];
  /** Each difference with who made it (its attribution) and its own decision. */
  differences: NonNullable<DriftRecord['differences']>;
  /** Every cloud and GitHub call made, with its request, result or error (request ids where the API returned one). */
  calls: DriftRecord['evidence']['apiCalls'];
  afterState: DriftRecord['evidence']['afterState'] | null;
  /** PR, issue, commit and incident links. */
  links: DriftRecord['links'];
  /** The audit entries about this drift, each with its stream id, seq, prevHash and hash, and the chain head when generated. */
  audit: { entries: AuditEntry[]; head: ChainHead | null };
  integrity?: BundleIntegrity;
}

export interface BundleIntegrity {
  canonicalization: 'RFC 8785';
  digestAlgorithm: 'SHA-256';
  /** Hex SHA-256 of the canonical bundle without `integrity`. */
  digest: string;
  /** Signature over the digest (hex text, UTF-8), by the checkpoint key. */
  signature?: { alg: string; keyId: string; value: string };
}

export interface EvidenceSources {
  record: DriftRecord;
  configItems: ConfigItemEvent[];
  cloudTrail: CloudTrailEvent[];
  auditEntries: AuditEntry[];
  head: ChainHead | null;
  now: Date;
}

/** The CloudTrail event ids a record refers to (the decision's and each difference's). */
export function cloudTrailIdsOf(record: DriftRecord): string[] {
  const ids = new Set<string>();
  if (record.evidence.cloudTrailEventId) ids.add(record.evidence.cloudTrailEventId);
  for (const d of record.differences ?? []) if (d.madeBy.cloudTrailEventId) ids.add(d.madeBy.cloudTrailEventId);
  return [...ids];
}

/** The Config item event ids a record refers to. */
export function configEventIdsOf(record: DriftRecord): string[] {
  const ids = new Set<string>(record.evidence.eventIds);
  for (const id of record.evidence.coalescedEventIds ?? []) ids.add(id);
  for (const d of record.differences ?? []) ids.add(d.madeBy.configEventId);
  return [...ids];
}

export function buildBundle(s: EvidenceSources): EvidenceBundle {
  const r = s.record;
  const itemIds = configEventIdsOf(r);
  const ctIds = cloudTrailIdsOf(r);
  const haveItems = new Set(s.configItems.map((i) => i.eventId));
  const haveCt = new Set(s.cloudTrail.map((e) => e.eventId));
  // JSON round trip: the bundle is exactly what a reader parses (no undefined, no class instances).
  return JSON.parse(
    JSON.stringify({
      format: EVIDENCE_FORMAT,
      generatedAt: s.now.toISOString(),
      drift: {
        id: r.id,
        status: r.status,
        dryRun: r.dryRun,
        resource: r.resource,
        principal: r.principal,
        changedAt: r.changedAt,
        detectedAt: r.detectedAt,
        updatedAt: r.updatedAt,
        flags: r.flags ?? [],
        approval: r.approval ?? null,
      },
      decision: { ...r.decision, explanations: r.evidence.explanations ?? [] },
      configItems: { items: s.configItems, missing: itemIds.filter((id) => !haveItems.has(id)), normalisedEvent: r.evidence.event ?? null },
      cloudTrail: { records: s.cloudTrail, missing: ctIds.filter((id) => !haveCt.has(id)) },
      desiredState: r.evidence.desiredState ?? null,
      incidentSnapshot: r.evidence.incidentSnapshot ?? null,
      freeze: r.evidence.freeze ?? null,
      diff: r.diff,
      differences: r.differences ?? [],
      calls: r.evidence.apiCalls,
      afterState: r.evidence.afterState ?? null,
      links: r.links,
      audit: { entries: s.auditEntries, head: s.head },
    }),
  ) as EvidenceBundle;
}

/** The digest a bundle's integrity names: SHA-256 over the canonical bundle without `integrity`. */
export function bundleDigest(bundle: EvidenceBundle): string {
  const { integrity: _integrity, ...content } = bundle;
  return sha256Hex(canonicalJson(content));
}

export async function sealBundle(bundle: EvidenceBundle, signer: CheckpointSigner | null): Promise<EvidenceBundle> {
  const digest = bundleDigest(bundle);
  const integrity: BundleIntegrity = { canonicalization: 'RFC 8785', digestAlgorithm: 'SHA-256', digest };
  if (signer) integrity.signature = { alg: signer.alg, keyId: signer.keyId, value: await signer.sign(digest) };
  return { ...bundle, integrity };
}

export interface BundleVerdict {
  ok: boolean;
  digest: 'ok' | 'mismatch' | 'missing';
  /** `unchecked`: no key to check it with (or the bundle is unsigned). */
  signature: 'verified' | 'bad' | 'unchecked' | 'unsigned';
  /** Audit entries whose content matches their chain hash, of all included. */
  auditEntries: { ok: number; total: number };
  problems: string[];
}

/**
 * Proves a bundle unaltered: its digest recomputes, its signature verifies (when a key is at
 * hand: the verifier takes the signature as a checkpoint-like payload), every included audit
 * entry's content still matches its chain hash, and entries that are neighbours in the chain link.
 */
export async function verifyBundle(value: unknown, verifier: SignatureVerifier | null): Promise<BundleVerdict> {
  const problems: string[] = [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, digest: 'missing', signature: 'unsigned', auditEntries: { ok: 0, total: 0 }, problems: ['not a JSON object'] };
  }
  const bundle = value as EvidenceBundle;
  if (bundle.format !== EVIDENCE_FORMAT) problems.push(`format: expected "${EVIDENCE_FORMAT}", found ${JSON.stringify(bundle.format)}`);
  let digest: BundleVerdict['digest'] = 'missing';
  if (!bundle.integrity || typeof bundle.integrity.digest !== 'string')
    problems.push('integrity.digest: missing (the bundle was not sealed)');
  else if (bundleDigest(bundle) !== bundle.integrity.digest) {
    digest = 'mismatch';
    problems.push('integrity.digest: the bundle was altered (its content no longer matches its digest)');
  } else digest = 'ok';
  let signature: BundleVerdict['signature'] = 'unsigned';
  const sig = bundle.integrity?.signature;
  if (sig && digest !== 'missing') {
    const verdict = verifier ? await verifier.verifySignature(sig.alg, sig.keyId, bundle.integrity!.digest, sig.value) : null;
    signature = verdict === null ? 'unchecked' : verdict ? 'verified' : 'bad';
    if (verdict === false) problems.push(`integrity.signature: does not verify with key ${sig.keyId} (${sig.alg})`);
  }
  const entries = Array.isArray(bundle.audit?.entries) ? bundle.audit.entries : [];
  let good = 0;
  const bySeq = new Map<number, AuditEntry>();
  for (const [i, e] of entries.entries()) {
    if (typeof e?.hash === 'string' && expectedHash(e) === e.hash) good += 1;
    else problems.push(`audit.entries[${i}]${e?.id ? ` (${e.id})` : ''}: its content does not match its chain hash`);
    if (typeof e?.seq === 'number') bySeq.set(e.seq, e);
  }
  for (const e of bySeq.values()) {
    const before = bySeq.get((e.seq ?? 0) - 1);
    if (before && before.hash !== e.prevHash)
      problems.push(`audit entry seq ${e.seq}: does not follow seq ${before.seq} (prevHash mismatch)`);
  }
  if (entries.length === 0) problems.push('audit.entries: none (nothing in the chain covers this bundle)');
  return { ok: problems.length === 0, digest, signature, auditEntries: { ok: good, total: entries.length }, problems };
}
