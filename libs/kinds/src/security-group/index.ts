/**
 * @driftwarden/security-group: the canonical security group rule model (pure, no I/O).
 * Normalisers from AWS Config, CloudTrail, the EC2 SDK and Terraform state; the reverse mappings
 * to EC2 `IpPermission` and Terraform attributes; live-vs-desired diff; exposure analysis.
 */

// Model
export {
  ALL_PROTOCOLS,
  canonicalPorts,
  canonicalProtocol,
  isIcmp,
  isPortedProtocol,
  type PortedProtocol,
} from './model/protocol';
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
export * from './security-group.analyzer';
export * from './terraform-desired-state.adapter';
