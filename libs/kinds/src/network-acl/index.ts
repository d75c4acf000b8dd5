/**
 * @driftwarden/kinds/network-acl: the network-ACL kind (AWS::EC2::NetworkAcl). The entry model
 * and its evaluation in rule-number order (direction = effect on allowed traffic), the readers of
 * every source, the Terraform state part, the revert executor over the EC2 API and the in-place
 * HCL backport editor.
 */
export * from './model/entry';
export { allows, compareAllowed, type AllowedComparison, type Packet } from './model/evaluation';
export * from './differences';
export * from './normalize/sources';
export * from './state/network-acl-state';
export { NETWORK_ACL_CALLS, NetworkAclKind } from './network-acl.kind';
export {
  NETWORK_ACL_REMEDIATION_OPERATIONS,
  NETWORK_ACL_AFTER_STATE_SOURCE,
  NetworkAclRemediation,
} from './executor/network-acl-remediation.adapter';
export { editAclEntries, readAclCode, checkAclEdit, entriesFromHashicorpJson } from './hcl/network-acl-edit';
export { NetworkAclBackportEditor } from './backport/editor';
export { networkAclRegistration } from './registration';
