import type { ResourceRef } from '@driftwarden/domain';
import { createEc2ClientProvider } from '@driftwarden/ec2';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import { attributeKindSchemas } from '../attributes/attribute-differences';
import type { ExecutorDeps, KindRegistration } from '../kind';
import type { StackCodePort } from '../stack-code';
import { instanceBackportEditor } from './backport';
import { INSTANCE_REMEDIATION_OPERATIONS, InstanceRemediation } from './executor';
import { InstanceKind } from './instance.kind';
import { INSTANCE_ATTRIBUTES } from './model';
import { instanceDesired, instanceStateKind } from './state';
import { instanceReconcile } from './reconcile';

/** The EC2 instance protection kind, registered (libs/kinds/src/registry.ts lists it). */
export function instanceRegistration(): KindRegistration {
  let code: StackCodePort | null = null;
  return {
    kind: new InstanceKind(),
    state: instanceStateKind as KindRegistration['state'],
    editor: instanceBackportEditor(),
    schemas: attributeKindSchemas('instance', [...INSTANCE_ATTRIBUTES, 'instance']),
    iamActions: INSTANCE_REMEDIATION_OPERATIONS.map((op) => `ec2:${op}`),
    reconcile: instanceReconcile,
    executor: (deps: ExecutorDeps) =>
      new InstanceRemediation(
        createEc2ClientProvider({
          requestTimeoutMs: deps.requestTimeoutMs,
          ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
        }),
      ),
    desired: (index: DesiredStateIndex, resource: ResourceRef) => instanceDesired(index, code, resource),
    useStackCode(reader: StackCodePort) {
      code = reader;
    },
  };
}
