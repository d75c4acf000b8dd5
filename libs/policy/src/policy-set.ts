import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cedarEngine, type DetailedError } from './cedar';
import { PolicyLoadError, type PolicyProblem } from './policy.errors';
import { policySchema } from './policy-schema';

/** One policy as loaded: its id (`@id("…")`, else `file:line`), where it is written, and its text. */
export interface LoadedPolicy {
  id: string;
  file: string;
  line: number;
  text: string;
}

export interface PolicySource {
  /** The path as it is shown in messages and in `source` (relative to the working directory when inside it). */
  file: string;
  text: string;
}

/** The id of the built-in `permit` every decision starts from: policies are `forbid`s that take it away. */
export const BASELINE_POLICY_ID = 'driftwarden.baseline';
const BASELINE = 'permit (principal, action, resource);';

/** Reads the files named by `policies.files`; a missing or unreadable one is a problem named by its key. */
export function readPolicyFiles(files: readonly string[], opts: { key?: string; cwd?: string } = {}): PolicySource[] {
  const key = opts.key ?? 'policies.files';
  const problems: PolicyProblem[] = [];
  const sources: PolicySource[] = [];
  files.forEach((file, i) => {
    const shown = displayPath(file, opts.cwd);
    try {
      sources.push({ file: shown, text: readFileSync(file, 'utf8') });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
      problems.push({ file: shown, message: `cannot read the policy file named by ${key}[${i}]: ${why}` });
    }
  });
  if (problems.length > 0) throw new PolicyLoadError(problems);
  return sources;
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * Parses policy texts (Cedar), checks that each is a `forbid` with a unique id, and validates the
 * set against driftwarden's schema. Throws `PolicyLoadError` with the file, line and column of
 * every problem; nothing is half-loaded.
 */
export function parsePolicies(sources: readonly PolicySource[], timeZones: readonly string[]): LoadedPolicy[] {
  const problems: PolicyProblem[] = [];
  const policies: LoadedPolicy[] = [];
  for (const source of sources) {
    const parsed = cedarEngine().checkParsePolicySet({ staticPolicies: source.text });
    if (parsed.type === 'failure') {
      problems.push(...located(source, 0, 1, parsed.errors));
      continue;
    }
    const parts = cedarEngine().policySetTextToParts(source.text);
    if (parts.type === 'failure') {
      problems.push(...located(source, 0, 1, parts.errors));
      continue;
    }
    if (parts.policy_templates.length > 0) {
      const at = lineAt(source.text, source.text.indexOf(parts.policy_templates[0]));
      problems.push({
        file: source.file,
        line: at,
        message: 'policy templates (?principal, ?resource slots) are not supported: write a static forbid',
      });
    }
    let cursor = 0;
    for (const text of parts.policies) {
      const start = source.text.indexOf(text, cursor);
      const offset = start >= 0 ? start : cursor;
      cursor = offset + (start >= 0 ? text.length : 0);
      const line = lineAt(source.text, offset);
      const json = cedarEngine().policyToJson(text);
      if (json.type === 'failure') {
        problems.push(...located(source, offset, line, json.errors));
        continue;
      }
      if (json.json.effect !== 'forbid') {
        problems.push({
          file: source.file,
          line,
          message:
            'only forbid policies are allowed: policies can only make a decision stricter (a permit could not make one looser, so it would only mislead)',
        });
        continue;
      }
      const id = json.json.annotations?.id ?? `${source.file}:${line}`;
      policies.push({ id, file: source.file, line, text });
    }
  }
  const byId = new Map<string, LoadedPolicy>();
  for (const p of policies) {
    const first = byId.get(p.id);
    if (p.id === BASELINE_POLICY_ID) problems.push({ file: p.file, line: p.line, message: `the id ${BASELINE_POLICY_ID} is reserved` });
    else if (first)
      problems.push({
        file: p.file,
        line: p.line,
        message: `duplicate policy id ${JSON.stringify(p.id)} (first at ${first.file}:${first.line})`,
      });
    else byId.set(p.id, p);
  }
  if (problems.length === 0 && policies.length > 0) problems.push(...validate(policies, timeZones));
  if (problems.length > 0) throw new PolicyLoadError(problems);
  return policies;
}

/** Strict validation against the schema: a misspelt attribute, a wrong type, an unguarded optional attribute. */
function validate(policies: readonly LoadedPolicy[], timeZones: readonly string[]): PolicyProblem[] {
  const answer = cedarEngine().validate({
    schema: policySchema(timeZones),
    policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) },
  });
  if (answer.type === 'failure') {
    // The schema is ours: a failure here is a bug in driftwarden, said as such.
    return [{ file: '(driftwarden schema)', message: answer.errors.map((e) => e.message).join('; ') }];
  }
  const byId = new Map(policies.map((p) => [p.id, p]));
  const seen = new Set<string>();
  const problems: PolicyProblem[] = [];
  for (const v of answer.validationErrors) {
    const policy = byId.get(v.policyId);
    if (!policy) continue;
    const offset = byteToIndex(policy.text, v.error.sourceLocations?.[0]?.start ?? 0);
    const { line, column } = position(policy.text, offset);
    // The validator reports a problem once per action the policy applies to: once is enough.
    const what = v.error.message.replace(/^for policy `[^`]*`, /, '').replace(/ for Action::"[a-z_]+"$/, '');
    const message = `${what}${v.error.help ? ` (${v.error.help})` : ''}`;
    const key = `${policy.id}|${offset}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ file: policy.file, line: policy.line + line - 1, column, message });
  }
  return problems;
}

function located(source: PolicySource, base: number, baseLine: number, errors: DetailedError[]): PolicyProblem[] {
  return errors.map((e) => {
    const loc = e.sourceLocations?.[0];
    const label = loc?.label ? ` (${loc.label})` : '';
    const message = `${e.message.replace(/^failed to parse policies from string: /, '')}${label}${e.help ? `; ${e.help}` : ''}`;
    if (!loc) return { file: source.file, line: baseLine, message };
    const { line, column } = position(source.text, base + byteToIndex(source.text.slice(base), loc.start));
    return { file: source.file, line, column, message };
  });
}

/** Cedar reports UTF-8 byte offsets; JavaScript strings index UTF-16 units. */
function byteToIndex(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}

function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

function lineAt(text: string, index: number): number {
  return position(text, Math.max(0, index)).line;
}

/** The policy set Cedar evaluates: the baseline permit and the loaded forbids, by id. */
export function policySetOf(policies: readonly LoadedPolicy[]): Record<string, string> {
  return { [BASELINE_POLICY_ID]: BASELINE, ...Object.fromEntries(policies.map((p) => [p.id, p.text])) };
}
