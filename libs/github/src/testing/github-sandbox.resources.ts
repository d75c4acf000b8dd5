/**
 * The sandbox's JSON bodies, shaped like GitHub's (`@octokit/openapi`, api.github.com): every
 * field the schemas require is present, URLs point back at the sandbox, dates are GitHub's
 * `2011-01-26T19:01:12Z` format. Pure functions of the sandbox state.
 */
import type { GitCommitInfo } from './git-repository';

export interface ResourceContext {
  /** API base, e.g. `http://127.0.0.1:4000/api/v3`. */
  apiUrl: string;
  /** "Web" base for html_url, e.g. `http://127.0.0.1:4000`. */
  webUrl: string;
  owner: string;
  repo: string;
  repoId: number;
  ownerId: number;
  createdAt: string;
}

export interface SandboxUser {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
}

export interface SandboxLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface SandboxPull {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  /** Branch names in this repository. */
  head: string;
  base: string;
  /** Head SHA when the PR was closed (the branch may move or go away later). */
  closedHeadSha?: string;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: SandboxUser | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  labels: string[];
  user: SandboxUser;
  maintainerCanModify: boolean;
}

export interface SandboxIssue {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  user: SandboxUser;
}

export interface SandboxComment {
  id: number;
  /** The issue or pull request it is on. */
  issueNumber: number;
  body: string;
  createdAt: string;
  updatedAt: string;
  user: SandboxUser;
}

/** Live facts about a pull request read from git when it is rendered. */
export interface PullGitFacts {
  headSha: string;
  baseSha: string;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  mergeable: boolean | null;
}

export function githubDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64');
}

export function repoApi(ctx: ResourceContext): string {
  return `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`;
}

export function repoWeb(ctx: ResourceContext): string {
  return `${ctx.webUrl}/${ctx.owner}/${ctx.repo}`;
}

export function simpleUser(ctx: ResourceContext, user: SandboxUser): Record<string, unknown> {
  const api = `${ctx.apiUrl}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type, user.id),
    avatar_url: `${ctx.webUrl}/avatars/${user.id}`,
    gravatar_id: '',
    url: api,
    html_url: `${ctx.webUrl}/${user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    site_admin: false,
  };
}

export function repository(ctx: ResourceContext, defaultBranch: string, openIssues: number): Record<string, unknown> {
  const api = repoApi(ctx);
  const web = repoWeb(ctx);
  return {
    id: ctx.repoId,
    node_id: nodeId('Repository', ctx.repoId),
    name: ctx.repo,
    full_name: `${ctx.owner}/${ctx.repo}`,
    owner: simpleUser(ctx, { login: ctx.owner, id: ctx.ownerId, type: 'Organization' }),
    private: true,
    html_url: web,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `${web.replace(/^https?:/, 'git:')}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@sandbox:${ctx.owner}/${ctx.repo}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${web}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: web,
    homepage: null,
    language: 'HCL',
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: defaultBranch,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    pushed_at: ctx.createdAt,
    created_at: ctx.createdAt,
    updated_at: ctx.createdAt,
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    license: null,
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
  };
}

export function label(ctx: ResourceContext, l: SandboxLabel): Record<string, unknown> {
  return {
    id: l.id,
    node_id: nodeId('Label', l.id),
    url: `${repoApi(ctx)}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    description: l.description,
    color: l.color,
    default: false,
  };
}

export function gitRef(ctx: ResourceContext, ref: string, sha: string): Record<string, unknown> {
  return {
    ref,
    node_id: nodeId('Ref', parseInt(sha.slice(0, 8), 16)),
    url: `${repoApi(ctx)}/git/${ref}`,
    object: { type: 'commit', sha, url: `${repoApi(ctx)}/git/commits/${sha}` },
  };
}

export function gitCommit(ctx: ResourceContext, c: GitCommitInfo): Record<string, unknown> {
  return {
    sha: c.sha,
    node_id: nodeId('Commit', parseInt(c.sha.slice(0, 8), 16)),
    url: `${repoApi(ctx)}/git/commits/${c.sha}`,
    html_url: `${repoWeb(ctx)}/commit/${c.sha}`,
    author: c.author,
    committer: c.committer,
    tree: { sha: c.tree, url: `${repoApi(ctx)}/git/trees/${c.tree}` },
    message: c.message.replace(/\n$/, ''),
    parents: c.parents.map((p) => ({ sha: p, url: `${repoApi(ctx)}/git/commits/${p}`, html_url: `${repoWeb(ctx)}/commit/${p}` })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

/** GitHub's base64: 60 characters per line, each line ending with `\n`. */
export function githubBase64(content: Buffer): string {
  const encoded = content.toString('base64');
  if (encoded === '') return '';
  return `${encoded.match(/.{1,60}/g)?.join('\n') ?? ''}\n`;
}

export function contentEntry(
  ctx: ResourceContext,
  entry: { path: string; sha: string; size: number; type: 'file' | 'dir' | 'submodule' | 'symlink' },
  ref: string,
): Record<string, unknown> {
  const self = `${repoApi(ctx)}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`;
  const git = `${repoApi(ctx)}/git/${entry.type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`;
  const html = `${repoWeb(ctx)}/${entry.type === 'dir' ? 'tree' : 'blob'}/${encodeURIComponent(ref)}/${entry.path}`;
  return {
    type: entry.type,
    size: entry.size,
    name: entry.path.split('/').pop() ?? entry.path,
    path: entry.path,
    sha: entry.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: entry.type === 'file' ? `${ctx.webUrl}/raw/${ctx.owner}/${ctx.repo}/${encodeURIComponent(ref)}/${entry.path}` : null,
    _links: { self, git, html },
  };
}

function pullUrls(ctx: ResourceContext, number: number, headSha: string): Record<string, string> {
  const api = repoApi(ctx);
  const web = repoWeb(ctx);
  return {
    url: `${api}/pulls/${number}`,
    html_url: `${web}/pull/${number}`,
    diff_url: `${web}/pull/${number}.diff`,
    patch_url: `${web}/pull/${number}.patch`,
    issue_url: `${api}/issues/${number}`,
    commits_url: `${api}/pulls/${number}/commits`,
    review_comments_url: `${api}/pulls/${number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${number}/comments`,
    statuses_url: `${api}/statuses/${headSha}`,
  };
}

/**
 * A pull request: `simple` is the `pull-request-simple` of list answers; otherwise the full
 * `pull-request` of get/create/update (with counts and mergeability).
 */
export function pullRequest(
  ctx: ResourceContext,
  pr: SandboxPull,
  facts: PullGitFacts,
  labels: readonly SandboxLabel[],
  defaultBranch: string,
  openIssues: number,
  simple: boolean,
): Record<string, unknown> {
  const urls = pullUrls(ctx, pr.number, facts.headSha);
  const repo = repository(ctx, defaultBranch, openIssues);
  const owner = simpleUser(ctx, { login: ctx.owner, id: ctx.ownerId, type: 'Organization' });
  const side = (ref: string, sha: string): Record<string, unknown> => ({ label: `${ctx.owner}:${ref}`, ref, sha, user: owner, repo });
  const link = (href: string): { href: string } => ({ href });
  const body: Record<string, unknown> = {
    ...urls,
    id: pr.id,
    node_id: nodeId('PullRequest', pr.id),
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: simpleUser(ctx, pr.user),
    body: pr.body,
    // The pull-request schema types a label's description as a (non-null) string.
    labels: pr.labels
      .map((name) => labels.find((l) => l.name === name))
      .filter((l): l is SandboxLabel => l !== undefined)
      .map((l) => ({ ...label(ctx, l), description: l.description ?? '' })),
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pr.head, facts.headSha),
    base: side(pr.base, facts.baseSha),
    _links: {
      self: link(urls.url),
      html: link(urls.html_url),
      issue: link(urls.issue_url),
      comments: link(urls.comments_url),
      review_comments: link(urls.review_comments_url),
      review_comment: link(urls.review_comment_url),
      commits: link(urls.commits_url),
      statuses: link(urls.statuses_url),
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: pr.draft,
  };
  if (simple) return body;
  return {
    ...body,
    merged: pr.merged,
    mergeable: pr.state === 'open' ? facts.mergeable : null,
    rebaseable: null,
    mergeable_state: pr.state === 'open' ? (facts.mergeable === false ? 'dirty' : facts.mergeable ? 'clean' : 'unknown') : 'unknown',
    merged_by: pr.mergedBy ? simpleUser(ctx, pr.mergedBy) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: pr.maintainerCanModify,
    commits: facts.commits,
    additions: facts.additions,
    deletions: facts.deletions,
    changed_files: facts.changedFiles,
  };
}

export interface IssueLikeInput {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  user: SandboxUser;
  /** Set when the issue is a pull request (the issues list shows both). */
  pull?: { mergedAt: string | null };
}

export function issue(ctx: ResourceContext, i: IssueLikeInput, labels: readonly SandboxLabel[]): Record<string, unknown> {
  const api = `${repoApi(ctx)}/issues/${i.number}`;
  const web = `${repoWeb(ctx)}/${i.pull ? 'pull' : 'issues'}/${i.number}`;
  return {
    id: i.id,
    node_id: nodeId(i.pull ? 'PullRequest' : 'Issue', i.id),
    url: api,
    repository_url: repoApi(ctx),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: web,
    number: i.number,
    state: i.state,
    state_reason: i.stateReason,
    title: i.title,
    body: i.body,
    user: simpleUser(ctx, i.user),
    labels: i.labels
      .map((name) => labels.find((l) => l.name === name))
      .filter((l): l is SandboxLabel => l !== undefined)
      .map((l) => label(ctx, l)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: 0,
    closed_at: i.closedAt,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    author_association: 'MEMBER',
    ...(i.pull
      ? {
          draft: false,
          pull_request: {
            url: `${repoApi(ctx)}/pulls/${i.number}`,
            html_url: web,
            diff_url: `${web}.diff`,
            patch_url: `${web}.patch`,
            merged_at: i.pull.mergedAt,
          },
        }
      : {}),
  };
}

/** GitHub's error body: `{message, documentation_url, errors?, status}`. */
export function errorBody(
  message: string,
  documentationUrl: string,
  status: number,
  errors?: readonly Record<string, unknown>[],
): Record<string, unknown> {
  return { message, documentation_url: documentationUrl, ...(errors ? { errors } : {}), status: String(status) };
}

/** An issue comment (`issue-comment` in GitHub's description); pull requests take them too. */
export function issueComment(ctx: ResourceContext, c: SandboxComment): Record<string, unknown> {
  const api = repoApi(ctx);
  return {
    id: c.id,
    node_id: `IC_${Buffer.from(`comment:${c.id}`).toString('base64url')}`,
    url: `${api}/issues/comments/${c.id}`,
    html_url: `${repoWeb(ctx)}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    body: c.body,
    user: simpleUser(ctx, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    issue_url: `${api}/issues/${c.issueNumber}`,
    author_association: 'MEMBER',
  };
}
