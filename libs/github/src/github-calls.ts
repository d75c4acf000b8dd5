/**
 * What the GitHub adapter's parts share: the routes they call (named in errors), the calls made
 * through Octokit with their failures mapped to domain errors, the commit → tree cache, and the
 * shapes GitHub answers with mapped to the port's.
 */
import { TransientError } from '@driftwarden/domain';
import type { GitHubApi, GitHubOctokit } from './github-client.factory';
import { GITHUB_ERROR_CODES, gitHubErrorMessages, gitHubMessage, isHttpErrorLike, mapGitHubError } from './github.errors';
import type { IssueInfo, LabelSpec, PullRequestInfo, RepoRef } from './github-repo-client.port';

/** The label every pull request and issue driftwarden opens carries (and issues are searched by). */
export const DRIFTWARDEN_LABEL = 'driftwarden';
export const DEFAULT_LABEL_COLOR = 'ededed';
export const PAGE_SIZE = 100;
const SHA = /^[0-9a-f]{40}$/;

/** The routes the adapter calls, as GitHub documents them (and as errors name them). */
export const R = {
  getRef: 'GET /repos/{owner}/{repo}/git/ref/{ref}',
  createRef: 'POST /repos/{owner}/{repo}/git/refs',
  updateRef: 'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
  getTree: 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  createTree: 'POST /repos/{owner}/{repo}/git/trees',
  getBlob: 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
  getCommit: 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
  createCommit: 'POST /repos/{owner}/{repo}/git/commits',
  getContent: 'GET /repos/{owner}/{repo}/contents/{path}',
  listPulls: 'GET /repos/{owner}/{repo}/pulls',
  createPull: 'POST /repos/{owner}/{repo}/pulls',
  updatePull: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  listLabels: 'GET /repos/{owner}/{repo}/labels',
  createLabel: 'POST /repos/{owner}/{repo}/labels',
  addLabels: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
  createComment: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  listComments: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  listIssues: 'GET /repos/{owner}/{repo}/issues',
  createIssue: 'POST /repos/{owner}/{repo}/issues',
  updateIssue: 'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
  graphql: 'POST /graphql',
} as const;

/** A 40-character SHA from an answer, or a transient `github_malformed` naming the request. */
export function checkedSha(value: unknown, request: string): string {
  if (typeof value === 'string' && SHA.test(value)) return value;
  throw new TransientError(
    `GitHub ${request}: expected a 40-character SHA in the answer, got ${typeof value}`,
    GITHUB_ERROR_CODES.malformed,
  );
}

export function full(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`;
}

export function isStatus(err: unknown, ...statuses: number[]): boolean {
  return isHttpErrorLike(err) && statuses.includes(err.status);
}

/** Whether GitHub's message (or one of its `errors`) matches. */
export function mentions(err: unknown, pattern: RegExp): boolean {
  if (!isHttpErrorLike(err)) return false;
  const data = err.response?.data;
  return pattern.test(gitHubMessage(data) ?? '') || gitHubErrorMessages(data).some((m) => pattern.test(m));
}

/**
 * The Octokit client with what every part of the adapter needs around it: failures mapped to
 * domain errors (secrets redacted), and the tree of each commit seen (a commit's tree never
 * changes, so a commit on a head just listed needs no read).
 */
export class GitHubCalls {
  readonly octokit: GitHubOctokit;
  /** commit sha → tree sha. */
  readonly commitTrees = new Map<string, string>();

  constructor(readonly api: GitHubApi) {
    this.octokit = api.octokit;
  }

  async call<T>(request: string, what: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err, request, what);
    }
  }

  mapError(err: unknown, request: string, what: string | undefined): unknown {
    return mapGitHubError(err, { request, what, secrets: this.api.secrets, nowMs: this.api.now() });
  }
}

// --- answers → the port's shapes ------------------------------------------------------------

/** The fields of a pull request (full or "simple") the adapter reads. */
export interface PullLike {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body: string | null;
  merged_at: string | null;
  merged?: boolean;
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string };
  labels: Array<{ name?: string }>;
}

export interface IssueLike {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body?: string | null;
  labels: Array<string | { name?: string }>;
  pull_request?: unknown;
}

export function labelNames(labels: ReadonlyArray<string | { name?: string }>): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((n) => n.length > 0);
}

export function toPullRequest(p: PullLike): PullRequestInfo {
  return {
    number: p.number,
    htmlUrl: p.html_url,
    state: p.state === 'closed' ? 'closed' : 'open',
    merged: p.merged ?? p.merged_at !== null,
    title: p.title,
    body: p.body ?? '',
    headRef: p.head.ref,
    headSha: p.head.sha,
    baseRef: p.base.ref,
    labels: labelNames(p.labels),
  };
}

export function toIssue(i: IssueLike): IssueInfo {
  return {
    number: i.number,
    htmlUrl: i.html_url,
    state: i.state === 'closed' ? 'closed' : 'open',
    title: i.title,
    body: i.body ?? '',
    labels: labelNames(i.labels),
    ...(i.pull_request !== undefined && i.pull_request !== null ? { isPullRequest: true } : {}),
  };
}

export function labelSpec(label: string | LabelSpec): LabelSpec {
  return typeof label === 'string' ? { name: label } : label;
}
