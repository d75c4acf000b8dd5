/**
 * GitHub API calls for one backport: GitHubBackport.openOrUpdate against the GitHub sandbox (a
 * real HTTP server over a git repository seeded with examples/demo/infra), for a break-glass
 * change during an incident that closed tcp/8080 from 0.0.0.0/0 on sg-0b22c0ffee0000002
 * (aws_security_group.workers, stack network). Counts every HTTP request the Octokit client made
 * (its `calls`, retries included) and lists them. Target: ≤ 7.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GitHubBackport } from '@driftwarden/backport';
import type { DriftRecord, PermissionRule } from '@driftwarden/domain';
import { createGitHubRepoClient, gitHubClientOptionsFromConfig, sandbox, type GitHubCall } from '@driftwarden/github';
import { findRepoRoot } from './util';

export interface BackportCallsResult {
  calls: number;
  /** `METHOD /path` of each request, in order. */
  list: string[];
  kind: 'pull_request' | 'issue';
  /** What the sandbox saw (operation ids), for cross-checking the client's count. */
  sandboxCalls: number;
  ms: number;
}

const CLOSED_8080: PermissionRule = { direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } };

function workersDrift(now: Date): DriftRecord {
  const at = now.toISOString();
  const changedAt = new Date(now.getTime() - 10 * 60_000).toISOString();
  const incident = { provider: 'pagerduty' as const, id: 'QBENCH0001', number: 4242, title: 'checkout returns 5xx', url: 'https://acme.pagerduty.com/incidents/QBENCH0001' };
  const incidentSource = {
    id: 'inc_pagerduty_QBENCH0001',
    type: 'incident' as const,
    reason: 'pagerduty incident 4242 is open: checkout returns 5xx',
    since: changedAt,
    until: null,
    actor: 'incident:pagerduty',
    incident,
  };
  return {
    id: `drf_bench${randomBytes(4).toString('hex')}`,
    status: 'detected',
    dryRun: false,
    resource: { type: 'AWS::EC2::SecurityGroup', id: 'sg-0b22c0ffee0000002', account: '111122223333', region: 'eu-west-1', address: 'aws_security_group.workers', stack: 'network' },
    decision: { action: 'backport', rule: 3, reason: 'emergency patch (break-glass principal during an incident): backport it to Terraform, never revert' },
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com', class: 'breakGlass', session: 'alice@example.com' },
    changedAt,
    detectedAt: at,
    updatedAt: at,
    diff: { equal: false, extra: [], missing: [CLOSED_8080], attributes: [] },
    evidence: {
      eventIds: ['cfg-bench-1', 'ct-bench-1'],
      configurationStateId: 1_750_000_000_001,
      captureTime: changedAt,
      cloudTrailEventId: 'ct-bench-1',
      freeze: {
        now: { frozen: true, sources: [incidentSource] },
        atChange: { declared: true, unknown: false, withinLookback: false, sources: [incidentSource] },
      },
      rule: 3,
      apiCalls: [],
      explanations: ['closed tcp/8080 to 0.0.0.0/0 on sg-0b22c0ffee0000002 (aws_security_group.workers)'],
    },
    links: { incident },
  };
}

export async function backportCalls(): Promise<BackportCallsResult> {
  const token = randomBytes(18).toString('base64url');
  const gh = await sandbox.GitHubSandbox.start({ fromDirectory: join(findRepoRoot(), 'examples', 'demo', 'infra'), tokens: [token] });
  try {
    const seen: GitHubCall[] = [];
    const client = createGitHubRepoClient(
      gitHubClientOptionsFromConfig({ apiUrl: gh.url, token, webhookSecret: randomBytes(12).toString('hex') }, { writeSpacingMs: 0, onCall: (c) => seen.push(c) }),
    );
    const backport = new GitHubBackport(client, [{ stack: 'network', repo: { owner: 'acme', name: 'infra' }, baseBranch: 'main', path: 'terraform/network' }]);
    const t0 = performance.now();
    const result = await backport.openOrUpdate(workersDrift(new Date()));
    const ms = performance.now() - t0;
    return { calls: client.calls, list: seen.map((c) => `${c.method} ${decodeURIComponent(c.path)} ${c.status}`), kind: result.kind, sandboxCalls: gh.calls.length, ms };
  } finally {
    await gh.close();
  }
}
