/**
 * Issue 16 §1: signed checkpoints of the audit chain, with HMAC and with AWS KMS `Sign` (a KMS
 * stand-in over real HTTP with real ECDSA keys), on the real Redis. A checkpoint signs exactly the
 * entry before it; a forged or re-signed chain is caught; KMS failures leave no checkpoint and a
 * clear error.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { Redis } from 'ioredis';
import { CheckpointKeyring, HmacCheckpointSigner, KmsCheckpointSigner, KmsSigningError, writeCheckpoint } from '@driftwarden/audit';
import { KmsStandIn } from '@driftwarden/audit/testing';
import { AuditLog, expectedHash, linkHash, sha256Hex, canonicalJson, auditBody, type AuditEntry } from '@driftwarden/store';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { testKeys, testRedis } from '../support/redis';

const KEY = 'k'.repeat(40);
const now = () => new Date();

describe('signed checkpoints', () => {
  let redis: Redis;
  let prefix: string;
  let audit: AuditLog;
  const kms = new KmsStandIn();
  let kmsClient: KMSClient;

  beforeAll(async () => {
    redis = testRedis();
    await kms.start();
    kms.createKey('alias/driftwarden-audit');
    kmsClient = new KMSClient({
      region: 'eu-west-1',
      endpoint: kms.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
    });
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    audit = new AuditLog(redis, testKeys(prefix));
  });
  afterEach(async () => {
    await dropPrefix(prefix);
  });
  afterAll(async () => {
    kmsClient.destroy();
    await kms.stop();
    redis.disconnect();
  });

  async function some(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await audit.append({ at: new Date().toISOString(), type: 'test.entry', actor: 'test', reason: `${i}` });
  }

  it('an HMAC checkpoint signs its predecessor; nothing new since: no second checkpoint', async () => {
    const hmac = new HmacCheckpointSigner('audit-2026', KEY);
    expect(await writeCheckpoint(audit, hmac, now)).toEqual({ skipped: 'empty' });
    await some(3);
    const head = await audit.head();
    const out = await writeCheckpoint(audit, hmac, now);
    expect(out).toMatchObject({ written: { seq: 3, hash: head?.hash, alg: 'HMAC-SHA256', keyId: 'audit-2026' }, seq: 4 });
    expect(await writeCheckpoint(audit, hmac, now)).toEqual({ skipped: 'unchanged' });
    expect(await audit.verify(hmac)).toMatchObject({ ok: true, checkpoints: { seen: 1, verified: 1, unchecked: 0, lastSeq: 3 } });
    // Without the key the checkpoint is reported, not failed.
    expect(await audit.verify(null)).toMatchObject({ ok: true, checkpoints: { seen: 1, verified: 0, unchecked: 1 } });
    // Another key: the signature does not verify.
    expect((await audit.verify(new HmacCheckpointSigner('audit-2026', 'x'.repeat(40)))).firstBroken).toMatchObject({
      seq: 4,
      problem: 'checkpoint_bad_signature',
    });
  });

  it('a chain rewritten and re-hashed by someone without the key is caught by the checkpoint', async () => {
    const hmac = new HmacCheckpointSigner('audit-2026', KEY);
    await some(3);
    await writeCheckpoint(audit, hmac, now);
    // Rewrite entry 2 and recompute every hash after it (SHA-256 needs no key): only the checkpoint's signature stops this.
    const entries = await redis.xrange(audit.streamKey, '-', '+');
    await redis.del(audit.streamKey);
    let prev = '0'.repeat(64);
    for (const [id, fields] of entries) {
      const get = (f: string) => fields[fields.indexOf(f) + 1];
      const body = JSON.parse(get('e')) as AuditEntry;
      if (get('s') === '2') body.reason = 'nothing happened here';
      if (body.type === 'audit.checkpoint' && body.details) body.details = { ...body.details, hash: prev };
      const seq = Number(get('s'));
      const text = canonicalJson(auditBody(body));
      const hash = linkHash(seq, prev, sha256Hex(text));
      expect(expectedHash({ ...body, seq, prevHash: prev, hash })).toBe(hash);
      await redis.xadd(audit.streamKey, id, 'e', text, 's', String(seq), 'p', prev, 'h', hash);
      prev = hash;
    }
    await redis.hset(audit.chainHeadKey, 'seq', '4', 'hash', prev);
    expect((await audit.verify(hmac)).firstBroken).toMatchObject({ seq: 4, problem: 'checkpoint_bad_signature' });
  });

  it('KMS Sign checkpoints verify through KMS Verify; a forged signature is KMSInvalidSignatureException = does not verify', async () => {
    const signer = new KmsCheckpointSigner(kmsClient, 'alias/driftwarden-audit', 'ECDSA_SHA_256');
    await some(2);
    const out = await writeCheckpoint(audit, signer, now);
    expect(out).toMatchObject({ written: { alg: 'KMS:ECDSA_SHA_256', keyId: 'alias/driftwarden-audit', seq: 2 } });
    const keyring = new CheckpointKeyring([new HmacCheckpointSigner('other', KEY), signer]);
    expect(await audit.verify(keyring)).toMatchObject({ ok: true, checkpoints: { verified: 1 } });
    expect(kms.calls.map((c) => c.op)).toEqual(['Sign', 'Verify']);
    const cp = 'written' in out ? out.written : null;
    expect(await signer.verify({ ...cp!, hash: 'f'.repeat(64) })).toBe(false);
  });

  it('KMS failures (5xx, throttling, no answer, malformed body, unknown key) write no checkpoint and name the key', async () => {
    const signer = new KmsCheckpointSigner(kmsClient, 'alias/driftwarden-audit', 'ECDSA_SHA_256');
    await some(1);
    const failures = [
      { status: 500, type: 'KMSInternalException' },
      { status: 400, type: 'ThrottlingException' },
      'hang' as const,
      'malformed' as const,
    ];
    for (const f of failures) {
      kms.failNext(f);
      await expect(writeCheckpoint(audit, signer, now)).rejects.toThrow(KmsSigningError);
    }
    await expect(writeCheckpoint(audit, new KmsCheckpointSigner(kmsClient, 'alias/nope', 'ECDSA_SHA_256'), now)).rejects.toThrow(
      /KMS Sign with key alias\/nope failed: NotFoundException/,
    );
    expect((await audit.head())?.seq).toBe(1);
    // KMS unreachable while verifying: an error, not a verdict.
    await writeCheckpoint(audit, signer, now);
    kms.failNext({ status: 503, type: 'KMSInternalException' });
    await expect(audit.verify(signer)).rejects.toThrow(/KMS Verify with key alias\/driftwarden-audit failed/);
  });
});
