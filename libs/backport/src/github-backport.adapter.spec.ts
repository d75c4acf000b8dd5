import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createGitHubRepoClient, type GitHubLogger } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { backportBranch, GitHubBackport } from './github-backport.adapter';
import { sampleWorkersBackportDrift, WORKERS_PARTNER_8080 } from './testing';

const quiet: GitHubLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const MAIN_TF = 'terraform/network/main.tf';

describe('GitHubBackport against the GitHub sandbox (real HTTP, real git)', () => {
  let gh: sandbox.GitHubSandbox;
  let backport: GitHubBackport;
  const git = (...args: string[]) =>
    execFileSync('git', [`--git-dir=${gh.gitDir}`, ...args], {
      env: { PATH: process.env.PATH ?? '', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    }).toString('utf8');

  beforeEach(async () => {
    gh = await sandbox.GitHubSandbox.start({
      validate: true,
      fromDirectory: join(__dirname, '..', '..', '..', 'examples', 'demo', 'infra'),
    });
    const client = createGitHubRepoClient({
      apiUrl: gh.url,
      auth: { type: 'token', token: sandbox.DEFAULT_SANDBOX_TOKEN },
      writeSpacingMs: 0,
      backoffUnitMs: 1,
      logger: quiet,
    });
    backport = new GitHubBackport(client, [
      { stack: 'network', repo: { owner: 'acme', name: 'infra' }, baseBranch: 'main', path: 'terraform/network' },
    ]);
  });
  afterEach(async () => {
    expect(gh.requestProblems).toEqual([]);
    expect(gh.internalErrors).toEqual([]);
    await gh.close();
  });

  it('a reviewer who pushes to the backport branch while a later drift is committed keeps their change: the edit is made again on their version', async () => {
    const first = await backport.openOrUpdate(sampleWorkersBackportDrift(new Date()));
    expect(first.kind).toBe('pull_request');
    const branch = backportBranch('sg-0b22c0ffee0000002');
    // Between the read of the branch and the move of its ref, the reviewer pushes a comment.
    gh.beforeNext({ method: 'PATCH', route: '/repos/{owner}/{repo}/git/refs/{ref}' }, async () => {
      const theirs = `${(await gh.readFile(branch, MAIN_TF)) ?? ''}\n# Reviewed by bob: partner callbacks move to their /24.\n`;
      await gh.commit(branch, { [MAIN_TF]: theirs }, 'Review note');
    });
    const second = await backport.openOrUpdate(sampleWorkersBackportDrift(new Date(), [WORKERS_PARTNER_8080]));
    expect(second.kind).toBe('pull_request');
    expect(gh.pullRequests()).toHaveLength(1);
    const file = git('show', `${branch}:${MAIN_TF}`);
    expect(file).toContain('# Reviewed by bob: partner callbacks move to their /24.');
    expect(file).toContain('"203.0.113.0/24"');
    expect(git('log', '--format=%s', `main..${branch}`).trim().split('\n')).toEqual([
      expect.stringMatching(/^Backport /),
      'Review note',
      expect.stringMatching(/^Backport /),
    ]);
    // Real git and a validating HTTP sandbox: seconds alone, far more on a busy machine (the timeout only catches a hang).
  }, 120_000);

  it('a policy that forbids `backport` (outcome tracking_issue) gets a tracking issue, never a pull request', async () => {
    const sample = sampleWorkersBackportDrift(new Date());
    const drift = {
      ...sample,
      decision: {
        ...sample.decision,
        policy: {
          proposed: 'backport' as const,
          outcome: 'tracking_issue' as const,
          matched: [{ id: 'pci-backports-by-hand', source: 'policies/pci.cedar:3' }],
        },
      },
    };
    const result = await backport.openOrUpdate(drift);
    expect(result.kind).toBe('issue');
    expect(result.reason).toContain('policy pci-backports-by-hand (policies/pci.cedar:3) forbids a generated backport pull request');
    expect(gh.pullRequests()).toEqual([]);
    const [issue] = gh.allIssues();
    expect(issue.body).toContain('pci-backports-by-hand');
    expect(git('branch', '--list', backportBranch('sg-0b22c0ffee0000002')).trim()).toBe('');
  }, 120_000);
});
