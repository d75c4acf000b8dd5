/**
 * The one place resource kinds are listed (DESIGN §5; docs/adding-a-resource-kind.md). Adding a
 * kind is adding its folder and one line here.
 */
import type { KindRegistration } from './kind';
import { asgRegistration } from './asg/registration';
import { instanceRegistration } from './instance/registration';
import { networkAclRegistration } from './network-acl/registration';
import { observedRegistration } from './observed/registration';
import { s3BucketRegistration } from './s3-bucket/registration';
import { securityGroupRegistration } from './security-group/registration';

export function registeredKinds(): KindRegistration[] {
  // The observed kind takes every type the others do not claim (for resources in a stack's state): keep it last.
  return [
    securityGroupRegistration(),
    networkAclRegistration(),
    s3BucketRegistration(),
    asgRegistration(),
    instanceRegistration(),
    observedRegistration(),
  ];
}
