/** The checkpoint (and evidence bundle) signer: KMS where configured, else HMAC, else none. */
export const CHECKPOINT_SIGNER = Symbol('CHECKPOINT_SIGNER');
/** Both, built once from config. */
export const AUDIT_KEYS_TOKEN = Symbol('AUDIT_KEYS');
/** Checks checkpoint and bundle signatures with every configured key. */
export const SIGNATURE_VERIFIER = Symbol('SIGNATURE_VERIFIER');
