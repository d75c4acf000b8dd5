import { KMSClient } from '@aws-sdk/client-kms';
import type { DriftwardenConfig } from '@driftwarden/config';
import {
  CheckpointKeyring,
  HmacCheckpointSigner,
  KmsCheckpointSigner,
  type CheckpointSigner,
  type SignatureVerifier,
} from '@driftwarden/audit';

/** The checkpoint (and evidence bundle) signer: KMS where configured, else HMAC, else none. */
export const CHECKPOINT_SIGNER = Symbol('CHECKPOINT_SIGNER');
/** Both, built once from config. */
export const AUDIT_KEYS_TOKEN = Symbol('AUDIT_KEYS');
/** Checks checkpoint and bundle signatures with every configured key. */
export const SIGNATURE_VERIFIER = Symbol('SIGNATURE_VERIFIER');

export interface AuditKeys {
  signer: CheckpointSigner | null;
  verifier: SignatureVerifier;
}

/**
 * Builds the keys of config `audit.checkpoints`. The KMS client honours the SDK's credential
 * chain and endpoint variables (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL).
 */
export function auditKeysOf(config: DriftwardenConfig, kmsClient?: KMSClient): AuditKeys {
  const c = config.audit.checkpoints;
  const hmac = c.hmac ? new HmacCheckpointSigner(c.hmac.keyId, c.hmac.secret) : null;
  const kms = c.kms
    ? new KmsCheckpointSigner(
        kmsClient ??
          new KMSClient({
            ...(c.kms.region ? { region: c.kms.region } : {}),
            maxAttempts: 3,
            requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true, connectionTimeout: 3_000 },
          }),
        c.kms.keyId,
        c.kms.algorithm,
      )
    : null;
  return {
    signer: kms ?? hmac,
    verifier: new CheckpointKeyring([...(kms ? [kms] : []), ...(hmac ? [hmac] : [])]),
  };
}
