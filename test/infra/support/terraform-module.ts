/**
 * Reads a Terraform module the way Terraform would, for tests, without a terraform binary:
 *
 * - every `.tf` file is parsed by HashiCorp's HCL parser (`@cdktf/hcl2json`, Go hcl/v2
 *   compiled to wasm), which returns blocks as JSON and every non-static expression as a
 *   `${...}` string holding its source text;
 * - such a string is turned back into an HCL template (`toQuotedTemplate`) and parsed again
 *   by the same parser (`getExpressionAst`), and the resulting syntax tree is evaluated
 *   here: literals, templates, tuples, objects, references to `var`/`local`/`data`/
 *   resources/iterators/child modules (`module.NAME.OUTPUT`, evaluated from the child's own
 *   files), `for` expressions, conditionals, operators and a handful of functions (jsonencode,
 *   merge, concat, length, join, distinct, strcontains, tostring, urlencode, regex, can, try,
 *   alltrue, anytrue, contains, flatten, replace, keys, startswith, floor). Anything else
 *   throws an UnsupportedByReader: this is an interpreter of a small, known subset, not a
 *   string-to-JSON guess and never `eval`. With a terraform binary on PATH, the functions are
 *   compared with `terraform console` (terraform-module.int-spec.ts).
 * - variable `validation` blocks are evaluated against the inputs (`validationErrors()`), as
 *   `terraform plan` does before anything else.
 *
 * Resource attributes that are not set in the configuration are "known after apply"; they
 * evaluate to a placeholder `<computed:ADDRESS.ATTR>` so that references stay visible.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { getExpressionAst, parse } from '@cdktf/hcl2json';
import { decodeQuotedLiteral, hasTemplateSequence, literalText, toQuotedTemplate } from './hcl-template';

/**
 * What this reader does not implement, or a name that is not declared: Terraform would reject
 * the configuration before evaluating anything, so `can()` and `try()` never swallow it (a
 * typo in a validation must fail the test, not turn into `false`).
 */
export class UnsupportedByReader extends Error {
  override readonly name = 'UnsupportedByReader';
}

// ----------------------------------------------------------------------------------------
// JSON and syntax-tree shapes, checked at run time (they come out of a wasm module)
// ----------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function toJson(value: unknown, path = '$'): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v, `${path}.${k}`);
    return out;
  }
  throw new TypeError(`${path}: not JSON (${typeof value})`);
}

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface AstPosition {
  byte: number;
}
interface AstNode {
  type: string;
  children: AstNode[];
  range: { start: AstPosition; end: AstPosition };
  meta: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toAstNode(value: unknown): AstNode {
  if (!isRecord(value)) throw new TypeError('syntax tree node is not an object');
  const { type, children, range, meta } = value;
  if (typeof type !== 'string' || !Array.isArray(children) || !isRecord(range)) {
    throw new TypeError(`malformed syntax tree node: ${JSON.stringify(value).slice(0, 200)}`);
  }
  const position = (p: unknown): AstPosition => {
    if (!isRecord(p) || typeof p.byte !== 'number') throw new TypeError('malformed range in syntax tree');
    return { byte: p.byte };
  };
  return {
    type,
    children: children.map(toAstNode),
    range: { start: position(range.start), end: position(range.end) },
    meta: isRecord(meta) ? meta : {},
  };
}

function metaString(node: AstNode, key: string): string {
  const v = node.meta[key];
  if (typeof v !== 'string') throw new TypeError(`${node.type} node without string meta.${key}`);
  return v;
}

function metaOptionalString(node: AstNode, key: string): string | undefined {
  const v = node.meta[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

interface TraversalPart {
  kind: 'name' | 'index';
  segment: string;
}

function traversalOf(node: AstNode): TraversalPart[] {
  const raw = node.meta.traversal;
  if (!Array.isArray(raw) || raw.length === 0) throw new TypeError('scopeTraversal without traversal');
  return raw.map((p: unknown) => {
    if (!isRecord(p) || typeof p.segment !== 'string') throw new TypeError('malformed traversal part');
    if (p.type === 'nameTraversal') return { kind: 'name', segment: p.segment };
    if (p.type === 'indexTraversal') return { kind: 'index', segment: p.segment };
    throw new TypeError(`unsupported traversal part ${String(p.type)}`);
  });
}

/** Parses the source of one HCL expression with HashiCorp's parser. */
async function expressionAst(source: string): Promise<AstNode> {
  const ast: unknown = await getExpressionAst('expression.tf', source);
  if (ast === null || ast === undefined) throw new Error(`not an expression: ${source}`);
  return toAstNode(ast);
}

// ----------------------------------------------------------------------------------------
// Loading a module
// ----------------------------------------------------------------------------------------

export type Body = JsonObject;

export interface TerraformModule {
  dir: string;
  files: string[];
  terraform: Body[];
  variables: Map<string, Body>;
  locals: Map<string, Json>;
  resources: Map<string, Body>; // "type.name"
  data: Map<string, Body>; // "type.name"
  outputs: Map<string, Body>;
  modules: Map<string, Body>;
  providers: Map<string, Body>;
}

/** Parses one file with HashiCorp's HCL parser; rejects on a syntax error. */
export async function parseTerraformFile(file: string): Promise<JsonObject> {
  const parsed: unknown = await parse(basename(file), readFileSync(file, 'utf8'));
  const json = toJson(parsed);
  if (!isJsonObject(json)) throw new TypeError(`${file}: parser returned ${typeof json}`);
  return json;
}

/** Every `.tf` file under `root`, recursively, sorted. */
export function listTerraformFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith('.')) continue; // .terraform, .terraform.lock.hcl
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.tf')) out.push(full);
    }
  };
  walk(root);
  return out;
}

function singleBody(value: Json, where: string): Body {
  if (Array.isArray(value) && value.length === 1 && isJsonObject(value[0])) return value[0];
  throw new TypeError(`${where}: expected one block body`);
}

function addUnique<T>(map: Map<string, T>, key: string, value: T, where: string): void {
  if (map.has(key)) throw new Error(`${where}: duplicate ${key}`);
  map.set(key, value);
}

/** Loads the `.tf` files of one directory (not its subdirectories), as Terraform does. */
export async function loadModule(dir: string): Promise<TerraformModule> {
  const abs = resolve(dir);
  const files = readdirSync(abs)
    .filter((f) => f.endsWith('.tf'))
    .sort()
    .map((f) => join(abs, f));
  if (files.length === 0) throw new Error(`${abs}: no .tf files`);
  const mod: TerraformModule = {
    dir: abs,
    files,
    terraform: [],
    variables: new Map(),
    locals: new Map(),
    resources: new Map(),
    data: new Map(),
    outputs: new Map(),
    modules: new Map(),
    providers: new Map(),
  };
  for (const file of files) {
    const doc = await parseTerraformFile(file);
    for (const [blockType, content] of Object.entries(doc)) {
      const where = `${file} ${blockType}`;
      switch (blockType) {
        case 'terraform':
          if (!Array.isArray(content)) throw new TypeError(`${where}: expected blocks`);
          for (const b of content) if (isJsonObject(b)) mod.terraform.push(b);
          break;
        case 'locals':
          if (!Array.isArray(content)) throw new TypeError(`${where}: expected blocks`);
          for (const b of content) {
            if (!isJsonObject(b)) throw new TypeError(`${where}: expected a body`);
            for (const [k, v] of Object.entries(b)) addUnique(mod.locals, k, v, where);
          }
          break;
        case 'variable':
        case 'output':
        case 'module':
        case 'provider': {
          if (!isJsonObject(content)) throw new TypeError(`${where}: expected labelled blocks`);
          const target = { variable: mod.variables, output: mod.outputs, module: mod.modules, provider: mod.providers }[blockType];
          for (const [name, v] of Object.entries(content)) {
            if (blockType === 'provider') {
              // Several provider blocks (aliases) may share a name.
              if (!Array.isArray(v)) throw new TypeError(`${where}: expected blocks`);
              v.forEach((b, i) => {
                if (isJsonObject(b)) addUnique(target, i === 0 ? name : `${name}#${i}`, b, where);
              });
            } else {
              addUnique(target, name, singleBody(v, `${where} ${name}`), where);
            }
          }
          break;
        }
        case 'resource':
        case 'data': {
          if (!isJsonObject(content)) throw new TypeError(`${where}: expected labelled blocks`);
          const target = blockType === 'resource' ? mod.resources : mod.data;
          for (const [type, byName] of Object.entries(content)) {
            if (!isJsonObject(byName)) throw new TypeError(`${where} ${type}: expected labelled blocks`);
            for (const [name, v] of Object.entries(byName)) {
              addUnique(target, `${type}.${name}`, singleBody(v, `${where} ${type}.${name}`), where);
            }
          }
          break;
        }
        default:
          throw new Error(`${where}: unexpected top-level block`);
      }
    }
  }
  return mod;
}

// ----------------------------------------------------------------------------------------
// Values
// ----------------------------------------------------------------------------------------

export type Value = null | boolean | number | string | Value[] | ValueObject | Instance;
export interface ValueObject {
  [key: string]: Value;
}

export function isValueObject(v: Value | undefined): v is ValueObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Instance);
}

/** One instance of a resource or data source; attributes are evaluated when read. */
export class Instance {
  private readonly cache = new Map<string, Promise<Value>>();

  constructor(
    readonly address: string,
    private readonly body: Body,
    private readonly resolveAttribute: (attr: string, raw: Json | undefined) => Promise<Value>,
  ) {}

  has(attr: string): boolean {
    return Object.hasOwn(this.body, attr);
  }

  get(attr: string): Promise<Value> {
    let v = this.cache.get(attr);
    if (!v) {
      v = this.resolveAttribute(attr, Object.hasOwn(this.body, attr) ? this.body[attr] : undefined);
      this.cache.set(attr, v);
    }
    return v;
  }
}

export function computed(address: string, attr: string): string {
  return `<computed:${address}.${attr}>`;
}

function describe(v: Value): string {
  if (v instanceof Instance) return v.address;
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function toPlainJson(v: Value, path: string): Json {
  if (v instanceof Instance) throw new TypeError(`${path}: cannot encode a whole resource (${v.address})`);
  if (Array.isArray(v)) return v.map((x, i) => toPlainJson(x, `${path}[${i}]`));
  if (isValueObject(v)) {
    // Terraform's jsonencode writes object keys in lexical order.
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = toPlainJson(v[k], `${path}.${k}`);
    return out;
  }
  return v;
}

function deepEqual(a: Value, b: Value): boolean {
  if (a instanceof Instance || b instanceof Instance) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isValueObject(a) || isValueObject(b)) {
    if (!isValueObject(a) || !isValueObject(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return a === b;
}

function asString(v: Value, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TypeError(`${what}: expected a string, got ${describe(v)}`);
}

function asBool(v: Value, what: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new TypeError(`${what}: expected a bool, got ${describe(v)}`);
}

function asNumber(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  throw new TypeError(`${what}: expected a number, got ${describe(v)}`);
}

function asList(v: Value, what: string): Value[] {
  if (Array.isArray(v)) return v;
  throw new TypeError(`${what}: expected a list, got ${describe(v)}`);
}

export function asStringList(v: Value, what: string): string[] {
  return asList(v, what).map((x, i) => asString(x, `${what}[${i}]`));
}

/** Iterates a list (index keys) or an object/map (keys in lexical order, as Terraform). */
function entriesOf(v: Value, what: string): Array<[Value, Value]> {
  if (Array.isArray(v)) return v.map((x, i): [Value, Value] => [i, x]);
  if (isValueObject(v))
    return Object.keys(v)
      .sort()
      .map((k): [Value, Value] => [k, v[k]]);
  throw new TypeError(`${what}: cannot iterate over ${describe(v)}`);
}

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  jsonencode: (args) => {
    if (args.length !== 1) throw new TypeError('jsonencode takes one argument');
    // Go's encoding/json, as Terraform uses it, escapes <, >, & and U+2028/U+2029 (which only
    // occur inside JSON strings, so replacing them in the whole text is safe).
    return JSON.stringify(toPlainJson(args[0], 'jsonencode')).replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  },
  merge: (args) => {
    const out: ValueObject = {};
    args.forEach((a, i) => {
      if (a === null) return;
      if (!isValueObject(a)) throw new TypeError(`merge argument ${i + 1}: expected an object, got ${describe(a)}`);
      Object.assign(out, a);
    });
    return out;
  },
  concat: (args) => args.flatMap((a, i) => asList(a, `concat argument ${i + 1}`)),
  length: (args) => {
    if (args.length !== 1) throw new TypeError('length takes one argument');
    const [a] = args;
    if (Array.isArray(a)) return a.length;
    if (isValueObject(a)) return Object.keys(a).length;
    if (typeof a === 'string') return [...a].length;
    throw new TypeError(`length: unsupported ${describe(a)}`);
  },
  join: (args) => {
    if (args.length !== 2) throw new TypeError('join takes two arguments');
    return asStringList(args[1], 'join list').join(asString(args[0], 'join separator'));
  },
  /** The list without later duplicates (Terraform keeps the first occurrence, in order). */
  distinct: (args) => {
    if (args.length !== 1) throw new TypeError('distinct takes one argument');
    const out: Value[] = [];
    for (const v of asList(args[0], 'distinct list')) if (!out.some((x) => deepEqual(x, v))) out.push(v);
    return out;
  },
  strcontains: (args) => {
    if (args.length !== 2) throw new TypeError('strcontains takes two arguments');
    return asString(args[0], 'strcontains string').includes(asString(args[1], 'strcontains substring'));
  },
  /** A primitive as a string. Note that "${x}" alone is not a string conversion: it is x. */
  tostring: (args) => {
    if (args.length !== 1) throw new TypeError('tostring takes one argument');
    const [a] = args;
    if (a === null || typeof a === 'string') return a;
    if (typeof a === 'number' || typeof a === 'boolean') return String(a);
    throw new TypeError(`tostring: cannot convert ${describe(a)} to a string`);
  },
  /**
   * Terraform's urlencode is Go's url.QueryEscape: every UTF-8 byte except letters, digits and
   * "-_.~" becomes %XX (upper-case hex), and a space becomes "+".
   */
  urlencode: (args) => {
    if (args.length !== 1) throw new TypeError('urlencode takes one argument');
    let out = '';
    for (const byte of Buffer.from(asString(args[0], 'urlencode string'), 'utf8')) {
      const c = String.fromCharCode(byte);
      if (/^[A-Za-z0-9_.~-]$/.test(c)) out += c;
      else if (c === ' ') out += '+';
      else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return out;
  },
  /**
   * regex(pattern, string): the first match; with capture groups, the list of groups. No match
   * is an error (which `can()` turns into false). Terraform uses RE2: the patterns used here
   * (classes, groups, quantifiers, anchors) mean the same in JavaScript; RE2-only syntax is
   * refused.
   */
  regex: (args) => {
    if (args.length !== 2) throw new TypeError('regex takes two arguments');
    const pattern = asString(args[0], 'regex pattern');
    const value = asString(args[1], 'regex string');
    if (/\(\?P<|\(\?[imsU-]+[):]|\\[pPzAQE]/.test(pattern))
      throw new UnsupportedByReader(`regex: RE2-only syntax in ${pattern} is not supported by this reader`);
    // RE2 refuses a repeat count over 1000 ("invalid repeat count"), where JavaScript accepts it:
    // Terraform then fails the call (and `can()` is false), whatever the string.
    for (const m of pattern.matchAll(/(?<!\\)\{(\d+)(?:,(\d*))?\}/g))
      if (Number(m[1]) > 1000 || Number(m[2] || 0) > 1000)
        throw new Error(`regex: invalid repeat count ${m[0]} in ${pattern} (RE2 allows at most 1000)`);
    const match = new RegExp(pattern).exec(value);
    if (!match) throw new Error(`regex: pattern ${pattern} did not match ${JSON.stringify(value)}`);
    if (match.groups) throw new UnsupportedByReader('regex: named groups are not supported by this reader');
    if (match.length > 1) {
      return match.slice(1).map((g) => (g === undefined ? null : g));
    }
    return match[0];
  },
  alltrue: (args) => {
    if (args.length !== 1) throw new TypeError('alltrue takes one argument');
    return asList(args[0], 'alltrue list').every((v, i) => asBool(v, `alltrue element ${i}`));
  },
  anytrue: (args) => {
    if (args.length !== 1) throw new TypeError('anytrue takes one argument');
    return asList(args[0], 'anytrue list').some((v, i) => asBool(v, `anytrue element ${i}`));
  },
  contains: (args) => {
    if (args.length !== 2) throw new TypeError('contains takes two arguments');
    return asList(args[0], 'contains list').some((v) => deepEqual(v, args[1]));
  },
  /** Nested lists into one list, depth first (Terraform's flatten). */
  flatten: (args) => {
    if (args.length !== 1) throw new TypeError('flatten takes one argument');
    const out: Value[] = [];
    const walk = (v: Value): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else out.push(v);
    };
    asList(args[0], 'flatten list').forEach(walk);
    return out;
  },
  /** replace(string, substring, replacement); the /regex/ form is not implemented. */
  replace: (args) => {
    if (args.length !== 3) throw new TypeError('replace takes three arguments');
    const substring = asString(args[1], 'replace substring');
    if (substring.length > 1 && substring.startsWith('/') && substring.endsWith('/')) {
      throw new UnsupportedByReader('replace: the /regex/ form is not supported by this reader');
    }
    return asString(args[0], 'replace string').split(substring).join(asString(args[2], 'replace replacement'));
  },
  /** The keys of a map or object, in lexical order. */
  keys: (args) => {
    if (args.length !== 1) throw new TypeError('keys takes one argument');
    const [a] = args;
    if (!isValueObject(a)) throw new TypeError(`keys: expected a map, got ${describe(a)}`);
    return Object.keys(a).sort();
  },
  startswith: (args) => {
    if (args.length !== 2) throw new TypeError('startswith takes two arguments');
    return asString(args[0], 'startswith string').startsWith(asString(args[1], 'startswith prefix'));
  },
  floor: (args) => {
    if (args.length !== 1) throw new TypeError('floor takes one argument');
    return Math.floor(asNumber(args[0], 'floor'));
  },
};

// ----------------------------------------------------------------------------------------
// Evaluation
// ----------------------------------------------------------------------------------------

/** Names bound by `for`, `count`, `each` and `dynamic` iterators. */
export type Scope = ReadonlyMap<string, Value>;
const EMPTY_SCOPE: Scope = new Map();

function bind(scope: Scope, entries: Array<[string, Value]>): Scope {
  const next = new Map(scope);
  for (const [k, v] of entries) next.set(k, v);
  return next;
}

const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'lifecycle', 'provider', 'provisioner']);
const MODULE_META_ARGUMENTS = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: '*' | Record<string, string[]>;
  NotPrincipal?: '*' | Record<string, string[]>;
  Condition?: Record<string, Record<string, string[]>>;
}
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export class ModuleEvaluator {
  private readonly variables = new Map<string, Value>();
  private readonly localCache = new Map<string, Promise<Value>>();
  private readonly localsInProgress = new Set<string>();
  private readonly resourceCache = new Map<string, Promise<Value>>();
  private readonly dataCache = new Map<string, Promise<Instance>>();
  private readonly childCache = new Map<string, Promise<ModuleEvaluator>>();

  private constructor(
    readonly module: TerraformModule,
    /** `module.NAME.` for a child module (its resources' addresses), `''` for the root. */
    readonly addressPrefix: string,
  ) {}

  /**
   * `inputs` are the module arguments; undeclared inputs and missing required ones throw.
   * Validation blocks are not checked here (a test may want to see an invalid input's effect):
   * `validationErrors()` checks them.
   */
  static async create(
    module: TerraformModule,
    inputs: Record<string, Value> = {},
    opts: { addressPrefix?: string } = {},
  ): Promise<ModuleEvaluator> {
    const ev = new ModuleEvaluator(module, opts.addressPrefix ?? '');
    for (const name of Object.keys(inputs)) {
      if (!module.variables.has(name)) throw new Error(`${module.dir}: no variable "${name}"`);
    }
    for (const [name, body] of module.variables) {
      if (Object.hasOwn(inputs, name)) ev.variables.set(name, inputs[name]);
      else if (Object.hasOwn(body, 'default')) ev.variables.set(name, await ev.evaluate(body.default, EMPTY_SCOPE));
      else throw new Error(`${module.dir}: variable "${name}" is required and was not given`);
    }
    return ev;
  }

  /**
   * Every variable `validation` block evaluated against the inputs, as Terraform does before a
   * plan: the variables whose condition is false (or fails to evaluate), with the
   * error_message. `[]` when every input is valid.
   */
  async validationErrors(): Promise<Array<{ variable: string; message: string }>> {
    const out: Array<{ variable: string; message: string }> = [];
    for (const [name, body] of this.module.variables) {
      const blocks = body.validation;
      if (blocks === undefined) continue;
      if (!Array.isArray(blocks)) throw new TypeError(`variable ${name}: validation is not a block list`);
      for (const b of blocks) {
        if (!isJsonObject(b)) throw new TypeError(`variable ${name}: validation block is not an object`);
        const message = asString(await this.evaluate(b.error_message ?? null, EMPTY_SCOPE), `variable ${name} error_message`);
        let ok: boolean;
        try {
          ok = asBool(await this.evaluate(b.condition ?? null, EMPTY_SCOPE), `variable ${name} validation condition`);
        } catch (e) {
          if (e instanceof UnsupportedByReader) throw e;
          out.push({ variable: name, message: `${message} (the condition failed: ${e instanceof Error ? e.message : String(e)})` });
          continue;
        }
        if (!ok) out.push({ variable: name, message });
      }
    }
    return out;
  }

  /**
   * A child module call (`module "NAME" { source = "./..." }`), evaluated from its own files
   * with the arguments evaluated here. `count` and `for_each` on a module are not supported.
   */
  childModule(name: string): Promise<ModuleEvaluator> {
    let p = this.childCache.get(name);
    if (!p) {
      p = (async () => {
        const body = this.module.modules.get(name);
        if (!body) throw new UnsupportedByReader(`no module "${name}" in ${this.module.dir}`);
        if (body.count !== undefined || body.for_each !== undefined) {
          throw new UnsupportedByReader(`module ${name}: count/for_each on a module is not supported by this reader`);
        }
        if (typeof body.source !== 'string' || !body.source.startsWith('.')) {
          throw new UnsupportedByReader(`module ${name}: only local sources ("./...", "../...") are supported by this reader`);
        }
        const child = await loadModule(resolve(this.module.dir, body.source));
        const inputs: Record<string, Value> = {};
        for (const [k, raw] of Object.entries(body)) {
          if (MODULE_META_ARGUMENTS.has(k)) continue;
          inputs[k] = await this.evaluate(raw, EMPTY_SCOPE);
        }
        return ModuleEvaluator.create(child, inputs, { addressPrefix: `${this.addressPrefix}module.${name}.` });
      })();
      this.childCache.set(name, p);
    }
    return p;
  }

  variable(name: string): Value {
    if (!this.variables.has(name)) throw new UnsupportedByReader(`undeclared variable var.${name}`);
    return this.variables.get(name) ?? null;
  }

  local(name: string): Promise<Value> {
    const cached = this.localCache.get(name);
    if (cached) return cached;
    if (!this.module.locals.has(name)) return Promise.reject(new UnsupportedByReader(`undeclared local.${name}`));
    if (this.localsInProgress.has(name)) return Promise.reject(new Error(`cycle through local.${name}`));
    this.localsInProgress.add(name);
    const raw = this.module.locals.get(name) ?? null;
    const p = this.evaluate(raw, EMPTY_SCOPE).finally(() => this.localsInProgress.delete(name));
    this.localCache.set(name, p);
    return p;
  }

  async output(name: string): Promise<Value> {
    const body = this.module.outputs.get(name);
    if (!body) throw new Error(`no output "${name}"`);
    return this.evaluate(body.value ?? null, EMPTY_SCOPE);
  }

  /** A resource: one Instance, a list of them (count) or a map of them (for_each). */
  resource(type: string, name: string): Promise<Value> {
    const key = `${type}.${name}`;
    let p = this.resourceCache.get(key);
    if (!p) {
      p = this.expandResource(type, name);
      this.resourceCache.set(key, p);
    }
    return p;
  }

  /** Every instance of a resource, flattened. */
  async resourceInstances(type: string, name: string): Promise<Instance[]> {
    const v = await this.resource(type, name);
    if (v instanceof Instance) return [v];
    if (Array.isArray(v)) return v.filter((x): x is Instance => x instanceof Instance);
    if (isValueObject(v)) return Object.values(v).filter((x): x is Instance => x instanceof Instance);
    throw new Error(`${type}.${name}: unexpected expansion`);
  }

  /** Every instance of every resource of `type`. */
  async instancesOfType(type: string): Promise<Instance[]> {
    const out: Instance[] = [];
    for (const key of this.module.resources.keys()) {
      const [t, n] = key.split('.');
      if (t === type) out.push(...(await this.resourceInstances(t, n)));
    }
    return out;
  }

  dataSource(type: string, name: string): Promise<Instance> {
    const key = `${type}.${name}`;
    let p = this.dataCache.get(key);
    if (!p) {
      p = this.makeDataInstance(type, name);
      this.dataCache.set(key, p);
    }
    return p;
  }

  /** Renders a `data "aws_iam_policy_document"` block like the provider (lists kept as lists). */
  async policyDocument(name: string): Promise<PolicyDocument> {
    const body = this.module.data.get(`aws_iam_policy_document.${name}`);
    if (!body) throw new Error(`no data.aws_iam_policy_document.${name}`);
    for (const k of Object.keys(body)) {
      if (!['statement', 'dynamic', 'version', 'source_policy_documents'].includes(k)) {
        throw new UnsupportedByReader(`data.aws_iam_policy_document.${name}: "${k}" is not supported by this reader`);
      }
    }
    const version = body.version === undefined ? '2012-10-17' : asString(await this.evaluate(body.version, EMPTY_SCOPE), 'version');
    const statements: PolicyStatement[] = [];
    for (const { body: s, scope } of await this.expandBlocks(body, 'statement', EMPTY_SCOPE)) {
      const str = async (k: string): Promise<string | undefined> =>
        s[k] === undefined ? undefined : asString(await this.evaluate(s[k], scope), k);
      const list = async (k: string): Promise<string[] | undefined> =>
        s[k] === undefined ? undefined : asStringList(await this.evaluate(s[k], scope), k);
      const stmt: PolicyStatement = { Effect: (await str('effect')) ?? 'Allow' };
      const sid = await str('sid');
      if (sid !== undefined) stmt.Sid = sid;
      const fields: Array<[string, 'Action' | 'NotAction' | 'Resource' | 'NotResource']> = [
        ['actions', 'Action'],
        ['not_actions', 'NotAction'],
        ['resources', 'Resource'],
        ['not_resources', 'NotResource'],
      ];
      for (const [hclKey, iamKey] of fields) {
        const v = await list(hclKey);
        if (v !== undefined) stmt[iamKey] = v;
      }
      for (const [hclKey, iamKey] of [
        ['principals', 'Principal'],
        ['not_principals', 'NotPrincipal'],
      ] as const) {
        const blocks = await this.expandBlocks(s, hclKey, scope);
        if (blocks.length === 0) continue;
        const principal: Record<string, string[]> = {};
        let everyone = false;
        for (const b of blocks) {
          const type = asString(await this.evaluate(b.body.type ?? null, b.scope), `${hclKey}.type`);
          const ids = asStringList(await this.evaluate(b.body.identifiers ?? null, b.scope), `${hclKey}.identifiers`);
          if (type === '*') everyone = true;
          else principal[type] = [...(principal[type] ?? []), ...ids];
        }
        stmt[iamKey] = everyone && Object.keys(principal).length === 0 ? '*' : principal;
      }
      const conditions = await this.expandBlocks(s, 'condition', scope);
      if (conditions.length > 0) {
        const cond: Record<string, Record<string, string[]>> = {};
        for (const c of conditions) {
          const test = asString(await this.evaluate(c.body.test ?? null, c.scope), 'condition.test');
          const variable = asString(await this.evaluate(c.body.variable ?? null, c.scope), 'condition.variable');
          const values = asStringList(await this.evaluate(c.body.values ?? null, c.scope), 'condition.values');
          cond[test] = cond[test] ?? {};
          cond[test][variable] = [...(cond[test][variable] ?? []), ...values];
        }
        stmt.Condition = cond;
      }
      statements.push(stmt);
    }
    if (body.source_policy_documents === undefined) return { Version: version, Statement: statements };
    // As the AWS provider merges them: the source documents' statements first (their sids must be
    // unique), then this document's; one of these with a source statement's sid replaces it.
    const merged: PolicyStatement[] = [];
    const sources = asStringList(await this.evaluate(body.source_policy_documents, EMPTY_SCOPE), 'source_policy_documents');
    for (const [i, text] of sources.entries()) {
      let doc: Json;
      try {
        doc = JSON.parse(text) as Json;
      } catch (err) {
        throw new TypeError(`data.aws_iam_policy_document.${name}: source_policy_documents[${i}] is not JSON: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (!isJsonObject(doc) || !Array.isArray(doc.Statement))
        throw new TypeError(`data.aws_iam_policy_document.${name}: source_policy_documents[${i}] is not a policy document`);
      for (const st of doc.Statement as unknown as PolicyStatement[]) {
        if (st.Sid && merged.some((m) => m.Sid === st.Sid))
          throw new Error(`data.aws_iam_policy_document.${name}: duplicate sid "${st.Sid}" in source_policy_documents`);
        merged.push(st);
      }
    }
    for (const st of statements) {
      const at = st.Sid ? merged.findIndex((m) => m.Sid === st.Sid) : -1;
      if (at >= 0) merged[at] = st;
      else merged.push(st);
    }
    return { Version: version, Statement: merged };
  }

  /**
   * Static blocks named `name` followed by the expansion of `dynamic "name"` blocks
   * (hcl2json does not keep their relative order).
   */
  async expandBlocks(body: Body, name: string, scope: Scope): Promise<Array<{ body: Body; scope: Scope }>> {
    const out: Array<{ body: Body; scope: Scope }> = [];
    const statics = body[name];
    if (statics !== undefined) {
      if (!Array.isArray(statics)) throw new TypeError(`"${name}" is not a block list`);
      for (const b of statics) {
        if (!isJsonObject(b)) throw new TypeError(`"${name}" block is not an object`);
        out.push({ body: b, scope });
      }
    }
    const dyn = body.dynamic;
    if (isJsonObject(dyn) && dyn[name] !== undefined) {
      const specs = dyn[name];
      if (!Array.isArray(specs)) throw new TypeError(`dynamic "${name}" is not a block list`);
      for (const spec of specs) {
        if (!isJsonObject(spec)) throw new TypeError(`dynamic "${name}" is not an object`);
        if (spec.iterator !== undefined) throw new UnsupportedByReader(`dynamic "${name}": iterator is not supported by this reader`);
        const content = singleBody(spec.content ?? null, `dynamic "${name}" content`);
        const collection = await this.evaluate(spec.for_each ?? null, scope);
        for (const [key, value] of entriesOf(collection, `dynamic "${name}" for_each`)) {
          out.push({ body: content, scope: bind(scope, [[name, { key, value }]]) });
        }
      }
    }
    return out;
  }

  /** Evaluates a value as hcl2json returned it (strings may hold expressions). */
  async evaluate(raw: Json, scope: Scope): Promise<Value> {
    if (typeof raw === 'string') {
      if (!hasTemplateSequence(raw)) return literalText(raw);
      return this.evaluateSource(toQuotedTemplate(raw), scope);
    }
    if (Array.isArray(raw)) {
      const out: Value[] = [];
      for (const x of raw) out.push(await this.evaluate(x, scope));
      return out;
    }
    if (isJsonObject(raw)) {
      const out: ValueObject = {};
      for (const [k, v] of Object.entries(raw)) out[k] = await this.evaluate(v, scope);
      return out;
    }
    return raw;
  }

  /** Evaluates HCL expression source text. */
  async evaluateSource(source: string, scope: Scope = EMPTY_SCOPE): Promise<Value> {
    const ast = await expressionAst(source);
    return this.evalNode(ast, Buffer.from(source, 'utf8'), scope);
  }

  private async evalNode(node: AstNode, src: Buffer, scope: Scope): Promise<Value> {
    const kids = node.children;
    const one = (): AstNode => {
      if (kids.length !== 1) throw new TypeError(`${node.type || 'parenthesis'}: expected one operand`);
      return kids[0];
    };
    switch (node.type) {
      case 'templateWrap':
        return this.evalNode(one(), src, scope);
      case '': // parenthesised expression
        return this.evalNode(one(), src, scope);
      case 'template': {
        // Only quoted templates reach here (hcl2json has already flattened heredocs, and
        // toQuotedTemplate refuses one inside an interpolation); heredoc literals would
        // need different unescaping.
        if (metaString(node, 'value').trimStart().startsWith('<<')) throw new UnsupportedByReader('heredoc templates are not supported');
        let s = '';
        for (const k of kids) {
          const v = await this.evalNode(k, src, scope);
          if (v === null) throw new TypeError('template: null value in interpolation');
          s += asString(v, 'template interpolation');
        }
        return s;
      }
      case 'literalValue': {
        const type = metaString(node, 'type');
        const value = metaString(node, 'value');
        if (type === 'string') return decodeQuotedLiteral(value); // the bridge gives source text
        if (type === 'number') {
          const n = Number(value);
          if (!Number.isFinite(n)) throw new TypeError(`bad number literal ${value}`);
          return n;
        }
        if (type === 'bool') return value === 'true';
        if (type === 'dynamic' && value === 'null') return null;
        throw new TypeError(`unsupported literal ${type} ${value}`);
      }
      case 'tuple': {
        const out: Value[] = [];
        for (const k of kids) out.push(await this.evalNode(k, src, scope));
        return out;
      }
      case 'object': {
        if (kids.length % 2 !== 0) throw new TypeError('object: odd number of key/value nodes');
        const out: ValueObject = {};
        for (let i = 0; i < kids.length; i += 2) {
          const key = await this.evalObjectKey(kids[i], src, scope);
          if (Object.hasOwn(out, key)) throw new Error(`object: duplicate key "${key}"`);
          out[key] = await this.evalNode(kids[i + 1], src, scope);
        }
        return out;
      }
      case 'scopeTraversal':
        return this.resolveTraversal(traversalOf(node), scope);
      case 'function': {
        const name = metaString(node, 'name');
        if (node.meta.expandedFinalArgument === true) throw new UnsupportedByReader(`${name}(...): argument expansion is not supported`);
        if (name === 'can' || name === 'try') return this.evalFallible(name, kids, src, scope);
        const fn = FUNCTIONS[name];
        if (!fn) throw new UnsupportedByReader(`function ${name}() is not supported by this reader`);
        const args: Value[] = [];
        for (const k of kids) args.push(await this.evalNode(k, src, scope));
        return fn(args);
      }
      case 'conditional': {
        if (kids.length !== 3) throw new TypeError('conditional: expected three operands');
        const cond = asBool(await this.evalNode(kids[0], src, scope), 'condition');
        return this.evalNode(cond ? kids[1] : kids[2], src, scope);
      }
      case 'unaryOp': {
        const v = await this.evalNode(one(), src, scope);
        const op = metaString(node, 'operator');
        if (op === 'logicalNot') return !asBool(v, '!');
        if (op === 'negate') return -asNumber(v, '-');
        throw new TypeError(`unsupported unary operator ${op}`);
      }
      case 'binaryOp':
        return this.evalBinary(node, src, scope);
      case 'for':
        return this.evalFor(node, src, scope);
      default:
        throw new UnsupportedByReader(`expression type "${node.type}" is not supported by this reader`);
    }
  }

  /**
   * can(expr): false when evaluating expr fails; try(a, b, ...): the first that does not fail.
   * What this reader does not implement (UnsupportedByReader) is never swallowed.
   */
  private async evalFallible(name: 'can' | 'try', kids: AstNode[], src: Buffer, scope: Scope): Promise<Value> {
    if (name === 'can' && kids.length !== 1) throw new TypeError('can takes one argument');
    if (name === 'try' && kids.length === 0) throw new TypeError('try takes at least one argument');
    const errors: string[] = [];
    for (const k of kids) {
      try {
        const v = await this.evalNode(k, src, scope);
        return name === 'can' ? true : v;
      } catch (e) {
        if (e instanceof UnsupportedByReader) throw e;
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (name === 'can') return false;
    throw new Error(`try: no argument could be evaluated (${errors.join('; ')})`);
  }

  private async evalObjectKey(node: AstNode, src: Buffer, scope: Scope): Promise<string> {
    if (node.type !== '') throw new TypeError(`object key: unexpected ${node.type} node`);
    if (node.children.length === 0) {
      // A bare identifier: the parser gives only its range.
      const { start, end } = node.range;
      if (start.byte < 0 || end.byte > src.length || end.byte <= start.byte) throw new RangeError('object key: bad range');
      const text = src.subarray(start.byte, end.byte).toString('utf8');
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(text)) throw new TypeError(`object key: not an identifier: ${text}`);
      return text;
    }
    return asString(await this.evalNode(node.children[0], src, scope), 'object key');
  }

  private async evalBinary(node: AstNode, src: Buffer, scope: Scope): Promise<Value> {
    if (node.children.length !== 2) throw new TypeError('binary operator: expected two operands');
    const op = metaString(node, 'operator');
    const l = await this.evalNode(node.children[0], src, scope);
    const r = await this.evalNode(node.children[1], src, scope);
    switch (op) {
      case 'equal':
        return deepEqual(l, r);
      case 'notEqual':
        return !deepEqual(l, r);
      case 'logicalAnd':
        return asBool(l, '&&') && asBool(r, '&&');
      case 'logicalOr':
        return asBool(l, '||') || asBool(r, '||');
      case 'greaterThan':
        return asNumber(l, '>') > asNumber(r, '>');
      case 'greaterThanOrEqual':
        return asNumber(l, '>=') >= asNumber(r, '>=');
      case 'lessThan':
        return asNumber(l, '<') < asNumber(r, '<');
      case 'lessThanOrEqual':
        return asNumber(l, '<=') <= asNumber(r, '<=');
      case 'add':
        return asNumber(l, '+') + asNumber(r, '+');
      case 'subtract':
        return asNumber(l, '-') - asNumber(r, '-');
      case 'multiply':
        return asNumber(l, '*') * asNumber(r, '*');
      default:
        throw new TypeError(`unsupported binary operator ${op}`);
    }
  }

  private async evalFor(node: AstNode, src: Buffer, scope: Scope): Promise<Value> {
    if (node.meta.groupedValue === true) throw new UnsupportedByReader('for: grouping (...) is not supported by this reader');
    const keyVar = metaOptionalString(node, 'keyVar');
    const valVar = metaString(node, 'valVar');
    const isObject = metaOptionalString(node, 'keyExpression') !== undefined;
    const hasCond = metaOptionalString(node, 'conditionalExpression') !== undefined;
    const expected = 2 + (isObject ? 1 : 0) + (hasCond ? 1 : 0);
    if (node.children.length !== expected) throw new TypeError(`for: expected ${expected} parts, got ${node.children.length}`);
    const [collectionNode, ...rest] = node.children;
    const keyNode = isObject ? rest.shift() : undefined;
    const valueNode = rest.shift();
    const condNode = hasCond ? rest.shift() : undefined;
    if (!valueNode) throw new TypeError('for: no value expression');
    const collection = await this.evalNode(collectionNode, src, scope);
    const list: Value[] = [];
    const obj: ValueObject = {};
    for (const [k, v] of entriesOf(collection, 'for')) {
      const inner = bind(
        scope,
        keyVar
          ? [
              [keyVar, k],
              [valVar, v],
            ]
          : [[valVar, v]],
      );
      if (condNode && !asBool(await this.evalNode(condNode, src, inner), 'for condition')) continue;
      const value = await this.evalNode(valueNode, src, inner);
      if (keyNode) {
        const key = asString(await this.evalNode(keyNode, src, inner), 'for key');
        if (Object.hasOwn(obj, key)) throw new Error(`for: duplicate key "${key}"`);
        obj[key] = value;
      } else {
        list.push(value);
      }
    }
    return isObject ? obj : list;
  }

  private async resolveTraversal(parts: TraversalPart[], scope: Scope): Promise<Value> {
    const [root, ...rest] = parts;
    const name = (i: number): string => {
      const p = rest[i];
      if (!p || p.kind !== 'name') throw new Error(`${root.segment}: expected a name after it`);
      return p.segment;
    };
    if (root.kind !== 'name') throw new Error('traversal starts with an index');
    if (scope.has(root.segment)) return this.walk(scope.get(root.segment) ?? null, rest, root.segment);
    switch (root.segment) {
      case 'var':
        return this.walk(this.variable(name(0)), rest.slice(1), `var.${name(0)}`);
      case 'local':
        return this.walk(await this.local(name(0)), rest.slice(1), `local.${name(0)}`);
      case 'data':
        return this.walk(await this.dataSource(name(0), name(1)), rest.slice(2), `data.${name(0)}.${name(1)}`);
      case 'module': {
        // module.NAME.OUTPUT: an Instance whose attributes are the child's outputs, read lazily.
        const child = await this.childModule(name(0));
        const outputs = new Instance(`module.${name(0)}`, {}, (attr) => {
          if (!child.module.outputs.has(attr)) return Promise.reject(new UnsupportedByReader(`module ${name(0)} has no output "${attr}"`));
          return child.output(attr);
        });
        return this.walk(outputs, rest.slice(1), `module.${name(0)}`);
      }
      default: {
        const type = root.segment;
        if (this.module.resources.has(`${type}.${name(0)}`)) {
          return this.walk(await this.resource(type, name(0)), rest.slice(1), `${type}.${name(0)}`);
        }
        throw new UnsupportedByReader(`unknown reference ${[root, ...rest].map((p) => p.segment).join('.')}`);
      }
    }
  }

  private async walk(start: Value, parts: TraversalPart[], where: string): Promise<Value> {
    let cur = start;
    let path = where;
    for (const p of parts) {
      let key: string | number;
      if (p.kind === 'name') key = p.segment;
      else if (/^[0-9]+$/.test(p.segment)) key = Number(p.segment);
      else if (/^"(?:[^"\\]|\\.)*"$/.test(p.segment)) key = String(JSON.parse(p.segment));
      else throw new UnsupportedByReader(`${path}: index [${p.segment}] is not supported by this reader`);
      path += p.kind === 'name' ? `.${key}` : `[${JSON.stringify(key)}]`;
      if (cur instanceof Instance) {
        if (typeof key !== 'string') throw new Error(`${path}: cannot index a resource instance`);
        cur = await cur.get(key);
      } else if (Array.isArray(cur)) {
        if (typeof key !== 'number' || key >= cur.length) throw new Error(`${path}: no such element`);
        cur = cur[key];
      } else if (isValueObject(cur)) {
        const k = String(key);
        if (!Object.hasOwn(cur, k)) throw new Error(`${path}: no such attribute`);
        cur = cur[k];
      } else {
        throw new Error(`${path}: cannot traverse into ${describe(cur)}`);
      }
    }
    return cur;
  }

  private async expandResource(type: string, name: string): Promise<Value> {
    const key = `${type}.${name}`;
    const body = this.module.resources.get(key);
    if (!body) throw new UnsupportedByReader(`no resource ${key}`);
    const config: Body = {};
    for (const [k, v] of Object.entries(body)) if (!META_ARGUMENTS.has(k)) config[k] = v;
    const make = (address: string, scope: Scope): Instance =>
      new Instance(address, config, (attr, raw) =>
        raw === undefined ? Promise.resolve(computed(address, attr)) : this.evaluate(raw, scope),
      );
    if (body.count !== undefined && body.for_each !== undefined) throw new Error(`${key}: both count and for_each`);
    if (body.count !== undefined) {
      const n = asNumber(await this.evaluate(body.count, EMPTY_SCOPE), `${key}.count`);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${key}.count: ${n}`);
      return Array.from({ length: n }, (_, i) => make(`${this.addressPrefix}${key}[${i}]`, bind(EMPTY_SCOPE, [['count', { index: i }]])));
    }
    if (body.for_each !== undefined) {
      const fe = await this.evaluate(body.for_each, EMPTY_SCOPE);
      const out: ValueObject = {};
      const entries: Array<[string, Value]> = Array.isArray(fe)
        ? fe.map((x): [string, Value] => [asString(x, `${key}.for_each element`), x])
        : entriesOf(fe, `${key}.for_each`).map(([k, v]): [string, Value] => [asString(k, `${key}.for_each key`), v]);
      for (const [k, v] of entries) {
        out[k] = make(`${this.addressPrefix}${key}[${JSON.stringify(k)}]`, bind(EMPTY_SCOPE, [['each', { key: k, value: v }]]));
      }
      return out;
    }
    return make(`${this.addressPrefix}${key}`, EMPTY_SCOPE);
  }

  private async makeDataInstance(type: string, name: string): Promise<Instance> {
    const key = `${type}.${name}`;
    const body = this.module.data.get(key);
    if (!body) throw new UnsupportedByReader(`no data.${key}`);
    if (body.count !== undefined || body.for_each !== undefined) throw new UnsupportedByReader(`data.${key}: count/for_each not supported`);
    const address = `${this.addressPrefix}data.${key}`;
    return new Instance(address, body, async (attr, raw) => {
      if (type === 'aws_iam_policy_document' && attr === 'json') return JSON.stringify(await this.policyDocument(name));
      return raw === undefined ? computed(address, attr) : this.evaluate(raw, EMPTY_SCOPE);
    });
  }
}

// ----------------------------------------------------------------------------------------
// References (a stand-in for `terraform validate`)
// ----------------------------------------------------------------------------------------

export interface Reference {
  /** e.g. ["var", "queue_arn"], ["aws_sqs_queue", "intake", "arn"], ["module", "x", "out"] */
  path: string[];
  /** The expression it was found in. */
  expression: string;
}

const ALWAYS_BOUND = new Set(['each', 'count', 'self', 'path', 'terraform']);

/** Every reference in every expression of `module`, minus iterator and `for` variables. */
export async function collectReferences(module: TerraformModule): Promise<Reference[]> {
  const out: Reference[] = [];
  const visitAst = (node: AstNode, bound: ReadonlySet<string>, expression: string): void => {
    if (node.type === 'scopeTraversal') {
      const parts = traversalOf(node);
      if (!bound.has(parts[0].segment)) out.push({ path: parts.map((p) => p.segment), expression });
      return;
    }
    if (node.type === 'for') {
      const [collection, ...rest] = node.children;
      if (collection) visitAst(collection, bound, expression);
      const inner = new Set(bound);
      const keyVar = metaOptionalString(node, 'keyVar');
      if (keyVar) inner.add(keyVar);
      inner.add(metaString(node, 'valVar'));
      for (const c of rest) visitAst(c, inner, expression);
      return;
    }
    for (const c of node.children) visitAst(c, bound, expression);
  };
  const visitJson = async (raw: Json, bound: ReadonlySet<string>): Promise<void> => {
    if (typeof raw === 'string') {
      if (hasTemplateSequence(raw)) visitAst(await expressionAst(toQuotedTemplate(raw)), bound, raw);
    } else if (Array.isArray(raw)) {
      for (const x of raw) await visitJson(x, bound);
    } else if (isJsonObject(raw)) {
      for (const [k, v] of Object.entries(raw)) {
        if (k === 'dynamic' && isJsonObject(v)) {
          // dynamic "name" { for_each = ...; content { ... name.value ... } }
          for (const [blockName, specs] of Object.entries(v)) {
            if (!Array.isArray(specs)) continue;
            for (const spec of specs) {
              if (!isJsonObject(spec)) continue;
              await visitJson(spec.for_each ?? null, bound);
              await visitJson(spec.content ?? null, new Set([...bound, blockName]));
            }
          }
        } else {
          await visitJson(v, bound);
        }
      }
    }
  };
  const bound = ALWAYS_BOUND;
  for (const body of module.variables.values()) {
    // `type` is a type constraint (list(string), object({...})), not an expression.
    await visitJson(Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'type')), bound);
  }
  for (const raw of module.locals.values()) await visitJson(raw, bound);
  for (const body of module.resources.values()) await visitJson(body, bound);
  for (const body of module.data.values()) await visitJson(body, bound);
  for (const body of module.outputs.values()) await visitJson(body, bound);
  for (const body of module.modules.values()) await visitJson(body, bound);
  for (const body of module.providers.values()) await visitJson(body, bound);
  return out;
}
