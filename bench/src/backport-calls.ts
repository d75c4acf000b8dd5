/**
 * GitHub API calls for one backport: GitHubBackport.openOrUpdate against the GitHub sandbox (a
 * real HTTP server over a git repository seeded with examples/demo/infra), for a break-glass
 * change during an incident that closed tcp/8080 from 0.0.0.0/0 on sg-0b22c0ffee0000002
 * (aws_security_group.workers, stack network). Counts every HTTP request the Octokit client made
 * (its `calls`, retries included) and lists them. Target: ≤ 7.
 *
 * Then a second drift on the same resource (tcp/8080 opened again, to the partner's /24 only), which adds a
 * commit to the same branch and updates the same PR: reported as `update`, no target.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GitHubBackport } from '@driftwarden/backport';
import { sampleWorkersBackportDrift, WORKERS_PARTNER_8080 } from '@driftwarden/backport/testing';
import { createGitHubRepoClient, gitHubClientOptionsFromConfig, type GitHubCall } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { findRepoRoot } from './util';

export interface BackportCallsResult {
  calls: number;
  /** `METHOD /path` of each request, in order. */
  list: string[];
  kind: 'pull_request' | 'issue';
  /** What the sandbox saw (operation ids), for cross-checking the client's count. */
  sandboxCalls: number;
  ms: number;
  /** The second drift on the same resource: a commit on the existing branch, the same PR updated. */
  update: { calls: number; list: string[]; kind: 'pull_request' | 'issue' };
}

export async function backportCalls(): Promise<BackportCallsResult> {
  const token = randomBytes(18).toString('base64url');
  const gh = await sandbox.GitHubSandbox.start({ fromDirectory: join(findRepoRoot(), 'examples', 'demo', 'infra'), tokens: [token] });
  try {
    const seen: GitHubCall[] = [];
    const client = createGitHubRepoClient(
      gitHubClientOptionsFromConfig(
        { apiUrl: gh.url, token, webhookSecret: randomBytes(12).toString('hex') },
        { writeSpacingMs: 0, onCall: (c) => seen.push(c) },
      ),
    );
    const backport = new GitHubBackport(client, [
      { stack: 'network', repo: { owner: 'acme', name: 'infra' }, baseBranch: 'main', path: 'terraform/network' },
    ]);
    const t0 = performance.now();
    const result = await backport.openOrUpdate(sampleWorkersBackportDrift(new Date()));
    const ms = performance.now() - t0;
    const first = {
      calls: client.calls,
      list: seen.map((c) => `${c.method} ${decodeURIComponent(c.path)} ${c.status}`),
      kind: result.kind,
      sandboxCalls: gh.calls.length,
      ms,
    };
    const before = seen.length;
    const again = await backport.openOrUpdate(sampleWorkersBackportDrift(new Date(), [WORKERS_PARTNER_8080]));
    const later = seen.slice(before);
    return {
      ...first,
      update: { calls: later.length, list: later.map((c) => `${c.method} ${decodeURIComponent(c.path)} ${c.status}`), kind: again.kind },
    };
  } finally {
    await gh.close();
  }
}
