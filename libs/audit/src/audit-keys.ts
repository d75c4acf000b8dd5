import { KMSClient } from '@aws-sdk/client-kms';
import type { AuditConfig } from '@driftwarden/config';
import {
  CheckpointKeyring,
  HmacCheckpointSigner,
  KmsCheckpointSigner,
  type CheckpointSigner,
  type SignatureVerifier,
} from './checkpoint-signer';

export interface AuditKeys {
  /** KMS where configured, else HMAC, else none. */
  signer: CheckpointSigner | null;
  /** Every configured key (checkpoints and bundles signed with an older configuration still verify with it). */
  verifier: SignatureVerifier;
}

/**
 * The keys of config `audit.checkpoints`. The KMS client honours the SDK's credential chain and
 * endpoint variables (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL).
 */
export function auditKeysOf(checkpoints: AuditConfig['checkpoints'], kmsClient?: KMSClient): AuditKeys {
  const hmac = checkpoints.hmac ? new HmacCheckpointSigner(checkpoints.hmac.keyId, checkpoints.hmac.secret) : null;
  const kmsConfig = checkpoints.kms;
  const kms = kmsConfig
    ? new KmsCheckpointSigner(
        kmsClient ??
          new KMSClient({
            ...(kmsConfig.region ? { region: kmsConfig.region } : {}),
            maxAttempts: 3,
            requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true, connectionTimeout: 3_000 },
          }),
        kmsConfig.keyId,
        kmsConfig.algorithm,
      )
    : null;
  return { signer: kms ?? hmac, verifier: new CheckpointKeyring([...(kms ? [kms] : []), ...(hmac ? [hmac] : [])]) };
}
