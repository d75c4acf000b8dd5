/**
 * The adapter's GraphQL reads: the heads of several branches and one folder's files at each, in
 * one query (what a backport reads before it edits), instead of a ref, a tree and a file per
 * branch over REST. GraphQL answers 200 with `errors` (NOT_FOUND, RATE_LIMITED, "Something went
 * wrong…"): those map like their REST equivalents, and a GitHub that does not know the query (an
 * older Enterprise Server, GraphQL off) or failed to run it says so, for the adapter to use REST.
 *
 * The answer is typed from GitHub's published schema (`@octokit/graphql-schema`, types only) but
 * checked field by field before use: a malformed answer is a transient `github_malformed`.
 */
import type { Blob, Commit, Maybe, Tag, Tree, TreeEntry } from '@octokit/graphql-schema';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { checkedSha, full, type GitHubCalls, isStatus, R } from './github-calls';
import {
  GITHUB_ERROR_CODES,
  GitHubHttpError,
  gitHubMessage,
  isHttpErrorLike,
  keptHeaders,
  retryAfterMsOf,
  SECONDARY_RATE_LIMIT_FALLBACK_MS,
  safeDetail,
} from './github.errors';
import type { BranchFolder, FolderEntry, RepoRef } from './github-repo-client.port';

/** One file or folder of a GraphQL `Tree.entries` answer. */
const GRAPHQL_ENTRY = 'name path mode type oid size object { ... on Blob { isBinary isTruncated text } }';

/**
 * One GraphQL query for the heads of `count` branches and one folder at each (entries with the
 * files' texts). Aliases `b0`, `b1`… keep the answer in the order asked; `root`: the folder is
 * the repository's root (no `$path`).
 */
export function branchFoldersQuery(count: number, root: boolean): string {
  const vars = Array.from({ length: count }, (_, i) => `$b${i}: String!`).join(', ');
  const refs = Array.from({ length: count }, (_, i) => `b${i}: ref(qualifiedName: $b${i}) { ...head }`).join(' ');
  const folder = root
    ? `tree { oid entries { ${GRAPHQL_ENTRY} } }`
    : `tree { oid } file(path: $path) { type object { ... on Tree { entries { ${GRAPHQL_ENTRY} } } } }`;
  return (
    `query DriftwardenBranchFolders($owner: String!, $name: String!${root ? '' : ', $path: String!'}, ${vars}) ` +
    `{ repository(owner: $owner, name: $name) { ${refs} } } ` +
    `fragment head on Ref { target { __typename oid ... on Commit { ${folder} } } }`
  );
}

/** The variables of `branchFoldersQuery` (`b0`… are qualified ref names). */
export function branchFoldersVariables(repo: RepoRef, folder: string, branches: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = { owner: repo.owner, name: repo.name, ...(folder === '' ? {} : { path: folder }) };
  branches.forEach((b, i) => (variables[`b${i}`] = `refs/heads/${b}`));
  return variables;
}

// --- the answer, as the schema types it ------------------------------------------------------

/** One `Tree.entries` item as GRAPHQL_ENTRY selects it. */
type EntryAnswer = Pick<TreeEntry, 'name' | 'path' | 'mode' | 'type' | 'oid' | 'size'> & {
  object?: Maybe<Pick<Blob, '__typename' | 'isBinary' | 'isTruncated' | 'text'> | Pick<Commit | Tag | Tree, '__typename'>>;
};

/** A branch's head commit, with its tree and (below the root) the folder's entry. */
type HeadCommitAnswer = Pick<Commit, '__typename' | 'oid'> & {
  tree: Pick<Tree, 'oid'> & { entries?: Maybe<EntryAnswer[]> };
  file?: Maybe<Pick<TreeEntry, 'type'> & { object?: Maybe<{ entries?: Maybe<EntryAnswer[]> }> }>;
};

/** `fragment head on Ref`: what the ref points to (`Ref.target`: a commit for a branch, else a blob, tag or tree). */
interface RefAnswer {
  target?: Maybe<HeadCommitAnswer | Pick<Blob | Tag | Tree, '__typename' | 'oid'>>;
}

/** The whole answer: `repository { b0: ref(…) b1: ref(…) … }` (an unknown branch is null). */
export interface BranchFoldersAnswer {
  repository?: Maybe<Record<`b${number}`, Maybe<RefAnswer>>>;
}

/**
 * What arrives before it is checked: the schema's shape, but any field may be missing or null,
 * and GitHub's custom scalars (`GitObjectID`, typed `any`) are `unknown` until checked.
 */
type Unchecked<T> = 0 extends 1 & T
  ? unknown
  : T extends readonly (infer E)[]
    ? (Unchecked<E> | null)[]
    : T extends object
      ? { [K in keyof T]?: Unchecked<T[K]> | null }
      : T;

/**
 * Reads an answer of `branchFoldersQuery` into one `BranchFolder` per branch asked (null: no such
 * branch). File texts are kept only when GitHub sent them whole (not truncated, not binary).
 * Throws a transient `github_malformed` naming what is missing or wrong.
 */
export function branchFoldersFromAnswer(data: unknown, folder: string, branches: readonly string[]): Map<string, BranchFolder | null> {
  const root = folder === '';
  const malformed = (what: string) => new TransientError(`GitHub ${R.graphql}: unexpected answer (${what})`, GITHUB_ERROR_CODES.malformed);
  const repository = (data as Unchecked<BranchFoldersAnswer> | null)?.repository;
  if (typeof repository !== 'object' || repository === null) throw malformed('no repository');
  const out = new Map<string, BranchFolder | null>();
  for (const [i, branch] of branches.entries()) {
    const ref = repository[`b${i}`];
    if (ref === undefined) throw malformed(`no b${i}`);
    if (ref === null) {
      out.set(branch, null);
      continue;
    }
    const target = ref.target as Unchecked<HeadCommitAnswer> | null | undefined;
    if (target?.__typename !== 'Commit') throw malformed(`branch ${branch} does not point to a commit`);
    const commitSha = checkedSha(target.oid, R.graphql);
    const treeSha = checkedSha(target.tree?.oid, R.graphql);
    const listing = root ? target.tree?.entries : target.file?.type === 'tree' ? target.file.object?.entries : undefined;
    const folderExists = root || target.file?.type === 'tree';
    if (folderExists && !Array.isArray(listing)) throw malformed(`no entries for ${folder || '/'} on ${branch}`);
    const entries: FolderEntry[] = [];
    for (const item of listing ?? []) {
      const type = item?.type;
      if ((type !== 'blob' && type !== 'tree' && type !== 'commit') || typeof item?.path !== 'string' || typeof item.mode !== 'number') {
        throw malformed(`tree entry ${JSON.stringify(item?.path)}`);
      }
      const blob = item.object as Unchecked<Pick<Blob, 'isBinary' | 'isTruncated' | 'text'>> | null | undefined;
      const text =
        type === 'blob' && blob && blob.isTruncated === false && blob.isBinary !== true && typeof blob.text === 'string'
          ? blob.text
          : undefined;
      entries.push({
        path: item.path,
        mode: item.mode.toString(8).padStart(6, '0'),
        type,
        sha: checkedSha(item.oid, R.graphql),
        ...(type === 'blob' && typeof item.size === 'number' ? { size: item.size } : {}),
        ...(text !== undefined ? { content: text } : {}),
      });
    }
    out.set(branch, { branch, commitSha, treeSha, folder, folderExists, entries });
  }
  return out;
}

// --- failures --------------------------------------------------------------------------------

/** Thrown when this GitHub does not answer the query (old GHES, GraphQL off): the adapter uses REST from then on. */
export class GraphqlUnsupported extends Error {}

/** Thrown when GitHub kept failing to run the query itself (its own timeouts, e.g. a folder of large files): REST this once. */
export class GraphqlQueryFailed extends Error {}

/** A GraphQL answer's errors, when the request was refused as a whole or in part. */
interface GraphqlErrorItem {
  type?: string;
  message?: string;
  extensions?: { code?: string };
}

/** The parts of @octokit/graphql's GraphqlResponseError (or the throttling plugin's GraphQL limit error) read here. */
function graphqlErrorsOf(err: unknown): { errors: GraphqlErrorItem[]; headers: Record<string, string | number | undefined> } | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { errors?: unknown; headers?: unknown; response?: { headers?: unknown; data?: { errors?: unknown } } };
  const errors = Array.isArray(e.errors) ? e.errors : Array.isArray(e.response?.data?.errors) ? e.response.data.errors : undefined;
  if (!errors || (isHttpErrorLike(err) && err.status !== 200)) return undefined;
  const headers = (
    typeof e.headers === 'object' && e.headers !== null
      ? e.headers
      : typeof e.response?.headers === 'object' && e.response.headers !== null
        ? e.response.headers
        : {}
  ) as Record<string, string | number | undefined>;
  return { errors: errors.filter((x): x is GraphqlErrorItem => typeof x === 'object' && x !== null), headers };
}

/**
 * GraphQL failures: rate limits, NOT_FOUND and FORBIDDEN like REST (through `mapRest` when the
 * failure is HTTP's, not GraphQL's); a query this GitHub does not know → GraphqlUnsupported;
 * GitHub failing to run it → GraphqlQueryFailed.
 */
export function mapGraphqlError(
  err: unknown,
  what: string,
  ctx: { secrets: readonly string[]; nowMs: number; mapRest: (err: unknown) => unknown },
): unknown {
  const graphql = graphqlErrorsOf(err);
  if (!graphql) {
    // No GraphQL endpoint (404 on /graphql): use REST. Anything else maps like a REST failure.
    if (isStatus(err, 404)) return new GraphqlUnsupported('POST /graphql answered 404');
    // plugin-retry gives up on "Something went wrong while executing your query" as a 500 carrying the answer.
    if (
      isStatus(err, 500) &&
      isHttpErrorLike(err) &&
      /Something went wrong while executing your query/.test(gitHubMessage(err.response?.data) ?? '')
    ) {
      return new GraphqlQueryFailed(safeDetail(gitHubMessage(err.response?.data) ?? '', ctx.secrets));
    }
    return ctx.mapRest(err);
  }
  const { errors, headers } = graphql;
  const messages = safeDetail(errors.map((e) => e.message ?? e.type ?? 'error').join('; '), ctx.secrets);
  const types = new Set(errors.map((e) => e.type));
  // The cause keeps GitHub's (redacted) messages and the rate-limit headers, never the request.
  const cause = new GitHubHttpError(messages, 200, keptHeaders(headers, ctx.secrets));
  if (types.has('RATE_LIMITED')) {
    // Read like a REST primary limit (x-ratelimit-remaining 0 + reset); without headers, GitHub's one-minute advice.
    const retryAfterMs =
      retryAfterMsOf({ status: 403, message: messages, response: { headers: { 'x-ratelimit-remaining': '0', ...headers } } }, ctx.nowMs) ??
      SECONDARY_RATE_LIMIT_FALLBACK_MS;
    return new TransientError(
      `GitHub ${R.graphql}: GraphQL rate limit, retry in ${Math.ceil(retryAfterMs / 1000)}s: ${messages}`,
      GITHUB_ERROR_CODES.rateLimited,
      { retryAfterMs, cause },
    );
  }
  if (types.has('NOT_FOUND'))
    return new PermanentError(
      `GitHub ${R.graphql}: ${what} not found (or not visible to these credentials): ${messages}`,
      GITHUB_ERROR_CODES.notFound,
      { cause },
    );
  if (types.has('FORBIDDEN'))
    return new PermanentError(`GitHub ${R.graphql}: the credentials lack a permission for ${what}: ${messages}`, GITHUB_ERROR_CODES.auth, {
      cause,
    });
  // A field or argument this GitHub (an older Enterprise Server) does not have: the schema differs.
  if (
    errors.some(
      (e) =>
        e.extensions?.code !== undefined ||
        /doesn't exist on type|Cannot query field|Unknown argument|doesn't accept argument/i.test(e.message ?? ''),
    )
  ) {
    return new GraphqlUnsupported(messages);
  }
  // "Something went wrong while executing your query" (GitHub's timeouts; already retried by
  // plugin-retry) and the like: the same reads through REST, which has no such query limits.
  return new GraphqlQueryFailed(messages);
}

/** The GraphQL reads (one query per call); the adapter decides what to do when GraphQL cannot answer. */
export class GitHubGraphqlReads {
  constructor(private readonly calls: GitHubCalls) {}

  /**
   * The heads of `branches` and `folder` at each (a branch that does not exist: null). Throws
   * GraphqlUnsupported or GraphqlQueryFailed when GitHub cannot answer the query.
   */
  async readBranchFolders(repo: RepoRef, folder: string, branches: readonly string[]): Promise<Map<string, BranchFolder | null>> {
    let data: unknown;
    try {
      data = await this.calls.octokit.graphql(
        branchFoldersQuery(branches.length, folder === ''),
        branchFoldersVariables(repo, folder, branches),
      );
    } catch (err) {
      throw mapGraphqlError(err, `branches ${branches.join(', ')} of ${full(repo)}`, {
        secrets: this.calls.api.secrets,
        nowMs: this.calls.api.now(),
        mapRest: (e) => this.calls.mapError(e, R.graphql, `branches ${branches.join(', ')} of ${full(repo)}`),
      });
    }
    const folders = branchFoldersFromAnswer(data, folder, branches);
    // The commit's tree is known: a commit on this head needs no read.
    for (const f of folders.values()) if (f) this.calls.commitTrees.set(f.commitSha, f.treeSha);
    return folders;
  }
}
