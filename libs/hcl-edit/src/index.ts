/**
 * @driftwarden/hcl-edit: back-porting a live security group into its Terraform code.
 *
 * - `HclDocument` reads a .tf file with tree-sitter (blocks, attributes, literal values, spans,
 *   comments, modules, and what makes an in-place edit unsafe).
 * - `editSecurityGroupRules(text, { target, groupId, remove, add })` edits the rules of one
 *   `aws_security_group` (inline blocks, `aws_vpc_security_group_*_rule` or
 *   `aws_security_group_rule` resources), keeping every byte outside the edited spans, then checks
 *   the result with HashiCorp's parser; it answers the new text and spans, or why it refused.
 *
 * Rules are canonicalised, keyed and written with the security-group model
 * (`@driftwarden/security-group`: `ruleKey`, `canonicalizeRule`, `toTerraform*`); this library
 * has no rule model of its own.
 */
export { initHclParser, isHclParserReady } from './parser/tree-sitter';
export { parseWithHashicorp } from './parser/hcl2json';
export {
  HclDocument,
  attribute,
  classifyModuleSource,
  type HclAttribute,
  type HclBlock,
  type HclHazard,
  type HclParseOptions,
  type HclSyntaxError,
  type ModuleCall,
  type ModuleSourceKind,
} from './document/hcl-document';
export {
  decodeStringLiteral,
  firstNonLiteral,
  isLiteral,
  quoteString,
  type ExpressionForm,
  type HclBool,
  type HclExpression,
  type HclNull,
  type HclNumber,
  type HclObject,
  type HclObjectEntry,
  type HclString,
  type HclTuple,
  type HclValue,
  type TextSpan,
} from './document/hcl-values';
export { TextLines } from './document/text-lines';
export {
  formatResourceAddress,
  parseResourceAddress,
  type ModuleStep,
  type ResourceAddress,
} from './document/resource-address';
export { type RuleStyle } from './rules/terraform-rules';
export {
  type EditResult,
  type EditSpan,
  type EditSuccess,
  type EditUnsafe,
  type UnsafeCode,
} from './edit/edit-result';
export {
  blocksToRead,
  editSecurityGroupRules,
  planSecurityGroupEdit,
  readSecurityGroupRules,
  ruleResourceName,
  type EditDraft,
  type ResourceRef,
  type SecurityGroupEditRequest,
} from './edit/security-group-edit';
export { checkSecurityGroupEdit } from './check/edit-check';
export { BENCHMARK_REQUEST, editBenchmark, generateStackFile, type EditBenchmarkResult } from './bench/edit-benchmark';
