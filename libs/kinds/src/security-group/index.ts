/**
 * @driftwarden/kinds/security-group: the security-group kind. The canonical security group rule
 * model (pure, no I/O); normalisers from AWS Config, CloudTrail, the EC2 SDK and Terraform state;
 * the reverse mappings to EC2 `IpPermission` and Terraform attributes; live-vs-desired diff;
 * exposure analysis; the revert executor over the EC2 API (`Ec2Remediation`); the backport
 * editor (`editSecurityGroupRules`: the group's rules edited in place in its Terraform code, in
 * any of the three styles, then checked with HashiCorp's parser).
 */

// Model
export * from './model/permission-rule';
export { ALL_PROTOCOLS, canonicalPorts, canonicalProtocol, isIcmp, isPortedProtocol, type PortedProtocol } from './model/protocol';
export {
  cidrContains,
  cidrSize,
  familyBits,
  formatCidr,
  isPublicCidr,
  networkOf,
  normalizeCidr,
  parseCidr,
  prefixMask,
  type IpFamily,
  type ParsedCidr,
} from './model/cidr';
export {
  canonicalRuleKey,
  canonicalTrafficKey,
  canonicalizePeer,
  canonicalizeRule,
  compareRules,
  groupPeer,
  makeRule,
  peerKey,
  ruleKey,
  sameRule,
  sortRules,
  uniqueRules,
  type IdentifiedRule,
  type RuleInput,
} from './model/rule';
export { InvalidRuleShapeError, type RuleShape } from './security-group.errors';

// Normalisers (and reverse mappings)
export { rulesFromConfigConfiguration, rulesFromConfigPermissions, type ConfigIpPermission } from './normalize/config-item';
export {
  isCloudTrailRuleEvent,
  rulesFromCloudTrailIpPermissions,
  rulesFromCloudTrailRequest,
  rulesFromCloudTrailResponse,
  type CloudTrailRuleEventName,
  type CloudTrailRuleRequest,
  type CloudTrailRuleResponse,
} from './normalize/cloudtrail';
export { ruleFromSecurityGroupRule, rulesFromIpPermissions, rulesFromSecurityGroupRules, toIpPermissions } from './normalize/ec2';
export {
  TF_LEGACY_RULE,
  TF_SECURITY_GROUP,
  TF_VPC_EGRESS_RULE,
  TF_VPC_INGRESS_RULE,
  isTerraformVpcRuleType,
  parseGroupReference,
  ruleFromTerraformVpcRule,
  rulesFromTerraformInlineBlocks,
  rulesFromTerraformLegacyRule,
  rulesFromTerraformSecurityGroup,
  toTerraformInlineBlocks,
  toTerraformLegacyRule,
  toTerraformVpcRule,
  type TerraformInlineRule,
  type TerraformLegacyRuleAttributes,
  type TerraformVpcRuleAttributes,
  type TerraformVpcRuleType,
} from './normalize/terraform';

// Diff and exposure
export { applyRuleDiff, diffRules } from './diff/diff-rules';
export { CoverageIndex, portsCover, ruleCovers } from './exposure/coverage';
export {
  analyzeExposure,
  type ExposureAction,
  type ExposureAnalysis,
  type ExposureContext,
  type ExposureOperation,
} from './exposure/analyze-exposure';

// The kind's pipeline parts: differences, attribution of calls, desired state
export * from './rule-differences';
export * from './security-group.kind';
export * from './desired-state';
export * from './registration';

// What the kind keeps of Terraform state, and its desired-state lookup
export * from './state/security-group-state';
export * from './state/resolve-security-group';
export * from './state/security-group-lookup';

// The revert executor (EC2 API)
export {
  Ec2Remediation,
  EC2_REMEDIATION_OPERATIONS,
  EC2_WRITE_OPERATIONS,
  AFTER_STATE_SOURCE,
  SECURITY_GROUP_TYPE,
  type Ec2RemediationOperation,
  type Ec2RemediationOptions,
} from './executor/ec2-remediation.adapter';
export { Ec2ReferencedGroupNotFoundError } from './executor/ec2-remediation.errors';

// The backport editor (HCL in place, checked with HashiCorp's parser)
export { type RuleStyle } from './hcl/rules/terraform-rules';
export { type EditResult, type EditSuccess, type EditUnsafe, type UnsafeCode } from './hcl/edit/edit-result';
export {
  blocksToRead,
  editSecurityGroupRules,
  planSecurityGroupEdit,
  readSecurityGroupRules,
  ruleResourceName,
  type EditDraft,
  type ResourceRef,
  type SecurityGroupEditRequest,
} from './hcl/edit/security-group-edit';
export { checkSecurityGroupEdit } from './hcl/check/edit-check';

// The backport editor's kind-specific words and edit plan
export * from './backport/editor';
