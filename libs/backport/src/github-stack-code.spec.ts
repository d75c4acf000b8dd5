import { join } from 'node:path';
import { createGitHubRepoClient, type GitHubLogger } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { GitHubStackCode, blockAddress } from './github-stack-code';

const quiet: GitHubLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const STACK = { stack: 'network', repo: { owner: 'acme', name: 'infra' }, baseBranch: 'main', path: 'terraform/network' };

describe('GitHubStackCode: lifecycle.ignore_changes through GitHub, cached per commit', () => {
  let gh: sandbox.GitHubSandbox;
  let now = 0;
  let code: GitHubStackCode;

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
    code = new GitHubStackCode(client, [STACK], { headTtlMs: 1_000, now: () => now });
  });
  afterEach(() => gh.close());

  it('reads the block of the address (an instance index dropped), and asks GitHub again only when the head may have moved', async () => {
    const first = await code.ignoreChanges('network', 'aws_autoscaling_group.checkout');
    expect(first).toMatchObject({ read: true, path: 'terraform/network/autoscaling.tf', ignored: ['desired_capacity'] });
    const calls = gh.calls.length;
    expect(await code.ignoreChanges('network', 'aws_autoscaling_group.checkout')).toEqual(first);
    expect(await code.ignoreChanges('network', 'aws_security_group.web')).toMatchObject({ read: true, ignored: [] });
    expect(gh.calls.length).toBe(calls);

    // A commit changes the code: after the head's TTL the new commit is read.
    await gh.commit(
      'main',
      {
        'terraform/network/autoscaling.tf': (await gh.readFile('main', 'terraform/network/autoscaling.tf'))!.replace(
          '[desired_capacity]',
          '[desired_capacity, max_size]',
        ),
      },
      'ignore max_size',
    );
    now += 1_001;
    const second = await code.ignoreChanges('network', 'aws_autoscaling_group.checkout');
    expect(second).toMatchObject({ read: true, ignored: ['desired_capacity', 'max_size'] });
    expect(second.read && first.read && second.commit !== first.commit).toBe(true);
  });

  it('never throws: GitHub down, an unknown stack or address is "not read" with the reason (a GitHub failure is not remembered)', async () => {
    // GitHub unreachable (nothing listens on port 9): not read, and not remembered for later.
    const dead = new GitHubStackCode(
      createGitHubRepoClient({
        apiUrl: 'http://127.0.0.1:9',
        auth: { type: 'token', token: 't' },
        writeSpacingMs: 0,
        backoffUnitMs: 1,
        logger: quiet,
      }),
      [STACK],
    );
    const down = await dead.ignoreChanges('network', 'aws_autoscaling_group.checkout');
    expect(down).toMatchObject({ read: false, reason: expect.stringContaining('GitHub:') as string });
    expect((dead as unknown as { answers: Map<string, unknown>; heads: Map<string, unknown> }).heads.size).toBe(0);
    expect(await code.ignoreChanges('network', 'aws_autoscaling_group.checkout')).toMatchObject({ read: true });
    expect(await code.ignoreChanges('other', 'aws_autoscaling_group.checkout')).toEqual({
      read: false,
      reason: 'stack other has no repository configured (stacks[].repo)',
    });
    expect(await code.ignoreChanges('network', 'aws_autoscaling_group.nope')).toMatchObject({
      read: false,
      reason: expect.stringContaining('declares aws_autoscaling_group.nope') as string,
    });
    expect(blockAddress('module.a.aws_instance.b["x"]')).toBe('module.a.aws_instance.b');
  });
});
