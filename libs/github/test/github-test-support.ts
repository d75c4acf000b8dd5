/**
 * Builds what the GitHub specs test: a validating sandbox with a small Terraform repository,
 * and a client pointed at it with tiny waits. Also runs git against the sandbox's repository.
 */
import { execFileSync } from 'node:child_process';
import {
  createGitHubRepoClient,
  type GitHubClientOptions,
  type GitHubLogger,
  type OctokitGitHubRepoClient,
  type RepoRef,
} from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';

export const REPO: RepoRef = { owner: 'acme', name: 'infra' };

export const STACK_FILES: Record<string, string> = {
  'README.md': '# infra\n',
  'stacks/prod/main.tf': [
    'resource "aws_security_group" "workers" {',
    '  name = "workers"',
    '',
    '  ingress {',
    '    from_port   = 8080',
    '    to_port     = 8080',
    '    protocol    = "tcp"',
    '    cidr_blocks = ["10.0.0.0/8"]',
    '  }',
    '}',
    '',
  ].join('\n'),
  'stacks/prod/variables.tf': 'variable "region" {}\n',
  'stacks/prod/modules/net/main.tf': '# net\n',
  'stacks/dev/main.tf': '# dev\n',
};

export const silentLogger: GitHubLogger & { warnings: string[] } = {
  warnings: [],
  debug: () => undefined,
  info: () => undefined,
  warn(message: string) {
    this.warnings.push(message);
  },
  error(message: string) {
    this.warnings.push(message);
  },
};

/** A sandbox that validates every request and answer against GitHub's OpenAPI description. */
export function startSandbox(options: sandbox.GitHubSandboxOptions = {}): Promise<sandbox.GitHubSandbox> {
  return sandbox.GitHubSandbox.start({ validate: true, files: STACK_FILES, ...options });
}

/** The adapter against the sandbox: no write spacing, 1 ms backoff unit, quiet. */
export function clientFor(target: sandbox.GitHubSandbox, overrides: Partial<GitHubClientOptions> = {}): OctokitGitHubRepoClient {
  return createGitHubRepoClient({
    apiUrl: target.url,
    auth: { type: 'token', token: sandbox.DEFAULT_SANDBOX_TOKEN },
    writeSpacingMs: 0,
    backoffUnitMs: 1,
    requestTimeoutMs: 5_000,
    logger: silentLogger,
    ...overrides,
  });
}

/** `git --git-dir=<sandbox repository> …` → stdout. */
export function git(target: sandbox.GitHubSandbox, ...args: string[]): string {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  return execFileSync('git', [`--git-dir=${target.gitDir}`, ...args], {
    env: { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).toString('utf8');
}

/** The sandbox saw only conformant requests, gave only conformant answers, and never crashed. */
export function expectConformant(target: sandbox.GitHubSandbox): void {
  expect(target.requestProblems).toEqual([]);
  expect(target.responseProblems).toEqual([]);
  expect(target.internalErrors).toEqual([]);
}

/** The calls to one route (by template), e.g. `PATCH /repos/{owner}/{repo}/git/refs/{ref}`. */
export function callsTo(target: sandbox.GitHubSandbox, methodAndRoute: string): sandbox.SandboxCall[] {
  return target.calls.filter((c) => `${c.method} ${c.route ?? c.path}` === methodAndRoute);
}
