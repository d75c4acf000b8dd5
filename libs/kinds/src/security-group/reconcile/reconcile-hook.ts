import { createEc2ClientProvider } from '@driftwarden/ec2';
import type { LiveLocation } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { ExecutorDeps, ReconcileHook } from '../../kind';
import { stackScopes, sweptIn } from '../../live-state.adapter';
import { SECURITY_GROUP } from '../desired-state';
import { securityGroupStateKind } from '../state/security-group-state';
import { LIVE_BATCH_SIZE, SecurityGroupLiveReader } from './live-reader';

/** The security-group kind in the reconciling sweep: every group a covering stack declares, read with batched DescribeSecurityGroups. */
export const securityGroupReconcile: ReconcileHook = {
  configType: SECURITY_GROUP,
  batchSize: LIVE_BATCH_SIZE,
  async managedIds(index: DesiredStateIndex, location: LiveLocation): Promise<string[]> {
    const { indexes } = await index.kindIndexes(securityGroupStateKind, location.account, location.region);
    // A group known only through an entry without a location (a rule resource whose group the
    // state does not place) is swept only where its stack covers one account and region: read in
    // every region of a wider stack it would be "gone" in all but one.
    const scopes = stackScopes(index);
    const ids = new Set<string>();
    for (const { stack, index: groups } of indexes) {
      for (const id of groups.securityGroupIds())
        if (groups.entriesFor(id).some((e) => sweptIn(e.location, scopes.get(stack), location))) ids.add(id);
    }
    return [...ids].sort();
  },
  describer: (deps: ExecutorDeps) =>
    new SecurityGroupLiveReader(
      createEc2ClientProvider({
        requestTimeoutMs: deps.requestTimeoutMs,
        // One attempt per call: the sweep retries a batch itself, with back-off, under its rate limit.
        maxAttempts: 1,
        ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
      }),
    ),
};
