import { createHmac, timingSafeEqual } from 'node:crypto';
import { KMSClient, SignCommand, VerifyCommand, type SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { checkpointPayload, type AuditCheckpoint, type CheckpointVerifier } from '@driftwarden/store';

/** Signs checkpoints of the audit chain (README "Tamper-evident audit"). */
export interface CheckpointSigner {
  readonly alg: string;
  readonly keyId: string;
  /** Base64 signature over `payload` (UTF-8). */
  sign(payload: string): Promise<string>;
}

/** Checks a signature made by a CheckpointSigner over any payload (checkpoints, evidence bundle digests). */
export interface SignatureVerifier extends CheckpointVerifier {
  /** True/false for a verdict; null when this verifier has no key for `alg`/`keyId`. */
  verifySignature(alg: string, keyId: string, payload: string, signature: string): Promise<boolean | null>;
}

export const HMAC_ALG = 'HMAC-SHA256';
export const KMS_ALG_PREFIX = 'KMS:';

export class HmacCheckpointSigner implements CheckpointSigner, SignatureVerifier {
  readonly alg = HMAC_ALG;

  constructor(
    readonly keyId: string,
    private readonly secret: string,
  ) {}

  sign(payload: string): Promise<string> {
    return Promise.resolve(createHmac('sha256', this.secret).update(payload, 'utf8').digest('base64'));
  }

  verify(cp: AuditCheckpoint): Promise<boolean | null> {
    return this.verifySignature(cp.alg, cp.keyId, checkpointPayload(cp), cp.signature);
  }

  /** null for another algorithm or key: this signer cannot judge it. */
  async verifySignature(alg: string, keyId: string, payload: string, signature: string): Promise<boolean | null> {
    if (alg !== HMAC_ALG || keyId !== this.keyId) return null;
    const expected = Buffer.from(await this.sign(payload), 'base64');
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** The KMS call failed (unreachable, throttled, key disabled): no checkpoint this time. */
export class KmsSigningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmsSigningError';
  }
}

/**
 * AWS KMS `Sign` with an asymmetric key (MessageType RAW: KMS hashes the payload itself, which
 * is at most 4 KiB), checked with KMS `Verify`. KMS answers an invalid signature with the error
 * `KMSInvalidSignatureException`, not with `SignatureValid: false`: that error is the verdict
 * "does not verify", any other error is a failure to check.
 */
export class KmsCheckpointSigner implements CheckpointSigner, SignatureVerifier {
  readonly alg: string;

  constructor(
    private readonly kms: KMSClient,
    readonly keyId: string,
    private readonly algorithm: SigningAlgorithmSpec,
  ) {
    this.alg = `${KMS_ALG_PREFIX}${algorithm}`;
  }

  async sign(payload: string): Promise<string> {
    try {
      const out = await this.kms.send(
        new SignCommand({ KeyId: this.keyId, Message: Buffer.from(payload, 'utf8'), MessageType: 'RAW', SigningAlgorithm: this.algorithm }),
      );
      if (!out.Signature || out.Signature.length === 0) throw new KmsSigningError(`KMS Sign with key ${this.keyId} returned no signature`);
      return Buffer.from(out.Signature).toString('base64');
    } catch (err) {
      if (err instanceof KmsSigningError) throw err;
      throw new KmsSigningError(`KMS Sign with key ${this.keyId} failed: ${describe(err)}`, { cause: err });
    }
  }

  verify(cp: AuditCheckpoint): Promise<boolean | null> {
    return this.verifySignature(cp.alg, cp.keyId, checkpointPayload(cp), cp.signature);
  }

  async verifySignature(alg: string, keyId: string, payload: string, signature: string): Promise<boolean | null> {
    if (!alg.startsWith(KMS_ALG_PREFIX) || keyId !== this.keyId) return null;
    try {
      const out = await this.kms.send(
        new VerifyCommand({
          KeyId: keyId,
          Message: Buffer.from(payload, 'utf8'),
          MessageType: 'RAW',
          Signature: Buffer.from(signature, 'base64'),
          SigningAlgorithm: alg.slice(KMS_ALG_PREFIX.length) as SigningAlgorithmSpec,
        }),
      );
      return out.SignatureValid === true;
    } catch (err) {
      if (err instanceof Error && err.name === 'KMSInvalidSignatureException') return false;
      throw new KmsSigningError(`KMS Verify with key ${keyId} failed: ${describe(err)}`, { cause: err });
    }
  }
}

/** Several verifiers (the configured HMAC key and KMS key): the first with a verdict decides. */
export class CheckpointKeyring implements SignatureVerifier {
  constructor(private readonly verifiers: SignatureVerifier[]) {}

  verify(cp: AuditCheckpoint): Promise<boolean | null> {
    return this.verifySignature(cp.alg, cp.keyId, checkpointPayload(cp), cp.signature);
  }

  async verifySignature(alg: string, keyId: string, payload: string, signature: string): Promise<boolean | null> {
    for (const v of this.verifiers) {
      const verdict = await v.verifySignature(alg, keyId, payload, signature);
      if (verdict !== null) return verdict;
    }
    return null;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${err.name}${status ? ` (HTTP ${status})` : ''}: ${err.message}`;
  }
  return String(err);
}
