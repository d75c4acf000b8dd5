import type { ResourceRef } from '@driftwarden/domain';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { KindRegistration } from '../kind';
import { SecurityGroupBackportEditor } from './backport/editor';
import { securityGroupDesired } from './desired-state';
import { SecurityGroupKind } from './security-group.kind';
import { SecurityGroupStates } from './state/security-group-lookup';
import { securityGroupStateKind } from './state/security-group-state';

/** The security-group kind, registered (libs/kinds/src/registry.ts lists it). */
export function securityGroupRegistration(): KindRegistration {
  // One cache of resolved groups per state index.
  const groups = new WeakMap<DesiredStateIndex, SecurityGroupStates>();
  return {
    kind: new SecurityGroupKind(),
    state: securityGroupStateKind,
    editor: new SecurityGroupBackportEditor(),
    desired(index: DesiredStateIndex, resource: ResourceRef) {
      let states = groups.get(index);
      if (!states) groups.set(index, (states = new SecurityGroupStates(index)));
      return securityGroupDesired(states, resource);
    },
  };
}
