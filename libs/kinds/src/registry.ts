/**
 * The one place resource kinds are listed (DESIGN §5; docs/adding-a-resource-kind.md). Adding a
 * kind is adding its folder and one line here.
 */
import type { KindRegistration } from './kind';
import { observedRegistration } from './observed/registration';
import { securityGroupRegistration } from './security-group/registration';

export function registeredKinds(): KindRegistration[] {
  // The observed kind takes every type the others do not claim (for resources in a stack's state): keep it last.
  return [securityGroupRegistration(), observedRegistration()];
}
