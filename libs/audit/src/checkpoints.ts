import { CHECKPOINT_ENTRY_TYPE, checkpointPayload, type AuditCheckpoint, type AuditLog } from '@driftwarden/store';
import type { CheckpointSigner } from './checkpoint-signer';

export type CheckpointOutcome = { written: AuditCheckpoint; seq: number } | { skipped: 'empty' | 'unchanged' | 'busy' };

/**
 * Signs the chain head and appends the signature as the next entry (`audit.checkpoint`), only if
 * the head has not moved meanwhile (so a checkpoint always signs exactly its predecessor); tried
 * again a few times when other writers got in between. Nothing new since the last checkpoint
 * (the newest entry is itself a checkpoint): nothing to sign.
 */
export async function writeCheckpoint(
  audit: AuditLog,
  signer: CheckpointSigner,
  now: () => Date,
  attempts = 5,
): Promise<CheckpointOutcome> {
  for (let i = 0; i < attempts; i++) {
    const head = await audit.head();
    if (!head) return { skipped: 'empty' };
    const newest = await audit.newest();
    if (newest?.type === CHECKPOINT_ENTRY_TYPE && newest.seq === head.seq) return { skipped: 'unchanged' };
    const unsigned = { seq: head.seq, hash: head.hash, at: now().toISOString(), alg: signer.alg, keyId: signer.keyId };
    const cp: AuditCheckpoint = { ...unsigned, signature: await signer.sign(checkpointPayload(unsigned)) };
    const appended = await audit.appendChained(
      {
        at: cp.at,
        type: CHECKPOINT_ENTRY_TYPE,
        actor: 'scheduler',
        reason: `audit chain signed up to seq ${cp.seq} (${cp.alg}, key ${cp.keyId})`,
        details: { ...cp },
      },
      head.seq,
    );
    if (appended) return { written: cp, seq: appended.seq };
  }
  return { skipped: 'busy' };
}
