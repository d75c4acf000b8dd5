import { parse, validate } from 'graphql';
import { PermanentError, TransientError } from '@driftwarden/domain';
import {
  branchFoldersFromAnswer,
  branchFoldersQuery,
  branchFoldersVariables,
  GraphqlQueryFailed,
  GraphqlUnsupported,
  mapGraphqlError,
} from './github-graphql.reads';
import { GITHUB_ERROR_CODES } from './github.errors';
import { gitHubGraphqlSchema } from './testing/github-sandbox.graphql';

const REPO = { owner: 'acme', name: 'infra' };
const sha = (c: string) => c.repeat(40);

/** What GitHub answers for one branch whose head is `commit` (tree `tree`), listing `entries` at the folder. */
function head(commit: string, tree: string, entries: unknown[] | null, folder: 'root' | 'tree' | 'missing') {
  return {
    target: {
      __typename: 'Commit',
      oid: sha(commit),
      tree: { oid: sha(tree), ...(folder === 'root' ? { entries } : {}) },
      ...(folder === 'root' ? {} : { file: folder === 'missing' ? null : { type: 'tree', object: { entries } } }),
    },
  };
}

const blob = (path: string, oid: string, text: string | null, extra: Record<string, unknown> = {}) => ({
  name: path.split('/').pop(),
  path,
  mode: 0o100644,
  type: 'blob',
  oid: sha(oid),
  size: 12,
  object: { isBinary: false, isTruncated: false, text, ...extra },
});

describe('branchFoldersQuery: one query for several branches', () => {
  it.each([
    ['a folder', false],
    ['the root', true],
  ])('is valid against GitHub’s published schema (%s)', (_what, root) => {
    const errors = validate(gitHubGraphqlSchema(), parse(branchFoldersQuery(3, root)));
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('asks each branch by its qualified name, in the order given', () => {
    expect(branchFoldersVariables(REPO, 'stacks/prod', ['main', 'driftwarden/backport/x'])).toEqual({
      owner: 'acme',
      name: 'infra',
      path: 'stacks/prod',
      b0: 'refs/heads/main',
      b1: 'refs/heads/driftwarden/backport/x',
    });
    expect(branchFoldersVariables(REPO, '', ['main'])).toEqual({ owner: 'acme', name: 'infra', b0: 'refs/heads/main' });
    expect(branchFoldersQuery(2, true)).not.toContain('$path');
  });
});

describe('branchFoldersFromAnswer: the answer, checked, as the port’s BranchFolder', () => {
  it('reads each head, its tree and the folder’s entries (modes in octal, texts when whole); a missing branch is null', () => {
    const answer = {
      repository: {
        b0: head(
          'a',
          'b',
          [
            blob('stacks/prod/main.tf', 'c', 'resource "x" {}\n'),
            { name: 'modules', path: 'stacks/prod/modules', mode: 0o40000, type: 'tree', oid: sha('d'), size: 0, object: {} },
          ],
          'tree',
        ),
        b1: null,
      },
    };
    const folders = branchFoldersFromAnswer(answer, 'stacks/prod', ['main', 'gone']);
    expect([...folders.keys()]).toEqual(['main', 'gone']);
    expect(folders.get('gone')).toBeNull();
    expect(folders.get('main')).toEqual({
      branch: 'main',
      commitSha: sha('a'),
      treeSha: sha('b'),
      folder: 'stacks/prod',
      folderExists: true,
      entries: [
        { path: 'stacks/prod/main.tf', mode: '100644', type: 'blob', sha: sha('c'), size: 12, content: 'resource "x" {}\n' },
        { path: 'stacks/prod/modules', mode: '040000', type: 'tree', sha: sha('d') },
      ],
    });
  });

  it('leaves out texts GitHub cut or cannot show (truncated, binary, none)', () => {
    const answer = {
      repository: {
        b0: head(
          'a',
          'b',
          [
            blob('big.tf', 'c', 'resource', { isTruncated: true }),
            blob('logo.png', 'd', null, { isBinary: true }),
            blob('unknown.bin', 'e', 'x', { isBinary: null }),
          ],
          'root',
        ),
      },
    };
    const entries = branchFoldersFromAnswer(answer, '', ['main']).get('main')?.entries ?? [];
    expect(entries.map((e) => [e.path, e.content])).toEqual([
      ['big.tf', undefined],
      ['logo.png', undefined],
      ['unknown.bin', 'x'],
    ]);
  });

  it('a folder that is not on the branch: folderExists false, no entries', () => {
    const folder = branchFoldersFromAnswer({ repository: { b0: head('a', 'b', null, 'missing') } }, 'stacks/none', ['main']).get('main');
    expect(folder).toMatchObject({ folderExists: false, entries: [], commitSha: sha('a'), treeSha: sha('b') });
  });

  it.each([
    ['no repository', { repository: null }, /no repository/],
    ['a branch not answered', { repository: {} }, /no b0/],
    ['a branch on a tag', { repository: { b0: { target: { __typename: 'Tag', oid: sha('a') } } } }, /does not point to a commit/],
    ['a short oid', { repository: { b0: { target: { __typename: 'Commit', oid: 'abc', tree: { oid: sha('b') } } } } }, /40-character SHA/],
    ['no entries for an existing folder', { repository: { b0: head('a', 'b', null, 'tree') } }, /no entries for stacks\/prod on main/],
    [
      'an entry without a mode',
      { repository: { b0: head('a', 'b', [{ ...blob('x.tf', 'c', 'x'), mode: '100644' }], 'tree') } },
      /tree entry "x.tf"/,
    ],
    [
      'an entry of no known type',
      { repository: { b0: head('a', 'b', [{ ...blob('x.tf', 'c', 'x'), type: 'link' }], 'tree') } },
      /tree entry/,
    ],
  ])('a malformed answer (%s) is a transient github_malformed', (_what, answer, message) => {
    let err: unknown;
    try {
      branchFoldersFromAnswer(answer, 'stacks/prod', ['main']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: GITHUB_ERROR_CODES.malformed, message: expect.stringMatching(message) });
  });
});

describe('mapGraphqlError: GraphQL failures like their REST equivalents, or REST instead', () => {
  const NOW = Date.UTC(2026, 10, 20, 10, 0, 0);
  const restMapped = new Error('mapped as REST');
  const ctx = { secrets: ['ghp_supersecrettoken'], nowMs: NOW, mapRest: () => restMapped };
  /** What @octokit/graphql throws for a 200 with `errors`. */
  const answered = (errors: object[], headers: Record<string, string> = {}) =>
    Object.assign(new Error('Request failed due to following response errors'), { errors, headers, data: null });
  /** An HTTP failure as Octokit's RequestError carries it. */
  const http = (status: number, data: unknown) => Object.assign(new Error(`HTTP ${status}`), { status, response: { data, headers: {} } });

  it('RATE_LIMITED: a transient github_rate_limited, waiting for the reset (else a minute), headers kept, secrets not', () => {
    const reset = NOW / 1000 + 120;
    const err = mapGraphqlError(
      answered([{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for ghp_supersecrettoken' }], {
        'x-ratelimit-reset': String(reset),
        'x-github-request-id': 'ABC',
      }),
      'branches main of acme/infra',
      ctx,
    );
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: GITHUB_ERROR_CODES.rateLimited, retryAfterMs: 121_000 });
    expect((err as Error).message).not.toContain('ghp_supersecrettoken');
    expect((err as Error & { cause: { headers: object } }).cause.headers).toMatchObject({ 'x-github-request-id': 'ABC' });
    const noHeaders = mapGraphqlError(answered([{ type: 'RATE_LIMITED' }]), 'x', ctx);
    expect(noHeaders).toMatchObject({ retryAfterMs: 60_000 });
  });

  it('NOT_FOUND is a permanent github_not_found naming what was read; FORBIDDEN is github_auth', () => {
    const missing = mapGraphqlError(
      answered([{ type: 'NOT_FOUND', message: 'Could not resolve to a Repository' }]),
      'branches main of acme/infra',
      ctx,
    );
    expect(missing).toBeInstanceOf(PermanentError);
    expect(missing).toMatchObject({
      code: GITHUB_ERROR_CODES.notFound,
      message: expect.stringContaining('branches main of acme/infra not found'),
    });
    expect(mapGraphqlError(answered([{ type: 'FORBIDDEN', message: 'Resource not accessible' }]), 'x', ctx)).toMatchObject({
      code: GITHUB_ERROR_CODES.auth,
    });
  });

  it('a query this GitHub does not know (older Enterprise Server), or no /graphql at all: GraphqlUnsupported', () => {
    expect(mapGraphqlError(answered([{ message: "Field 'file' doesn't exist on type 'Commit'" }]), 'x', ctx)).toBeInstanceOf(
      GraphqlUnsupported,
    );
    expect(mapGraphqlError(answered([{ message: 'bad', extensions: { code: 'undefinedField' } }]), 'x', ctx)).toBeInstanceOf(
      GraphqlUnsupported,
    );
    expect(mapGraphqlError(http(404, { message: 'Not Found' }), 'x', ctx)).toBeInstanceOf(GraphqlUnsupported);
  });

  it('GitHub failing to run the query (its own timeouts): GraphqlQueryFailed, for REST this once', () => {
    const inside = answered([
      { message: 'Something went wrong while executing your query. Please include `ABC` when reporting this issue.' },
    ]);
    expect(mapGraphqlError(inside, 'x', ctx)).toBeInstanceOf(GraphqlQueryFailed);
    const gaveUp = http(500, { message: 'Something went wrong while executing your query. This may be the result of a timeout.' });
    expect(mapGraphqlError(gaveUp, 'x', ctx)).toBeInstanceOf(GraphqlQueryFailed);
  });

  it('any other HTTP failure maps like REST', () => {
    expect(mapGraphqlError(http(502, 'Bad Gateway'), 'x', ctx)).toBe(restMapped);
    expect(mapGraphqlError(http(401, { message: 'Bad credentials' }), 'x', ctx)).toBe(restMapped);
  });
});
