import { createEc2ClientProvider } from '@driftwarden/ec2';
import type { ExecutorDeps, KindRegistration } from '../kind';
import { NetworkAclBackportEditor } from './backport/editor';
import { NETWORK_ACL_REMEDIATION_OPERATIONS, NetworkAclRemediation } from './executor/network-acl-remediation.adapter';
import { NetworkAclKind } from './network-acl.kind';
import { networkAclSchemas } from './openapi';
import { networkAclDesired, networkAclStateKind } from './state/network-acl-state';
import { networkAclReconcile } from './reconcile';

/** The network-ACL kind, registered (libs/kinds/src/registry.ts lists it). */
export function networkAclRegistration(): KindRegistration {
  return {
    kind: new NetworkAclKind(),
    state: networkAclStateKind,
    editor: new NetworkAclBackportEditor(),
    schemas: networkAclSchemas,
    iamActions: NETWORK_ACL_REMEDIATION_OPERATIONS.map((op) => `ec2:${op}`),
    reconcile: networkAclReconcile,
    executor: (deps: ExecutorDeps) =>
      new NetworkAclRemediation(
        createEc2ClientProvider({
          requestTimeoutMs: deps.requestTimeoutMs,
          ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
        }),
      ),
    desired: (index, resource) => networkAclDesired(index, resource),
  };
}
