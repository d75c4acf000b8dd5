/**
 * Backporting a live security group into its Terraform code: given the rules to remove (in the
 * code, not live) and to add (live, not in the code), edit the file in place for the style the
 * group's rules are written in, touching nothing outside the edited spans.
 *
 * `planSecurityGroupEdit` does the edit (synchronous, tree-sitter only); `checkSecurityGroupEdit`
 * then reads the result with HashiCorp's parser and compares its rules with the expected set;
 * `editSecurityGroupRules` does both and is what callers normally use.
 */
import {
  applyEdits,
  attribute,
  formatBlock,
  formatResourceAddress,
  HclDocument,
  initHclParser,
  OverlappingEditsError,
  parseResourceAddress,
  raw,
  realignAttributes,
  removeConstruct,
  removeTupleItems,
  type FormatValue,
  type HclAttribute,
  type HclBlock,
  type HclSyntaxError,
  type TextEdit,
} from '@driftwarden/hcl-edit';
import { canonicalRuleKey, canonicalTrafficKey, canonicalizeRule, ruleKey } from '../../model/rule';
import { toTerraformInlineBlocks, toTerraformLegacyRule, toTerraformVpcRule } from '../../normalize/terraform';
import {
  LEGACY_RULE_TYPE,
  SECURITY_GROUP_TYPE,
  sourceRules,
  VPC_RULE_TYPES,
  type RuleContext,
  type RuleStyle,
} from '../rules/terraform-rules';
import { unsafe, type EditSuccess, type EditUnsafe, type ExpectedRules, type EditResult } from './edit-result';
import { readGroupCode, holdsRules, type CodeRuleSource, type GroupCode } from './group-code';
import { checkSecurityGroupEdit } from '../check/edit-check';
import { describePermissionRule, type PermissionRule, type RuleDirection } from '../../model/permission-rule';

export interface ResourceRef {
  type: string;
  name: string;
}

export interface SecurityGroupEditRequest {
  /**
   * The security group, as its block in this module (`{ type: 'aws_security_group', name: 'workers' }`)
   * or as an address (`aws_security_group.workers`). An address inside a module
   * (`module.net.aws_security_group.this`) is answered with where that module's code lives.
   */
  target: ResourceRef | string;
  /** The group's AWS id (`sg-…`): matches `self` and rule resources that name the group literally. */
  groupId?: string;
  /** Rules in the code but not live. */
  remove: readonly PermissionRule[];
  /** Rules live but not in the code. */
  add: readonly PermissionRule[];
  /** The style to write new rules in when the file has no rules for the group yet. */
  style?: RuleStyle;
  /**
   * Whether the group's `aws_security_group` block is declared in this module (in any of its
   * files); new rule resources then reference it (`aws_security_group.workers.id`) instead of
   * naming its id. Default: when this file declares it or its rule resources reference it.
   */
  groupInModule?: boolean;
  /** Resource names taken in the module's other files, avoided when naming new rule resources. */
  reservedNames?: readonly string[];
  /** Used in the parser's messages. Default `main.tf`. */
  filename?: string;
}

/** An edit not yet checked by HashiCorp's parser, with what the check needs. */
export interface EditDraft extends EditSuccess {
  /** The text before the edit. */
  original: string;
  expected: ExpectedRules;
  context: RuleContext;
  filename: string;
}

/** Edits the file and checks the result with HashiCorp's parser; never returns a broken file. */
export async function editSecurityGroupRules(text: string, request: SecurityGroupEditRequest): Promise<EditResult> {
  await initHclParser();
  const doc = HclDocument.parse(text, { deep: blocksToRead(request.target) });
  const draft = planSecurityGroupEdit(doc, request);
  if (draft.unsafe) return draft;
  return checkSecurityGroupEdit(draft);
}

/** Which top-level blocks an edit for this target reads (see `holdsRules`). */
export function blocksToRead(target: ResourceRef | string): (type: string, labels: readonly string[]) => boolean {
  const name = typeof target === 'string' ? parseResourceAddress(target)?.name : target.name;
  return (type, labels) => holdsRules(type, labels, name);
}

/** The group's rules as declared in this file (the same reading the edit uses). */
export function readSecurityGroupRules(
  doc: HclDocument,
  request: Pick<SecurityGroupEditRequest, 'target' | 'groupId'>,
): { rules: PermissionRule[]; opaque: number; style: RuleStyle | null } | EditUnsafe {
  if (doc.syntaxError) return syntaxUnsafe(doc.syntaxError);
  const target = resolveTarget(doc, request.target);
  if ('unsafe' in target) return target;
  const code = readGroupCode(doc, { groupName: target.name, groupId: request.groupId });
  if ('unsafe' in code) return code;
  return {
    rules: code.sources.flatMap((s) => sourceRules(s.source)).map(canonicalizeRule),
    opaque: code.sources.reduce((n, s) => n + s.source.opaquePeers.length, 0),
    style: code.styles.has('inline') ? 'inline' : ([...code.styles][0] ?? null),
  };
}

/** The edit, without the parser check (synchronous; the parser must be initialised). */
export function planSecurityGroupEdit(doc: HclDocument, request: SecurityGroupEditRequest): EditDraft | EditUnsafe {
  if (doc.syntaxError) return syntaxUnsafe(doc.syntaxError);
  const target = resolveTarget(doc, request.target);
  if ('unsafe' in target) return target;
  const ctx: RuleContext = { groupName: target.name };
  if (request.groupId !== undefined) ctx.groupId = request.groupId;
  const address = `${SECURITY_GROUP_TYPE}.${target.name}`;

  const code = readGroupCode(doc, ctx);
  if ('unsafe' in code) return code;
  const style = chooseStyle(code, request, address);
  if (typeof style !== 'string') return style;
  const hasWork = request.remove.length > 0 || request.add.length > 0;
  if (hasWork && !code.group && code.sources.length === 0 && (request.remove.length > 0 || style === 'inline')) {
    return unsafe('not-found', `neither ${address} nor rule resources for it are declared in this file`);
  }
  if (style !== 'inline' && code.unresolved.length > 0) {
    return unsafe(
      'unresolved-group',
      `cannot tell whether ${code.unresolved.join(', ')} belong${code.unresolved.length === 1 ? 's' : ''} to ${address}`,
    );
  }

  const planner = new EditPlanner(doc, request, ctx, code, style, address);
  return planner.plan();
}

function syntaxUnsafe({ line, column }: HclSyntaxError): EditUnsafe {
  return unsafe('syntax', `the file has a syntax error at line ${line}, column ${column}`);
}

function resolveTarget(doc: HclDocument, target: ResourceRef | string): ResourceRef | EditUnsafe {
  if (typeof target !== 'string') {
    if (target.type !== SECURITY_GROUP_TYPE) return unsafe('unsupported', `${target.type}.${target.name} is not an ${SECURITY_GROUP_TYPE}`);
    return target;
  }
  const parsed = parseResourceAddress(target);
  if (!parsed) return unsafe('unsupported', `"${target}" is not a resource address`);
  if (parsed.mode === 'data' || parsed.type !== SECURITY_GROUP_TYPE) {
    return unsafe('unsupported', `${target} is not a managed ${SECURITY_GROUP_TYPE}`);
  }
  const [first, ...rest] = parsed.modules;
  if (first) {
    const inner = formatResourceAddress({ ...parsed, modules: rest, index: undefined });
    const call = doc.module(first.name);
    if (!call) return unsafe('not-found', `module "${first.name}" is not called in this file`);
    const where = `${target} is declared in module "${first.name}"`;
    switch (call.sourceKind) {
      case 'registry':
        return unsafe(
          'module',
          `${where} from the Terraform registry (${call.source}${call.version ? ` ${call.version}` : ''}); its code is not in this repository`,
        );
      case 'git':
      case 'remote':
        return unsafe('module', `${where} from ${call.source}; its code is not in this repository`);
      case 'local':
        return unsafe('module', `${where} (${call.source}); edit ${inner} in that directory`);
      case 'unknown':
        return unsafe('module', `${where}, whose source cannot be read`);
    }
  }
  return { type: parsed.type, name: parsed.name };
}

function chooseStyle(code: GroupCode, request: SecurityGroupEditRequest, address: string): RuleStyle | EditUnsafe {
  const styles = code.styles;
  if (styles.has('inline') && styles.size > 1) {
    return unsafe('mixed-styles', `${address} has inline rules and rule resources; Terraform would make them fight over the rules`);
  }
  let detected: RuleStyle | undefined;
  if (styles.has('inline')) detected = 'inline';
  else if (styles.size === 1) detected = [...styles][0];
  else if (styles.size > 1) detected = 'vpc-rule';
  if (request.style && detected && !styles.has(request.style)) {
    return unsafe('style-conflict', `${address} uses ${[...styles].join(' and ')} rules here, not ${request.style}`);
  }
  const style = request.style ?? detected;
  if (style) return style;
  if (request.add.length > 0) {
    return unsafe('style-unknown', `this file declares no rules for ${address}: say which style to write new rules in`);
  }
  return code.group ? 'inline' : 'vpc-rule';
}

interface PeerRef {
  code: CodeRuleSource;
  peer: number;
}

class EditPlanner {
  private readonly edits: TextEdit[] = [];
  private readonly changes: string[] = [];
  /** Blocks deleted whole (not usable as anchors for additions). */
  private readonly removedBlocks = new Set<HclBlock>();
  private readonly eol: string;

  constructor(
    private readonly doc: HclDocument,
    private readonly request: SecurityGroupEditRequest,
    private readonly ctx: RuleContext,
    private readonly code: GroupCode,
    private readonly style: RuleStyle,
    private readonly address: string,
  ) {
    this.eol = doc.eol;
  }

  plan(): EditDraft | EditUnsafe {
    const index = new Map<string, PeerRef[]>();
    const opaque = new Map<string, string[]>();
    const expected: ExpectedRules = { before: new Map(), opaque: new Map(), removed: new Set(), added: new Map() };
    for (const code of this.code.sources) {
      const rules = sourceRules(code.source);
      rules.forEach((rule, peer) => {
        const canonical = canonicalizeRule(rule);
        const key = canonicalRuleKey(canonical);
        const refs = index.get(key) ?? [];
        refs.push({ code, peer });
        index.set(key, refs);
        expected.before.set(key, canonical);
      });
      for (const o of code.source.opaquePeers) {
        const key = `${code.source.traffic}|${o.kind}`;
        opaque.set(key, [...(opaque.get(key) ?? []), `${o.attribute} = ${o.text} in ${code.label}`]);
        expected.opaque.set(key, (expected.opaque.get(key) ?? 0) + 1);
      }
    }

    // What to remove.
    const removals = new Map<CodeRuleSource, Set<number>>();
    const removedKeys = new Set<string>();
    for (const rule of this.request.remove) {
      const key = ruleKey(rule);
      const refs = index.get(key);
      if (!refs) {
        const hidden = opaque.get(opaqueKey(rule));
        if (hidden) {
          return unsafe('ambiguous', `${describe(rule)} may be declared through ${hidden[0]}; ${this.address} cannot be edited safely`);
        }
        return unsafe('rule-not-found', `${describe(rule)} is not declared for ${this.address} in this file`);
      }
      removedKeys.add(key);
      expected.removed.add(key);
      for (const ref of refs) {
        const set = removals.get(ref.code) ?? new Set<number>();
        set.add(ref.peer);
        removals.set(ref.code, set);
      }
    }

    // What to add (once per rule).
    const additions: PermissionRule[] = [];
    for (const rule of this.request.add) {
      const canonical = canonicalizeRule(rule);
      const key = canonicalRuleKey(canonical);
      if (additions.some((r) => canonicalRuleKey(r) === key)) continue;
      if (index.has(key) && !removedKeys.has(key)) {
        return unsafe('already-declared', `${describe(rule)} is already declared for ${this.address}`);
      }
      const hidden = opaque.get(opaqueKey(canonical));
      if (hidden) {
        return unsafe(
          'ambiguous',
          `${describe(rule)} may already be declared through ${hidden[0]}; ${this.address} cannot be edited safely`,
        );
      }
      additions.push(canonical);
      expected.added.set(key, canonical);
    }

    for (const [code, peers] of removals) this.planRemoval(code, peers);
    if (additions.length > 0) {
      const added = this.style === 'inline' ? this.planInlineAdditions(additions) : this.planResourceAdditions(additions);
      if (added) return added;
    }

    let applied: ReturnType<typeof applyEdits>;
    try {
      applied = applyEdits(this.doc.text, this.edits);
    } catch (error: unknown) {
      if (error instanceof OverlappingEditsError) return unsafe('overlap', `the planned edits overlap (${error.message})`);
      throw error;
    }
    return {
      unsafe: false,
      text: applied.text,
      spans: applied.spans,
      style: this.style,
      changes: this.changes,
      original: this.doc.text,
      expected,
      context: this.ctx,
      filename: this.request.filename ?? 'main.tf',
    };
  }

  // -------------------------------------------------------------------------------------------
  // Removals
  // -------------------------------------------------------------------------------------------

  private planRemoval(code: CodeRuleSource, removed: Set<number>): void {
    const { source, block } = code;
    const rules = sourceRules(source);
    if (removed.size === source.peers.length && source.opaquePeers.length === 0) {
      this.edits.push(removeConstruct(this.doc, block.span));
      this.removedBlocks.add(block);
      const what = code.style === 'inline' ? `the ${code.label}` : code.label;
      this.changes.push(`removed ${what} (${rules.map((r) => describePermissionRule(r)).join(', ')})`);
      return;
    }
    const byAttribute = new Map<string, number[]>();
    for (const peer of removed) {
      const { attribute: name } = source.peers[peer];
      byAttribute.set(name, [...(byAttribute.get(name) ?? []), peer]);
    }
    const where = code.style === 'inline' ? `the ${code.label}` : code.label;
    const removedAttributes = new Set<HclAttribute>();
    for (const [name, peers] of byAttribute) {
      const attr = attribute(block, name);
      if (!attr) continue;
      const described = peers.map((p) => describePermissionRule(rules[p])).join(', ');
      const value = attr.value;
      const indices = new Set(peers.map((p) => source.peers[p].index).filter((i): i is number => i !== null));
      if (value.kind !== 'tuple' || indices.size >= value.items.length) {
        this.edits.push(removeConstruct(this.doc, attr.span));
        removedAttributes.add(attr);
        this.changes.push(`removed ${described} (${name} of ${where})`);
      } else {
        this.edits.push(...removeTupleItems(this.doc, value, indices));
        this.changes.push(`removed ${described} (${name} of ${where})`);
      }
    }
    if (removedAttributes.size > 0) this.edits.push(...realignAttributes(this.doc, block, removedAttributes));
  }

  // -------------------------------------------------------------------------------------------
  // Inline blocks
  // -------------------------------------------------------------------------------------------

  private planInlineAdditions(additions: PermissionRule[]): EditUnsafe | undefined {
    const group = this.code.group;
    if (!group) return unsafe('not-found', `${this.address} is not declared in this file`);
    const blocksByDirection = new Map<RuleDirection, Map<string, PermissionRule[]>>();
    for (const rule of additions) {
      const byTraffic = blocksByDirection.get(rule.direction) ?? new Map<string, PermissionRule[]>();
      const key = `${canonicalTrafficKey(rule)}|${rule.description ?? ''}`;
      byTraffic.set(key, [...(byTraffic.get(key) ?? []), rule]);
      blocksByDirection.set(rule.direction, byTraffic);
    }
    const kept = group.blocks.filter((b) => (b.type === 'ingress' || b.type === 'egress') && !this.removedBlocks.has(b));
    const unit = this.inlineIndentUnit(kept);
    const outerIndent = this.doc.lines.indentOf(this.doc.lines.lineOf(group.span.start));
    const emptyBody: string[] = [];
    for (const direction of ['ingress', 'egress'] as const) {
      const blocks = blocksByDirection.get(direction);
      if (!blocks) continue;
      const sameDirection = kept.filter((b) => b.type === direction);
      const firstEgress = kept.find((b) => b.type === 'egress');
      const texts = (indent: string): string[] =>
        [...blocks.values()].map((rules) => formatBlock(direction, [this.inlineAttributes(rules)], indent, unit, this.eol));
      const described = [...blocks.values()].map((rules) => rules.map((r) => describePermissionRule(r)).join(', '));
      for (const d of described) this.changes.push(`added an ${direction} block (${d})`);

      const last = sameDirection[sameDirection.length - 1];
      if (last) {
        const indent = this.doc.lines.indentOf(this.doc.lines.lineOf(last.span.start));
        const blank = this.blankLineAbove(last);
        this.insertAfter(last.span.end, texts(indent), blank);
      } else if (direction === 'ingress' && firstEgress) {
        const indent = this.doc.lines.indentOf(this.doc.lines.lineOf(firstEgress.span.start));
        this.insertBefore(firstEgress, texts(indent));
      } else {
        const items = [
          ...group.attributes.map((a) => a.span),
          ...group.blocks.filter((b) => !this.removedBlocks.has(b)).map((b) => b.span),
        ].sort((a, b) => a.start - b.start);
        const lastItem = items[items.length - 1];
        if (lastItem) {
          const indent = this.doc.lines.indentOf(this.doc.lines.lineOf(lastItem.start));
          this.insertAfter(lastItem.end, texts(indent), true);
        } else {
          emptyBody.push(...texts(outerIndent + unit));
        }
      }
    }
    if (emptyBody.length > 0) {
      // Nothing left in the body: right after the `{` line, or the whole body for `{}`.
      const lines = this.doc.lines;
      const body = emptyBody.join(this.eol + this.eol);
      const braceLine = lines.lineOf(group.openBrace);
      const restOfLine = this.doc.text.slice(group.openBrace + 1, lines.contentEnd(braceLine));
      if (braceLine !== lines.lineOf(group.closeBrace) && /^[ \t]*((#|\/\/).*)?$/.test(restOfLine)) {
        this.edits.push({ start: lines.contentEnd(braceLine), end: lines.contentEnd(braceLine), text: this.eol + body });
      } else {
        this.edits.push({ start: group.openBrace + 1, end: group.closeBrace, text: `${this.eol}${body}${this.eol}${outerIndent}` });
      }
    }
    return undefined;
  }

  /** The attributes of one new block (rules of one traffic and description), as the provider's state writes them. */
  private inlineAttributes(rules: PermissionRule[]): Array<[string, FormatValue]> {
    const { ingress, egress } = toTerraformInlineBlocks(rules, this.selfId());
    const blocks = [...ingress, ...egress];
    if (blocks.length !== 1) throw new Error(`expected the rules of one inline block, got ${blocks.length} blocks`);
    const [block] = blocks;
    const attrs: Array<[string, FormatValue]> = [];
    if (block.description) attrs.push(['description', block.description]);
    attrs.push(['from_port', block.from_port], ['to_port', block.to_port], ['protocol', block.protocol]);
    if (block.cidr_blocks.length) attrs.push(['cidr_blocks', block.cidr_blocks]);
    if (block.ipv6_cidr_blocks.length) attrs.push(['ipv6_cidr_blocks', block.ipv6_cidr_blocks]);
    if (block.prefix_list_ids.length) attrs.push(['prefix_list_ids', block.prefix_list_ids]);
    if (block.security_groups.length) attrs.push(['security_groups', block.security_groups]);
    if (block.self) attrs.push(['self', true]);
    return attrs;
  }

  /** The indentation of attributes relative to their block, from an existing block, else the file's. */
  private inlineIndentUnit(blocks: HclBlock[]): string {
    const lines = this.doc.lines;
    for (const block of blocks) {
      const attr = block.attributes[0];
      if (!attr || !lines.startsLine(attr.span.start)) continue;
      const outer = lines.indentOf(lines.lineOf(block.span.start));
      const inner = lines.indentOf(lines.lineOf(attr.span.start));
      if (inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
    }
    return this.doc.indentUnit();
  }

  /** Whether the block is separated from what precedes it by a blank line. */
  private blankLineAbove(block: HclBlock): boolean {
    const lines = this.doc.lines;
    const line = lines.lineOf(this.doc.leadingCommentStart(block.span.start));
    return line > 0 && lines.isBlank(line - 1);
  }

  private isSelf(groupId: string): boolean {
    return this.ctx.groupId !== undefined && groupId === this.ctx.groupId;
  }

  /** The group's id for the model's writers, which write a reference to it as `self` ('' matches no group). */
  private selfId(): string {
    return this.ctx.groupId ?? '';
  }

  // -------------------------------------------------------------------------------------------
  // Rule resources
  // -------------------------------------------------------------------------------------------

  private planResourceAdditions(additions: PermissionRule[]): EditUnsafe | undefined {
    const inModule = this.request.groupInModule ?? (this.code.group !== undefined || this.code.referencedByName);
    let groupRef: FormatValue;
    if (inModule) groupRef = raw(`${this.address}.id`);
    else if (this.ctx.groupId) groupRef = this.ctx.groupId;
    else return unsafe('missing-group-id', `${this.address} is not declared in this module and its id is unknown`);

    const taken = new Set([...this.doc.resources().map((b) => b.labels[1]), ...(this.request.reservedNames ?? [])]);
    const unit = this.doc.indentUnit();
    const byAnchor = new Map<number, string[]>();
    for (const rule of additions) {
      const type = this.style === 'vpc-rule' ? VPC_RULE_TYPES[rule.direction] : LEGACY_RULE_TYPE;
      const name = uniqueName(ruleResourceName(this.ctx.groupName ?? this.ctx.groupId ?? 'rule', rule, this.ctx.groupId), taken);
      taken.add(name);
      const attrs = this.style === 'vpc-rule' ? this.vpcAttributes(rule, groupRef, inModule) : this.legacyAttributes(rule, groupRef);
      const text = formatBlock(`resource "${type}" "${name}"`, [attrs], '', unit, this.eol);
      const anchor = this.resourceAnchor(type);
      byAnchor.set(anchor, [...(byAnchor.get(anchor) ?? []), text]);
      this.changes.push(`added ${type}.${name} (${describePermissionRule(rule)})`);
    }
    for (const [anchor, texts] of byAnchor) {
      if (anchor >= 0) {
        this.insertAfter(anchor, texts, true);
        continue;
      }
      const text = this.doc.text;
      const body = texts.join(this.eol + this.eol);
      if (text.length === 0) this.edits.push({ start: 0, end: 0, text: body + this.eol });
      else if (text.endsWith('\n')) this.edits.push({ start: text.length, end: text.length, text: this.eol + body + this.eol });
      else this.edits.push({ start: text.length, end: text.length, text: this.eol + this.eol + body });
    }
    return undefined;
  }

  /** Where new resources of a type go: after the last kept rule resource of that type, of the group, or the group itself; -1 for the end of the file. */
  private resourceAnchor(type: string): number {
    const kept = this.code.sources.filter((s) => s.style !== 'inline' && !this.removedBlocks.has(s.block)).map((s) => s.block);
    const sameType = kept.filter((b) => b.labels[0] === type);
    const anchor = sameType[sameType.length - 1] ?? kept[kept.length - 1] ?? this.code.group;
    return anchor ? anchor.span.end : -1;
  }

  private vpcAttributes(rule: PermissionRule, groupRef: FormatValue, inModule: boolean): Array<[string, FormatValue]> {
    const a = toTerraformVpcRule(rule, this.selfId()).attributes;
    const attrs: Array<[string, FormatValue]> = [['security_group_id', groupRef]];
    if (a.description) attrs.push(['description', a.description]);
    attrs.push(['ip_protocol', a.ip_protocol]);
    if (a.from_port !== null && a.to_port !== null) attrs.push(['from_port', a.from_port], ['to_port', a.to_port]);
    if (a.cidr_ipv4 !== null) attrs.push(['cidr_ipv4', a.cidr_ipv4]);
    if (a.cidr_ipv6 !== null) attrs.push(['cidr_ipv6', a.cidr_ipv6]);
    if (a.prefix_list_id !== null) attrs.push(['prefix_list_id', a.prefix_list_id]);
    const group = a.referenced_security_group_id;
    if (group !== null) attrs.push(['referenced_security_group_id', this.isSelf(group) && inModule ? raw(`${this.address}.id`) : group]);
    return attrs;
  }

  private legacyAttributes(rule: PermissionRule, groupRef: FormatValue): Array<[string, FormatValue]> {
    const a = toTerraformLegacyRule(rule, this.selfId());
    const attrs: Array<[string, FormatValue]> = [['type', a.type]];
    if (a.description) attrs.push(['description', a.description]);
    attrs.push(['from_port', a.from_port], ['to_port', a.to_port], ['protocol', a.protocol]);
    if (a.cidr_blocks.length) attrs.push(['cidr_blocks', a.cidr_blocks]);
    if (a.ipv6_cidr_blocks.length) attrs.push(['ipv6_cidr_blocks', a.ipv6_cidr_blocks]);
    if (a.prefix_list_ids.length) attrs.push(['prefix_list_ids', a.prefix_list_ids]);
    if (a.self) attrs.push(['self', true]);
    if (a.source_security_group_id !== null) attrs.push(['source_security_group_id', a.source_security_group_id]);
    attrs.push(['security_group_id', groupRef]);
    return attrs;
  }

  // -------------------------------------------------------------------------------------------
  // Insertions
  // -------------------------------------------------------------------------------------------

  /** Inserts blocks on new lines after the line where `end` is (after any trailing comment). */
  private insertAfter(end: number, texts: string[], blankLine: boolean): void {
    const lines = this.doc.lines;
    const at = lines.contentEnd(lines.lineOf(end));
    const separator = blankLine ? this.eol + this.eol : this.eol;
    this.edits.push({ start: at, end: at, text: texts.map((t) => separator + t).join('') });
  }

  /** Inserts blocks on new lines before a block (and the comment lines directly above it). */
  private insertBefore(block: HclBlock, texts: string[]): void {
    const at = this.doc.leadingCommentStart(block.span.start);
    const separator = this.eol + this.eol;
    this.edits.push({ start: at, end: at, text: texts.map((t) => t + separator).join('') });
  }
}

/** Where a rule could hide among the non-literal peers: its traffic and its peer's kind (see `RuleSource.traffic`). */
function opaqueKey(rule: PermissionRule): string {
  const canonical = canonicalizeRule(rule);
  return `${canonicalTrafficKey(canonical)}|${canonical.peer.kind}`;
}

function describe(rule: PermissionRule): string {
  return `${rule.direction} ${describePermissionRule(canonicalizeRule(rule))}`;
}

/**
 * A readable resource name for a rule: `workers_tcp_8080_from_10_0_0_0_8`, `workers_all_to_ipv6_0`,
 * `workers_tcp_9000_9100_from_sg_0abc…`, `workers_icmp_8_from_pl_0123…` (icmp: type, then code unless any).
 */
export function ruleResourceName(base: string, rule: PermissionRule, selfGroupId?: string): string {
  const { protocol, fromPort, toPort, peer } = canonicalizeRule(rule);
  const ports = { fromPort, toPort };
  const parts = [base, protocol === '-1' ? 'all' : /^\d+$/.test(protocol) ? `proto_${protocol}` : protocol];
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    // type and code; -1 is "any"
    if (ports.fromPort !== null && ports.fromPort !== -1) parts.push(String(ports.fromPort));
    if (ports.fromPort !== -1 && ports.toPort !== null && ports.toPort !== -1) parts.push(String(ports.toPort));
  } else if (ports.fromPort !== null && ports.toPort !== null) {
    parts.push(ports.fromPort === ports.toPort ? String(ports.fromPort) : `${ports.fromPort}_${ports.toPort}`);
  }
  parts.push(rule.direction === 'ingress' ? 'from' : 'to');
  switch (peer.kind) {
    case 'ipv4':
      parts.push(peer.cidr);
      break;
    case 'ipv6':
      parts.push(`ipv6_${peer.cidr}`);
      break;
    case 'prefixList':
      parts.push(peer.prefixListId);
      break;
    case 'securityGroup':
      parts.push(selfGroupId !== undefined && peer.groupId === selfGroupId ? 'self' : peer.groupId);
      break;
  }
  const name = parts
    .join('_')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(name) ? name : `rule_${name}`;
}

function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let i = 2; ; i += 1) {
    if (!taken.has(`${name}_${i}`)) return `${name}_${i}`;
  }
}
