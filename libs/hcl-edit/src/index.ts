/**
 * @driftwarden/hcl-edit: generic in-place editing of Terraform's HCL, with no knowledge of any
 * resource kind (each kind's editor lives in its folder, e.g. the security group's in
 * @driftwarden/kinds/security-group).
 *
 * - `HclDocument` reads a .tf file with tree-sitter (blocks, attributes, literal values, spans,
 *   comments, modules, and what makes an in-place edit unsafe), optionally only the top-level
 *   blocks asked for in depth (`scanTopLevel`).
 * - `applyEdits`, `removeConstruct` / `removeTupleItems` / `realignAttributes` and `formatBlock`
 *   change the text in place, keeping every byte outside the edited spans.
 * - Attribute values in one neutral form from either parser (`attributesOf`, `jsonAttributesOf`).
 * - `checkParsesWithHashicorp` checks an edited file with HashiCorp's parser and answers its JSON.
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
export { formatResourceAddress, parseResourceAddress, type ModuleStep, type ResourceAddress } from './document/resource-address';
export {
  attributesOf,
  describeValue,
  fromHclValue,
  fromJson,
  jsonAttributesOf,
  jsonBlockBody,
  jsonObject,
  type AttributeValue,
  type AttributeValues,
} from './values/attribute-values';
export { applyEdits, OverlappingEditsError, type EditSpan, type TextEdit } from './edit/text-edits';
export { realignAttributes, removeConstruct, removeTupleItems } from './edit/removals';
export { formatBlock, formatValue, raw, type FormatValue, type HclSource } from './edit/hcl-format';
export { checkParsesWithHashicorp, type HashicorpCheck } from './check/hashicorp-check';
