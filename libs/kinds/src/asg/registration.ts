import type { ResourceRef } from '@driftwarden/domain';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import { attributeKindSchemas } from '../attributes/attribute-differences';
import type { ExecutorDeps, KindRegistration } from '../kind';
import type { StackCodePort } from '../stack-code';
import { AsgKind } from './asg.kind';
import { asgBackportEditor } from './backport';
import { ASG_REMEDIATION_OPERATIONS, AsgRemediation, createAutoScalingClientProvider } from './executor';
import { CAPACITY_ATTRIBUTES } from './model';
import { asgDesired, asgStateKind } from './state';
import { asgReconcile } from './reconcile';

/** The Auto Scaling group capacity kind, registered (libs/kinds/src/registry.ts lists it). */
export function asgRegistration(): KindRegistration {
  let code: StackCodePort | null = null;
  return {
    kind: new AsgKind(),
    state: asgStateKind as KindRegistration['state'],
    editor: asgBackportEditor(),
    schemas: attributeKindSchemas('asg', [...CAPACITY_ATTRIBUTES, 'group']),
    iamActions: ASG_REMEDIATION_OPERATIONS.map((op) => `autoscaling:${op}`),
    reconcile: asgReconcile,
    executor: (deps: ExecutorDeps) =>
      new AsgRemediation(
        createAutoScalingClientProvider({
          requestTimeoutMs: deps.requestTimeoutMs,
          ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
        }),
      ),
    desired: (index: DesiredStateIndex, resource: ResourceRef) => asgDesired(index, code, resource),
    useStackCode(reader: StackCodePort) {
      code = reader;
    },
  };
}
