/**
 * Reading and validating `driftwarden.yaml`: YAML → `env:` substitution → schema → resolved
 * paths. Every problem found is reported at once, in a `ConfigError`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Alias, LineCounter, isNode, parseDocument, visit, type Document } from 'yaml';
import { ConfigError, type ConfigProblem } from './config.errors';
import { coveredBy, issuesToProblems } from './config-issues';
import { configSchema, type DriftwardenConfig } from './config.schema';
import { resolveEnvReferences, type Env } from './env-references';

export interface ParseConfigOptions {
  /** Where `env:NAME` values are read from. */
  env: Env;
  /** How the file is named in messages, e.g. `driftwarden.yaml`. */
  source?: string;
  /** The folder relative paths (`state.file`) are resolved against; default: the working directory. */
  baseDir?: string;
}

/** Parses and validates the YAML text of a config file; throws `ConfigError` listing every problem. */
export function parseConfig(text: string, opts: ParseConfigOptions): DriftwardenConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: true });
  const syntax = yamlProblems(doc, lineCounter);
  if (syntax.length > 0) throw new ConfigError(syntax, opts.source);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // e.g. an alias expanding too much; the message names no value
    throw new ConfigError([{ path: '', message: `YAML error: ${err instanceof Error ? err.message : String(err)}` }], opts.source);
  }
  if (data === null || data === undefined) {
    throw new ConfigError([{ path: '', message: 'expected a YAML mapping of settings, found an empty document' }], opts.source);
  }
  return validate(data, opts, (problemPath) => positionOf(doc, lineCounter, problemPath));
}

/** Validates already-parsed data (a JSON or YAML object); same rules as `parseConfig`. */
export function parseConfigObject(data: unknown, opts: ParseConfigOptions): DriftwardenConfig {
  return validate(data, opts, () => undefined);
}

/** Reads and validates a config file; `state.file` paths are resolved against its folder. */
export function loadConfigFile(file: string, env: Env): DriftwardenConfig {
  const absolute = path.resolve(file);
  const source = displayPath(absolute);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: readFailure(err, absolute) }], source, { cause: err });
  }
  return parseConfig(text, { env, source, baseDir: path.dirname(absolute) });
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function displayPath(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
}

function readFailure(err: unknown, absolute: string): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  switch (code) {
    case 'ENOENT':
      return `cannot read the config file ${absolute}: it does not exist (set DRIFTWARDEN_CONFIG to its path)`;
    case 'EISDIR':
      return `cannot read the config file ${absolute}: it is a directory`;
    case 'EACCES':
      return `cannot read the config file ${absolute}: permission denied`;
    default:
      return `cannot read the config file ${absolute}: ${code || (err instanceof Error ? err.message : String(err))}`;
  }
}

type Locate = (problemPath: readonly PropertyKey[]) => { line: number; column: number } | undefined;

function validate(data: unknown, opts: ParseConfigOptions, locate: Locate): DriftwardenConfig {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const found = Array.isArray(data) ? 'a list' : data === null ? 'an empty value' : `a ${typeof data}`;
    throw new ConfigError([{ path: '', message: `expected a mapping of settings at the top level, found ${found}` }], opts.source);
  }
  const env = resolveEnvReferences(data, opts.env);
  const parsed = configSchema.safeParse(env.value);
  const problems: (ConfigProblem & { order: number })[] = [];
  const add = (problem: ConfigProblem, problemPath: readonly PropertyKey[]) => {
    const position = locate(problemPath);
    problems.push({ ...problem, ...position, order: problems.length });
  };
  env.problems.forEach((problem, i) => add(problem, env.unresolved[i]));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (coveredBy(env.unresolved, issue.path)) continue; // already reported as a missing variable
      for (const { problem, segments } of issuesToProblems([issue], {
        data: env.value,
        schema: configSchema,
        envPaths: env.envPaths,
      })) {
        add(problem, segments);
      }
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(sortByPosition(problems), opts.source);
  }
  return resolvePaths(parsed.data, opts.baseDir ?? process.cwd());
}

/** In file order where the position is known, otherwise in the order found. */
function sortByPosition(problems: (ConfigProblem & { order: number })[]): ConfigProblem[] {
  return [...problems]
    .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0) || a.order - b.order)
    .map(({ order: _order, ...problem }) => problem);
}

function resolvePaths(config: DriftwardenConfig, baseDir: string): DriftwardenConfig {
  return {
    ...config,
    stacks: config.stacks.map((stack) =>
      'file' in stack.state ? { ...stack, state: { ...stack.state, file: path.resolve(baseDir, stack.state.file) } } : stack,
    ),
    policies: { ...config.policies, files: config.policies.files.map((f) => path.resolve(baseDir, f)) },
  };
}

// ---------------------------------------------------------------------------------------------
// YAML positions
// ---------------------------------------------------------------------------------------------

function yamlProblems(doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (offset: number, message: string) => {
    const { line, col } = lineCounter.linePos(offset);
    problems.push({ path: '', message: `YAML syntax error at line ${line}, column ${col}: ${message}`, line, column: col });
  };
  // The parser's own messages name no configured value (no source excerpt with prettyErrors off).
  for (const error of [...doc.errors, ...doc.warnings]) at(error.pos[0], error.message);
  if (problems.length === 0) {
    visit(doc, {
      Alias(_key, node: Alias) {
        if (node.resolve(doc) === undefined) {
          at(node.range?.[0] ?? 0, `unknown alias *${node.source} (the anchor &${node.source} must be defined before it is used)`);
        }
      },
    });
  }
  return problems;
}

function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  problemPath: readonly PropertyKey[],
): { line: number; column: number } | undefined {
  // The deepest node that exists on the path (a missing key points at its parent mapping).
  for (let depth = problemPath.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(problemPath.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}
