import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { applyPolicies, type PolicyAction } from '@driftwarden/domain';
import type { PolicyRequest } from '@driftwarden/pipeline';
import { CedarPolicies } from './cedar-policies';
import { PolicyLoadError, type PolicyProblem } from './policy.errors';
import { displayPath, readPolicyFiles } from './policy-set';

/**
 * Policy fixtures (`driftwarden policy test DIR`, docs/policies.md "Testing policies"): a folder
 * holds the policies (`*.cedar`, loaded together as `policies.files` would load them) and one or
 * more fixture files (`*.tests.yaml`), each a list of decisions of the table with the outcome the
 * policies must give them.
 */

const PRINCIPAL_CLASSES = ['iac', 'breakGlass', 'self', 'other', 'unknown'] as const;
const FREEZE_TYPES = ['incident', 'manual', 'window', 'cooldown', 'unknown'] as const;
const AXES = ['exposure', 'capacity', 'protection'] as const;
const EFFECTS = ['widens', 'narrows', 'raises', 'lowers', 'weakens', 'strengthens', 'neutral'] as const;
const TABLE_DECISIONS = ['revert', 'await_approval', 'backport', 'hold'] as const;
const OUTCOMES = ['revert', 'await_approval', 'backport', 'tracking_issue', 'hold'] as const;

const isoTime = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO time such as 2026-12-08T09:00:00Z, found ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return d;
});

const difference = z.strictObject({
  id: z.string().default('difference-1'),
  sentence: z.string().default(''),
  side: z.enum(['added', 'removed', 'changed']).default('added'),
  axis: z.enum(AXES).default('exposure'),
  change: z.enum(EFFECTS),
  revert: z.enum(EFFECTS),
  madeBy: z.enum(PRINCIPAL_CLASSES).default('other'),
});

const resource = z.strictObject({
  type: z.string().optional(),
  kind: z.string().optional(),
  id: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  critical: z.boolean().optional(),
  stack: z.string().optional(),
  address: z.string().optional(),
  differences: z.array(difference).optional(),
});

const caseFields = {
  principal: z.strictObject({ class: z.enum(PRINCIPAL_CLASSES), arn: z.string().optional(), session: z.string().optional() }).optional(),
  resource: resource.optional(),
  difference: difference.optional(),
  rule: z.int().min(1).max(6).optional(),
  freeze: z
    .strictObject({
      frozen: z.boolean().default(false),
      sources: z.array(z.enum(FREEZE_TYPES)).default([]),
      atChange: z
        .strictObject({
          declared: z.boolean().default(false),
          unknown: z.boolean().default(false),
          withinLookback: z.boolean().default(false),
          sources: z.array(z.enum(FREEZE_TYPES)).default([]),
        })
        .optional(),
    })
    .optional(),
  incident: z
    .strictObject({
      provider: z.string().default('pagerduty'),
      id: z.string(),
      title: z.string().default(''),
      open: z.boolean().default(true),
    })
    .nullable()
    .optional(),
  at: isoTime.optional(),
  dryRun: z.boolean().optional(),
};

const fixtureFile = z.strictObject({
  timeZones: z.array(z.string()).default([]),
  defaults: z.strictObject(caseFields).default({}),
  cases: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        decision: z.enum(TABLE_DECISIONS),
        ...caseFields,
        expect: z.strictObject({
          decision: z.enum(OUTCOMES),
          /** Exactly these policy ids forbade a rung (any order); leave out to not check. */
          policies: z.array(z.string()).optional(),
        }),
      }),
    )
    .min(1),
});

type FixtureFile = z.output<typeof fixtureFile>;
type FixtureCase = FixtureFile['cases'][number];

export interface PolicyTestResult {
  file: string;
  name: string;
  ok: boolean;
  decision: PolicyAction;
  expected: { decision: PolicyAction; policies?: string[] };
  actual: { decision: PolicyAction; policies: string[] };
}

export interface PolicyTestRun {
  /** The policy files loaded (relative to the working directory when inside it). */
  policyFiles: string[];
  results: PolicyTestResult[];
}

/** A fixture folder that cannot be run: missing, no policies, a bad fixture file, or invalid policies. */
export class PolicyFixtureError extends Error {
  override readonly name = 'PolicyFixtureError';
  constructor(readonly problems: PolicyProblem[]) {
    super(problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n'));
  }
}

/** Loads the policies and fixtures of a folder and runs every case. Throws `PolicyFixtureError` or `PolicyLoadError`. */
export function runPolicyTests(dir: string, opts: { cwd?: string } = {}): PolicyTestRun {
  const shownDir = displayPath(path.resolve(dir), opts.cwd);
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new PolicyFixtureError([{ file: shownDir, message: 'not a directory' }]);
    names = readdirSync(dir).sort();
  } catch (err) {
    if (err instanceof PolicyFixtureError) throw err;
    throw new PolicyFixtureError([
      { file: shownDir, message: `cannot read the folder: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
    ]);
  }
  const policyFiles = names.filter((n) => n.endsWith('.cedar')).map((n) => path.join(dir, n));
  const fixtureFiles = names.filter((n) => n.endsWith('.tests.yaml') || n.endsWith('.tests.yml')).map((n) => path.join(dir, n));
  const missing: PolicyProblem[] = [];
  if (policyFiles.length === 0) missing.push({ file: shownDir, message: 'no policy files (*.cedar) in this folder' });
  if (fixtureFiles.length === 0) missing.push({ file: shownDir, message: 'no fixture files (*.tests.yaml) in this folder' });
  if (missing.length > 0) throw new PolicyFixtureError(missing);

  const fixtures = fixtureFiles.map((f) => ({ file: displayPath(path.resolve(f), opts.cwd), data: readFixture(f, opts.cwd) }));
  const timeZones = [...new Set(fixtures.flatMap((f) => f.data.timeZones))];
  const badZones = timeZones.filter((z) => !validZone(z));
  if (badZones.length > 0) {
    throw new PolicyFixtureError(
      fixtures
        .filter((f) => f.data.timeZones.some((z) => badZones.includes(z)))
        .map((f) => ({ file: f.file, message: `timeZones: expected IANA time zones such as Europe/Berlin, found ${badZones.join(', ')}` })),
    );
  }
  const sources = readPolicyFiles(
    policyFiles.map((f) => path.resolve(f)),
    { key: `the *.cedar files of ${shownDir}`, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
  );
  const policies = CedarPolicies.fromSources(sources, timeZones);
  const results: PolicyTestResult[] = [];
  for (const { file, data } of fixtures) {
    for (const c of data.cases) results.push(runCase(policies, file, c, data.defaults));
  }
  return { policyFiles: sources.map((s) => s.file), results };
}

function readFixture(file: string, cwd?: string): FixtureFile {
  const shown = displayPath(path.resolve(file), cwd);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyFixtureError([{ file: shown, message: `not valid YAML: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  const parsed = fixtureFile.safeParse(raw);
  if (!parsed.success) {
    throw new PolicyFixtureError(parsed.error.issues.map((i) => ({ file: shown, message: `${formatPath(i.path)}: ${i.message}` })));
  }
  return parsed.data;
}

function formatPath(p: readonly PropertyKey[]): string {
  if (p.length === 0) return '(top level)';
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`)).join('');
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

type Fields = Omit<FixtureCase, 'name' | 'decision' | 'expect'>;

function runCase(policies: CedarPolicies, file: string, c: FixtureCase, defaults: Fields): PolicyTestResult {
  const request = requestOf(file, c, defaults);
  const gated = applyPolicies({ action: c.decision, reason: c.name }, (a) => policies.check(request, a));
  const actual = { decision: gated.policy?.outcome ?? c.decision, policies: [...new Set(gated.policy?.matched.map((m) => m.id) ?? [])] };
  const sameIds = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
  const ok = actual.decision === c.expect.decision && (c.expect.policies === undefined || sameIds(c.expect.policies, actual.policies));
  return { file, name: c.name, ok, decision: c.decision, expected: c.expect, actual };
}

function requestOf(file: string, c: FixtureCase, d: Fields): PolicyRequest {
  const r = { ...d.resource, ...c.resource, tags: { ...d.resource?.tags, ...c.resource?.tags } };
  const freeze = c.freeze ?? d.freeze;
  const diff = (x: z.output<typeof difference>) => ({
    id: x.id,
    sentence: x.sentence,
    side: x.side,
    direction: { axis: x.axis, change: x.change, revert: x.revert },
    madeBy: x.madeBy,
  });
  const source = (type: (typeof FREEZE_TYPES)[number], i: number) => ({
    id: `fixture-${type}-${i}`,
    type,
    reason: 'fixture',
    since: '',
    until: null,
  });
  const principal = c.principal ?? d.principal ?? { class: 'other' as const };
  const difference_ = c.difference ?? d.difference;
  const incident = c.incident !== undefined ? c.incident : (d.incident ?? null);
  return {
    principal: { arn: principal.arn ?? null, class: principal.class, ...(principal.session ? { session: principal.session } : {}) },
    resource: {
      type: r.type ?? 'AWS::EC2::SecurityGroup',
      kind: r.kind ?? 'security-group',
      id: r.id ?? 'sg-0123456789abcdef0',
      account: r.account ?? '111122223333',
      region: r.region ?? 'eu-west-1',
      tags: r.tags,
      critical: r.critical ?? false,
      ...(r.stack ? { stack: r.stack } : {}),
      ...(r.address ? { address: r.address } : {}),
      differences: (r.differences ?? (difference_ ? [difference_] : [])).map(diff),
    },
    ...(difference_ ? { difference: diff(difference_) } : {}),
    rule: c.rule ?? d.rule ?? defaultRule(c.decision),
    freeze: {
      now: { frozen: freeze?.frozen ?? false, sources: (freeze?.sources ?? []).map(source) },
      atChange: {
        declared: freeze?.atChange?.declared ?? false,
        unknown: freeze?.atChange?.unknown ?? false,
        withinLookback: freeze?.atChange?.withinLookback ?? false,
        sources: (freeze?.atChange?.sources ?? []).map(source),
      },
    },
    incident: incident ? { provider: incident.provider, id: incident.id, title: incident.title, open: incident.open } : null,
    at: c.at ?? d.at ?? fail(file, `case "${c.name}" has no time: give it (or defaults) an \`at\`, e.g. at: 2026-12-08T09:00:00Z`),
    dryRun: c.dryRun ?? d.dryRun ?? false,
  };
}

/** The table row that gives each decision (DESIGN §4). */
function defaultRule(decision: (typeof TABLE_DECISIONS)[number]): number {
  return { backport: 3, hold: 4, await_approval: 5, revert: 6 }[decision];
}

function fail(file: string, message: string): never {
  throw new PolicyFixtureError([{ file, message }]);
}

export { PolicyLoadError };
