/**
 * A Terraform file read with tree-sitter: its blocks (resources, modules, …) with their spans,
 * attributes and nested blocks, literal values evaluated, comments located, and what would make an
 * in-place edit unsafe (`count` / `for_each`, `dynamic` blocks, values that are not literals).
 *
 * The syntax tree is converted to plain data while parsing and freed at once, so a document holds
 * no wasm memory. Spans are JS string indices (UTF-16 code units), as web-tree-sitter reports them.
 */
import type { Range, TreeCursor } from 'web-tree-sitter';
import { hclParser, initHclParser } from '../parser/tree-sitter';
import {
  decodeStringLiteral,
  firstNonLiteral,
  type ExpressionForm,
  type HclExpression,
  type HclObjectEntry,
  type HclValue,
  type TextSpan,
} from './hcl-values';
import { TextLines } from './text-lines';
import { scanTopLevel, type ScannedBlock } from './top-level-scan';

export interface HclAttribute {
  name: string;
  /** From the name to the end of the value. */
  span: TextSpan;
  value: HclValue;
}

export interface HclBlock {
  /** `resource`, `module`, `ingress`, `dynamic`, … */
  type: string;
  labels: string[];
  /** From the block type to its closing brace, inclusive. */
  span: TextSpan;
  /** Index of the opening `{`. */
  openBrace: number;
  /** Index of the closing `}`. */
  closeBrace: number;
  /** Attributes in source order (empty when the block was not read in depth). */
  attributes: HclAttribute[];
  /** Nested blocks in source order (empty when the block was not read in depth). */
  blocks: HclBlock[];
  /** False for top-level blocks that `HclParseOptions.deep` skipped. */
  deep: boolean;
}

export type ModuleSourceKind = 'local' | 'registry' | 'git' | 'remote' | 'unknown';

export interface ModuleCall {
  name: string;
  /** The `source` argument, or null when it is missing or not a literal. */
  source: string | null;
  sourceKind: ModuleSourceKind;
  version: string | null;
  block: HclBlock;
}

/** Something that makes an in-place edit of a block unsafe. */
export type HclHazard =
  | { kind: 'count' | 'for_each'; span: TextSpan }
  | { kind: 'dynamic'; name: string; span: TextSpan }
  | { kind: 'non-literal'; path: string; expression: HclExpression };

export interface HclSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
  index: number;
}

export interface HclParseOptions {
  /**
   * Which top-level blocks to read in depth (attributes, values, nested blocks). The others keep
   * their type, labels and spans only, which makes large files cheaper. Default: all.
   */
  deep?: (type: string, labels: readonly string[]) => boolean;
}

/** Terraform meta-arguments that are expected to be references and are not part of a resource's value. */
const META_ATTRIBUTES = new Set(['provider', 'depends_on']);
const META_BLOCKS = new Set(['lifecycle', 'provisioner', 'connection']);

export class HclDocument {
  readonly lines: TextLines;
  /** Spans of every comment in the parts of the file that were read (sorted). */
  readonly comments: TextSpan[];

  private constructor(
    readonly text: string,
    /** Top-level blocks in source order. */
    readonly blocks: HclBlock[],
    comments: TextSpan[],
    /** The first syntax error tree-sitter found, or null. */
    readonly syntaxError: HclSyntaxError | null,
    /** `partial` when only the blocks asked for were parsed (see `parse`). */
    readonly parsed: 'whole' | 'partial' = 'whole',
  ) {
    this.lines = new TextLines(text);
    this.comments = comments.sort((a, b) => a.start - b.start);
  }

  /**
   * Parses a file; `initHclParser()` must have completed (see `HclDocument.load`).
   *
   * With `options.deep`, a quick scan of the top level finds the blocks to read and tree-sitter
   * parses only those (and the comments before them); the other blocks keep their type, labels
   * and spans. When the scan is unsure, or the partial parse finds an error, the whole file is
   * parsed instead.
   */
  static parse(text: string, options: HclParseOptions = {}): HclDocument {
    const deep = options.deep;
    if (deep) {
      const scanned = scanTopLevel(text);
      if (scanned) {
        const partial = HclDocument.parsePartially(text, scanned, deep);
        if (partial) return partial;
      }
    }
    return HclDocument.parseRanges(text, deep ?? (() => true), undefined);
  }

  private static parsePartially(
    text: string,
    scanned: ScannedBlock[],
    deep: (type: string, labels: readonly string[]) => boolean,
  ): HclDocument | undefined {
    const lines = new TextLines(text);
    const ranges: TextSpan[] = [];
    let gapStart = 0;
    for (const block of scanned) {
      if (deep(block.type, block.labels)) {
        const last = ranges[ranges.length - 1];
        if (last && last.end === gapStart) last.end = block.closeBrace + 1;
        else ranges.push({ start: gapStart, end: block.closeBrace + 1 });
      }
      gapStart = block.closeBrace + 1;
    }
    const parsed = new Map<number, HclBlock>();
    let comments: TextSpan[] = [];
    if (ranges.length > 0) {
      const doc = HclDocument.parseRanges(
        text,
        () => true,
        ranges.map((r) => toRange(lines, r)),
      );
      if (doc.syntaxError) return undefined;
      for (const block of doc.blocks) parsed.set(block.span.start, block);
      comments = doc.comments;
    }
    const blocks: HclBlock[] = [];
    for (const block of scanned) {
      const selected = deep(block.type, block.labels);
      const read = parsed.get(block.start);
      if (selected && (!read || read.closeBrace !== block.closeBrace)) return undefined;
      blocks.push(
        read ?? {
          type: block.type,
          labels: block.labels,
          span: { start: block.start, end: block.closeBrace + 1 },
          openBrace: block.openBrace,
          closeBrace: block.closeBrace,
          attributes: [],
          blocks: [],
          deep: false,
        },
      );
    }
    return new HclDocument(text, blocks, comments, null, 'partial');
  }

  private static parseRanges(
    text: string,
    deep: (type: string, labels: readonly string[]) => boolean,
    includedRanges: Range[] | undefined,
  ): HclDocument {
    const tree = hclParser().parse(text, null, includedRanges ? { includedRanges } : undefined);
    if (!tree) throw new Error('tree-sitter returned no tree');
    try {
      const cursor = tree.walk();
      try {
        const builder = new DocumentBuilder(text, cursor, deep);
        const blocks = builder.readConfigFile();
        let syntaxError: HclSyntaxError | null = null;
        if (tree.rootNode.hasError) syntaxError = firstSyntaxError(tree.rootNode.walk(), text);
        return new HclDocument(text, blocks, builder.comments, syntaxError);
      } finally {
        cursor.delete();
      }
    } finally {
      tree.delete();
    }
  }

  /** Initialises the parser when needed, then parses. */
  static async load(text: string, options: HclParseOptions = {}): Promise<HclDocument> {
    await initHclParser();
    return HclDocument.parse(text, options);
  }

  /** `\r\n` when the file uses Windows line endings, else `\n`. */
  get eol(): '\n' | '\r\n' {
    return this.lines.eol;
  }

  /** `resource "<type>" "<name>"` blocks, optionally of one type. */
  resources(type?: string): HclBlock[] {
    return this.blocks.filter(
      (block) => block.type === 'resource' && block.labels.length === 2 && (type === undefined || block.labels[0] === type),
    );
  }

  resource(type: string, name: string): HclBlock | undefined {
    return this.resources(type).find((block) => block.labels[1] === name);
  }

  /** `module "<name>"` blocks with their `source`. */
  modules(): ModuleCall[] {
    return this.blocks
      .filter((block) => block.type === 'module' && block.labels.length === 1)
      .map((block) => {
        const source = literalString(attribute(block, 'source')?.value);
        return {
          name: block.labels[0],
          source,
          sourceKind: source === null ? 'unknown' : classifyModuleSource(source),
          version: literalString(attribute(block, 'version')?.value),
          block,
        };
      });
  }

  module(name: string): ModuleCall | undefined {
    return this.modules().find((call) => call.name === name);
  }

  /** 1-based line number of a position. */
  lineNumber(pos: number): number {
    return this.lines.lineOf(pos) + 1;
  }

  /** True when the position lies inside a comment. */
  isInComment(pos: number): boolean {
    const i = this.commentIndexAtOrBefore(pos);
    return i >= 0 && this.comments[i].end > pos;
  }

  /**
   * Where the run of whole-line comments directly above the line of `pos` starts (the start of
   * the topmost comment line, no blank line in between); the start of `pos`'s line when there is
   * none. A comment that ends a line of code (`x = 1 # note`) is not "above".
   */
  leadingCommentStart(pos: number): number {
    const lines = this.lines;
    let line = lines.lineOf(pos);
    let start = lines.lineStart(line);
    while (line > 0) {
      const above = line - 1;
      const aboveText = lines.lineText(above);
      const trimmed = aboveText.trim();
      if (trimmed === '') break;
      const contentEnd = lines.lineStart(above) + aboveText.trimEnd().length;
      const i = this.commentIndexAtOrBefore(contentEnd - 1);
      if (i < 0) break;
      const comment = this.comments[i];
      if (comment.end < contentEnd || comment.start >= contentEnd) break;
      if (!lines.startsLine(comment.start)) break;
      line = lines.lineOf(comment.start);
      start = lines.lineStart(line);
    }
    return start;
  }

  /** Count / for_each on the block, dynamic blocks in it, and values that are not literals. */
  hazards(block: HclBlock): HclHazard[] {
    const hazards: HclHazard[] = [];
    for (const attr of block.attributes) {
      if (attr.name === 'count' || attr.name === 'for_each') hazards.push({ kind: attr.name, span: attr.span });
    }
    collectValueHazards(block, '', hazards);
    return hazards;
  }

  /** A short human description of a hazard, e.g. `uses dynamic "ingress" blocks`. */
  describeHazard(hazard: HclHazard): string {
    switch (hazard.kind) {
      case 'count':
      case 'for_each':
        return `uses ${hazard.kind} (line ${this.lineNumber(hazard.span.start)})`;
      case 'dynamic':
        return `uses dynamic "${hazard.name}" blocks (line ${this.lineNumber(hazard.span.start)})`;
      case 'non-literal':
        return `sets ${hazard.path} from a ${hazard.expression.form} (${shorten(hazard.expression.text)}, line ${this.lineNumber(hazard.expression.span.start)})`;
    }
  }

  /** The indentation one level of nesting adds in this file (`"  "` unless the file shows otherwise). */
  indentUnit(): string {
    for (const block of this.blocks) {
      const inner = block.attributes[0]?.span.start ?? block.blocks[0]?.span.start;
      if (inner === undefined) continue;
      const line = this.lines.lineOf(inner);
      if (line === this.lines.lineOf(block.span.start)) continue;
      const outer = this.lines.indentOf(this.lines.lineOf(block.span.start));
      const indent = this.lines.indentOf(line);
      if (indent.startsWith(outer) && indent.length > outer.length) return indent.slice(outer.length);
    }
    return '  ';
  }

  private commentIndexAtOrBefore(pos: number): number {
    let lo = 0;
    let hi = this.comments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid].start <= pos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

/** An attribute of a block by name. */
export function attribute(block: HclBlock, name: string): HclAttribute | undefined {
  return block.attributes.find((attr) => attr.name === name);
}

/** `local` (`./`, `../`), `registry` (`ns/name/provider`), `git`, `remote` (http, s3, gcs, …). */
export function classifyModuleSource(source: string): ModuleSourceKind {
  if (source.startsWith('./') || source.startsWith('../')) return 'local';
  if (/^(git::|git@|github\.com[/:]|bitbucket\.org\/)/.test(source)) return 'git';
  if (/^(https?:\/\/|s3::|gcs::|hg::|[a-z0-9]+::)/.test(source)) return 'remote';
  if (/^([a-z0-9.-]+\.[a-z]{2,}(:\d+)?\/)?[A-Za-z0-9][\w-]*\/[A-Za-z0-9][\w-]*\/[a-z0-9]+(\/\/\S*)?$/.test(source)) {
    return 'registry';
  }
  return 'unknown';
}

function literalString(value: HclValue | undefined): string | null {
  return value?.kind === 'string' ? value.value : null;
}

function collectValueHazards(block: HclBlock, prefix: string, hazards: HclHazard[]): void {
  for (const attr of block.attributes) {
    if (attr.name === 'count' || attr.name === 'for_each' || META_ATTRIBUTES.has(attr.name)) continue;
    const expression = firstNonLiteral(attr.value);
    if (expression) hazards.push({ kind: 'non-literal', path: `${prefix}${attr.name}`, expression });
  }
  const seen = new Map<string, number>();
  for (const nested of block.blocks) {
    if (META_BLOCKS.has(nested.type)) continue;
    if (nested.type === 'dynamic') {
      hazards.push({ kind: 'dynamic', name: nested.labels[0] ?? '', span: nested.span });
      continue;
    }
    const index = seen.get(nested.type) ?? 0;
    seen.set(nested.type, index + 1);
    collectValueHazards(nested, `${prefix}${nested.type}[${index}].`, hazards);
  }
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

function firstSyntaxError(cursor: TreeCursor, text: string): HclSyntaxError {
  try {
    // Depth-first: the first ERROR or MISSING node in source order.
    for (;;) {
      const type = cursor.nodeType;
      if (type === 'ERROR' || cursor.nodeIsMissing) break;
      if (cursor.currentNode.hasError && cursor.gotoFirstChild()) continue;
      let moved = cursor.gotoNextSibling();
      while (!moved) {
        if (!cursor.gotoParent()) return position(text, 0);
        moved = cursor.gotoNextSibling();
      }
    }
    return position(text, cursor.startIndex);
  } finally {
    cursor.delete();
  }
}

/** A tree-sitter range; web-tree-sitter counts indices and columns in UTF-16 code units. */
function toRange(lines: TextLines, span: TextSpan): Range {
  const point = (index: number) => {
    const row = lines.lineOf(index);
    return { row, column: index - lines.lineStart(row) };
  };
  return { startIndex: span.start, endIndex: span.end, startPosition: point(span.start), endPosition: point(span.end) };
}

function position(text: string, index: number): HclSyntaxError {
  const lines = new TextLines(text);
  const line = lines.lineOf(index);
  return { line: line + 1, column: index - lines.lineStart(line) + 1, index };
}

/** Walks the tree with one cursor and builds plain data; comments are collected on the way. */
class DocumentBuilder {
  readonly comments: TextSpan[] = [];

  constructor(
    private readonly text: string,
    private readonly cursor: TreeCursor,
    private readonly deep: (type: string, labels: readonly string[]) => boolean,
  ) {}

  readConfigFile(): HclBlock[] {
    const blocks: HclBlock[] = [];
    this.eachChild((type) => {
      if (type === 'body') this.readBody(blocks, [], true);
    });
    return blocks;
  }

  /** Calls `visit` with the cursor on each child of the current node; records comments. */
  private eachChild(visit: (type: string) => void): void {
    const cursor = this.cursor;
    if (!cursor.gotoFirstChild()) return;
    do {
      const type = cursor.nodeType;
      if (type === 'comment') this.comments.push({ start: cursor.startIndex, end: cursor.endIndex });
      else visit(type);
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }

  private readBody(blocks: HclBlock[], attributes: HclAttribute[], topLevel: boolean): void {
    this.eachChild((type) => {
      if (type === 'block') blocks.push(this.readBlock(topLevel));
      else if (type === 'attribute') attributes.push(this.readAttribute());
    });
  }

  private readBlock(topLevel: boolean): HclBlock {
    const cursor = this.cursor;
    const block: HclBlock = {
      type: '',
      labels: [],
      span: { start: cursor.startIndex, end: cursor.endIndex },
      openBrace: -1,
      closeBrace: -1,
      attributes: [],
      blocks: [],
      deep: true,
    };
    let sawType = false;
    this.eachChild((type) => {
      switch (type) {
        case 'identifier':
          if (!sawType) {
            block.type = this.nodeText();
            sawType = true;
          } else {
            block.labels.push(this.nodeText());
          }
          break;
        case 'string_lit':
          block.labels.push(decodeStringLiteral(this.text.slice(cursor.startIndex + 1, cursor.endIndex - 1)));
          break;
        case 'block_start':
          block.openBrace = cursor.startIndex;
          break;
        case 'block_end':
          block.closeBrace = cursor.startIndex;
          break;
        case 'body':
          if (topLevel && !this.deep(block.type, block.labels)) {
            block.deep = false;
            break;
          }
          this.readBody(block.blocks, block.attributes, false);
          break;
        default:
          break;
      }
    });
    return block;
  }

  private readAttribute(): HclAttribute {
    const cursor = this.cursor;
    const span = { start: cursor.startIndex, end: cursor.endIndex };
    let name = '';
    let value: HclValue | undefined;
    this.eachChild((type) => {
      if (type === 'identifier') name = this.nodeText();
      else if (type === 'expression') value = this.readExpression();
    });
    return { name, span, value: value ?? this.opaque(span, 'expression') };
  }

  /** The cursor is on an `expression` node. */
  private readExpression(): HclValue {
    const cursor = this.cursor;
    const span = { start: cursor.startIndex, end: cursor.endIndex };
    let value: HclValue | undefined;
    let children = 0;
    let firstType = '';
    this.eachChild((type) => {
      children += 1;
      if (children > 1) return;
      firstType = type;
      if (type === 'literal_value') value = this.readLiteral(span);
      else if (type === 'collection_value') value = this.readCollection(span);
      else if (type === 'operation') value = this.readNegativeNumber(span);
      else if (type === 'template_expr') value = this.readTemplate(span);
    });
    if (children === 1 && value) return value;
    return this.opaque(span, children === 1 ? formOf(firstType) : firstType === 'variable_expr' ? 'reference' : 'expression');
  }

  private readLiteral(span: TextSpan): HclValue | undefined {
    let value: HclValue | undefined;
    this.eachChild((type) => {
      const text = this.nodeText();
      switch (type) {
        case 'numeric_lit': {
          const number = Number(text);
          value = Number.isFinite(number) ? { kind: 'number', value: number, span } : undefined;
          break;
        }
        case 'bool_lit':
          value = { kind: 'bool', value: text === 'true', span };
          break;
        case 'null_lit':
          value = { kind: 'null', span };
          break;
        case 'string_lit':
          value = { kind: 'string', value: decodeStringLiteral(text.slice(1, -1)), span };
          break;
        default:
          break;
      }
    });
    return value;
  }

  private readCollection(span: TextSpan): HclValue | undefined {
    let value: HclValue | undefined;
    this.eachChild((type) => {
      if (type === 'tuple') value = this.readTuple(span);
      else if (type === 'object') value = this.readObject(span);
    });
    return value;
  }

  private readTuple(span: TextSpan): HclValue {
    const items: HclValue[] = [];
    const commas: Array<TextSpan | null> = [];
    this.eachChild((type) => {
      if (type === 'expression') {
        items.push(this.readExpression());
        commas.push(null);
      } else if (type === ',' && items.length > 0) {
        commas[items.length - 1] = { start: this.cursor.startIndex, end: this.cursor.endIndex };
      }
    });
    return { kind: 'tuple', items, commas, span };
  }

  private readObject(span: TextSpan): HclValue {
    const entries: HclObjectEntry[] = [];
    let literalKeys = true;
    this.eachChild((type) => {
      if (type !== 'object_elem') return;
      const parts: Array<{ value: HclValue; span: TextSpan; bare: string | null }> = [];
      this.eachChild((inner) => {
        if (inner !== 'expression') return;
        const exprSpan = { start: this.cursor.startIndex, end: this.cursor.endIndex };
        const text = this.nodeText();
        parts.push({ value: this.readExpression(), span: exprSpan, bare: /^[A-Za-z_][\w-]*$/.test(text) ? text : null });
      });
      const [key, value] = parts;
      if (!key || !value) {
        literalKeys = false;
        return;
      }
      const keyText = key.value.kind === 'string' ? key.value.value : key.bare;
      if (keyText === null) literalKeys = false;
      else entries.push({ key: keyText, keySpan: key.span, value: value.value });
    });
    return literalKeys ? { kind: 'object', entries, span } : this.opaque(span, 'expression');
  }

  /** `-5` is an operation in the grammar; it is still a literal number. */
  private readNegativeNumber(span: TextSpan): HclValue | undefined {
    const text = this.text.slice(span.start, span.end).replace(/\s+/g, '');
    if (/^-\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return { kind: 'number', value: Number(text), span };
    return undefined;
  }

  private readTemplate(span: TextSpan): HclValue {
    let form: ExpressionForm = 'template';
    this.eachChild((type) => {
      if (type === 'heredoc_template') form = 'heredoc';
    });
    return this.opaque(span, form);
  }

  private opaque(span: TextSpan, form: ExpressionForm): HclExpression {
    return { kind: 'expression', form, text: this.text.slice(span.start, span.end), span };
  }

  private nodeText(): string {
    return this.text.slice(this.cursor.startIndex, this.cursor.endIndex);
  }
}

function formOf(type: string): ExpressionForm {
  switch (type) {
    case 'variable_expr':
      return 'reference';
    case 'function_call':
      return 'function call';
    case 'conditional':
      return 'conditional';
    case 'operation':
      return 'operation';
    case 'for_expr':
      return 'for expression';
    case 'template_expr':
      return 'template';
    default:
      return 'expression';
  }
}
