import type { EditSpan } from '@driftwarden/hcl-edit';
import type { RuleStyle } from '../rules/terraform-rules';
import type { PermissionRule } from '../../model/permission-rule';

/** Why an edit was refused; `reason` says it in words for the issue opened instead of a PR. */
export type UnsafeCode =
  /** tree-sitter found a syntax error in the input. */
  | 'syntax'
  /** The group (or the module called) is not declared in this file. */
  | 'not-found'
  /** The target is not an `aws_security_group`. */
  | 'unsupported'
  /** The group is declared inside a module; `reason` says where its code lives. */
  | 'module'
  | 'count'
  | 'for_each'
  | 'dynamic'
  /** A protocol, port, direction or `self` that is not a literal. */
  | 'non-literal'
  /** A rule attribute that is missing or has a value of the wrong type. */
  | 'unreadable'
  /** `ingress = [...]` / `egress = [...]` written as attributes instead of blocks. */
  | 'attribute-form'
  /** Inline rules and rule resources for the same group. */
  | 'mixed-styles'
  /** A rule resource whose `security_group_id` cannot be resolved to a group. */
  | 'unresolved-group'
  /** The file declares no rules for the group: which style to write is unknown. */
  | 'style-unknown'
  | 'style-conflict'
  /** A rule to remove is not declared in this file. */
  | 'rule-not-found'
  /** A rule to add is declared already. */
  | 'already-declared'
  /** A rule to add or remove may be the one hidden behind a non-literal value. */
  | 'ambiguous'
  /** A new rule resource needs the group's id and none was given. */
  | 'missing-group-id'
  /** HashiCorp's parser rejected the edited file. */
  | 'parser-rejected'
  /** The edited file parses, but its rules are not the expected ones. */
  | 'check-failed'
  /** Two edits touched the same text (a bug; nothing is written). */
  | 'overlap';

export interface EditUnsafe {
  unsafe: true;
  code: UnsafeCode;
  reason: string;
}

export interface EditSuccess {
  unsafe: false;
  /** The whole edited file. */
  text: string;
  /** Sorted, disjoint; outside them the output is the input, byte for byte. */
  spans: EditSpan[];
  /** The style the group's rules are written in. */
  style: RuleStyle;
  /** What was done, one line each, e.g. `removed 0.0.0.0/0 from the ingress block at line 14`. */
  changes: string[];
}

export type EditResult = EditSuccess | EditUnsafe;

/** What the edit meant to do, for the check: canonical rules keyed by the security-group model's `ruleKey`. */
export interface ExpectedRules {
  /** The group's rules in the code before the edit, as tree-sitter read them. */
  before: Map<string, PermissionRule>;
  /** Non-literal peers before the edit, counted per traffic and kind; the edit never touches them. */
  opaque: Map<string, number>;
  removed: Set<string>;
  /** The added rules, with the descriptions they must carry. */
  added: Map<string, PermissionRule>;
}

export function unsafe(code: UnsafeCode, reason: string): EditUnsafe {
  return { unsafe: true, code, reason };
}
