import { createEc2ClientProvider } from '@driftwarden/ec2';
import type { LiveLocation } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { ExecutorDeps, ReconcileHook } from '../../kind';
import { SECURITY_GROUP } from '../desired-state';
import { securityGroupStateKind } from '../state/security-group-state';
import { LIVE_BATCH_SIZE, SecurityGroupLiveReader } from './live-reader';

/** The security-group kind in the reconciling sweep: every group a covering stack declares, read with batched DescribeSecurityGroups. */
export const securityGroupReconcile: ReconcileHook = {
  configType: SECURITY_GROUP,
  batchSize: LIVE_BATCH_SIZE,
  async managedIds(index: DesiredStateIndex, location: LiveLocation): Promise<string[]> {
    const { indexes } = await index.kindIndexes(securityGroupStateKind, location.account, location.region);
    const ids = new Set<string>();
    for (const { index: groups } of indexes) for (const id of groups.securityGroupIdsIn(location.account, location.region)) ids.add(id);
    return [...ids].sort();
  },
  describer: (deps: ExecutorDeps) =>
    new SecurityGroupLiveReader(
      createEc2ClientProvider({
        requestTimeoutMs: deps.requestTimeoutMs,
        ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
      }),
    ),
};
