import type { ResourceRef } from '@driftwarden/domain';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import { createEc2ClientProvider } from '@driftwarden/ec2';
import type { ExecutorDeps, KindRegistration } from '../kind';
import { EC2_REMEDIATION_OPERATIONS, Ec2Remediation } from './executor/ec2-remediation.adapter';
import { SecurityGroupBackportEditor } from './backport/editor';
import { securityGroupDesired } from './desired-state';
import { securityGroupSchemas } from './openapi';
import { SecurityGroupKind } from './security-group.kind';
import { SecurityGroupStates } from './state/security-group-lookup';
import { securityGroupStateKind } from './state/security-group-state';
import { securityGroupReconcile } from './reconcile/reconcile-hook';

/** The security-group kind, registered (libs/kinds/src/registry.ts lists it). */
export function securityGroupRegistration(): KindRegistration {
  // One cache of resolved groups per state index.
  const groups = new WeakMap<DesiredStateIndex, SecurityGroupStates>();
  return {
    kind: new SecurityGroupKind(),
    state: securityGroupStateKind,
    editor: new SecurityGroupBackportEditor(),
    schemas: securityGroupSchemas,
    iamActions: EC2_REMEDIATION_OPERATIONS.map((op) => `ec2:${op}`),
    reconcile: securityGroupReconcile,
    executor: (deps: ExecutorDeps) =>
      new Ec2Remediation(
        createEc2ClientProvider({
          requestTimeoutMs: deps.requestTimeoutMs,
          ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
        }),
      ),
    desired(index: DesiredStateIndex, resource: ResourceRef) {
      let states = groups.get(index);
      if (!states) groups.set(index, (states = new SecurityGroupStates(index)));
      return securityGroupDesired(states, resource);
    },
  };
}
