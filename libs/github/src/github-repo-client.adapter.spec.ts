import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { callsTo, clientFor, expectConformant, git, REPO, startSandbox, STACK_FILES } from '../test/github-test-support';
import { type GitHubCall, hiddenMarker, type OctokitGitHubRepoClient } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';

const BRANCH = 'driftwarden/backport/sg-0123456789abcdef0';
const MAIN_TF = 'stacks/prod/main.tf';
const GET_REF = 'GET /repos/{owner}/{repo}/git/ref/{ref}';
const PATCH_REF = 'PATCH /repos/{owner}/{repo}/git/refs/{ref}';
const LIST_LABELS = 'GET /repos/{owner}/{repo}/labels';
const CREATE_LABEL = 'POST /repos/{owner}/{repo}/labels';

/** A promise that stays pending until `release` (to hold a request in the sandbox past the client's timeout). */
function heldOpen(): { gate: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { gate, release };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-error: ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection');
}

describe('OctokitGitHubRepoClient against the GitHub sandbox (HTTP, real git)', () => {
  let sb: sandbox.GitHubSandbox;
  let client: OctokitGitHubRepoClient;

  beforeEach(async () => {
    sb = await startSandbox();
    client = clientFor(sb);
  });

  afterEach(async () => {
    expectConformant(sb);
    await sb.close();
  });

  /** A branch with one backport commit and an open PR on it. */
  async function backportPullRequest(): Promise<number> {
    const main = await client.getBranchSha(REPO, 'main');
    await client.ensureBranch(REPO, BRANCH, main);
    await client.commitFiles(REPO, BRANCH, main, [{ path: MAIN_TF, content: `${STACK_FILES[MAIN_TF]}# backport\n` }], 'Backport');
    const pr = await client.openPullRequest(REPO, { head: BRANCH, base: 'main', title: 'Backport', body: 'body' });
    return pr.number;
  }

  describe('branches', () => {
    it('reads the base SHA through the singular git/ref endpoint', async () => {
      const sha = await client.getBranchSha(REPO, 'main');
      expect(sha).toBe(git(sb, 'rev-parse', 'refs/heads/main').trim());
      const [read] = callsTo(sb, GET_REF);
      expect(read.path).toBe('/repos/acme/infra/git/ref/heads%2Fmain');
      expect(read.apiVersion).toBe('2022-11-28');
      expect(read.userAgent).toMatch(/^driftwarden /);
    });

    it('creates the branch, and on 422 "Reference already exists" returns its current head', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      expect(await client.ensureBranch(REPO, BRANCH, main)).toEqual({ sha: main, created: true });
      expect(git(sb, 'rev-parse', `refs/heads/${BRANCH}`).trim()).toBe(main);

      const moved = await sb.commit(BRANCH, { 'notes.md': 'someone was here\n' }, 'Someone else');
      expect(await client.ensureBranch(REPO, BRANCH, main)).toEqual({ sha: moved, created: false });
      const creates = callsTo(sb, 'POST /repos/{owner}/{repo}/git/refs');
      expect(creates.map((c) => c.status)).toEqual([201, 422]);
    });

    it('maps a missing branch to github_not_found naming it', async () => {
      const err = await rejection(client.getBranchSha(REPO, 'no-such-branch'));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: 'github_not_found' });
      expect(err.message).toContain('branch no-such-branch in acme/infra');
    });
  });

  describe('reading', () => {
    it('lists a folder of the recursive tree with repo-relative paths', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      const entries = await client.listTree(REPO, main, 'stacks/prod/');
      expect(entries.map((e) => `${e.type} ${e.path}`)).toEqual([
        'blob stacks/prod/main.tf',
        'tree stacks/prod/modules',
        'tree stacks/prod/modules/net',
        'blob stacks/prod/modules/net/main.tf',
        'blob stacks/prod/variables.tf',
      ]);
      const file = entries.find((e) => e.path === MAIN_TF);
      expect(file).toMatchObject({ mode: '100644', size: Buffer.byteLength(STACK_FILES[MAIN_TF]) });
      expect(file?.sha).toBe(git(sb, 'rev-parse', `main:${MAIN_TF}`).trim());
      expect((await client.listTree(REPO, main)).length).toBe(git(sb, 'ls-tree', '-r', '-t', 'main').trim().split('\n').length);
    });

    it('walks the folder tree by tree when GitHub truncates the recursive listing', async () => {
      await sb.close();
      sb = await startSandbox({ treeEntryLimit: 3 });
      client = clientFor(sb);
      const main = await client.getBranchSha(REPO, 'main');
      const entries = await client.listTree(REPO, main, 'stacks/prod');
      expect(entries.map((e) => e.path).sort()).toEqual(
        [
          'stacks/prod/main.tf',
          'stacks/prod/modules',
          'stacks/prod/modules/net',
          'stacks/prod/modules/net/main.tf',
          'stacks/prod/variables.tf',
        ].sort(),
      );
      const listings = callsTo(sb, 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}');
      expect(listings.length).toBeGreaterThan(2);
    });

    it('refuses a folder that is not in the tree', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      await expect(client.listTree(REPO, main, 'stacks/nope')).rejects.toMatchObject({ code: 'github_not_found' });
    });

    it('reads a file through the contents API (base64)', async () => {
      const file = await client.readFile(REPO, MAIN_TF, 'main');
      expect(file).toEqual({
        path: MAIN_TF,
        sha: git(sb, 'rev-parse', `main:${MAIN_TF}`).trim(),
        size: Buffer.byteLength(STACK_FILES[MAIN_TF]),
        content: STACK_FILES[MAIN_TF],
      });
    });

    it('reads a file over the inline limit as a git blob', async () => {
      await sb.close();
      const big = `${'# padding line for a large file\n'.repeat(200)}resource "x" "y" {}\n`;
      sb = await startSandbox({ inlineContentMaxBytes: 1024, files: { ...STACK_FILES, 'stacks/prod/big.tf': big } });
      client = clientFor(sb);
      const file = await client.readFile(REPO, 'stacks/prod/big.tf', 'main');
      expect(file.content).toBe(big);
      expect(file.size).toBe(Buffer.byteLength(big));
      expect(callsTo(sb, 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}')).toHaveLength(1);
    });

    it('maps a missing file to github_not_found and a folder to github_rejected', async () => {
      await expect(client.readFile(REPO, 'stacks/prod/nope.tf', 'main')).rejects.toMatchObject({
        code: 'github_not_found',
        message: expect.stringContaining('file stacks/prod/nope.tf at main in acme/infra'),
      });
      await expect(client.readFile(REPO, 'stacks/prod', 'main')).rejects.toMatchObject({ code: 'github_rejected' });
    });
  });

  describe('readBranchFolders (one GraphQL query, REST when GitHub cannot answer it)', () => {
    const GRAPHQL = 'POST /graphql';
    const folderOf = async (c: OctokitGitHubRepoClient, folder: string, branches: string[]) => c.readBranchFolders(REPO, folder, branches);

    it('answers both heads and the folder (texts included) in one request; a missing branch is null', async () => {
      const heads = await folderOf(client, 'stacks/prod/', ['main', BRANCH]);
      expect(sb.calls.map((c) => `${c.method} ${c.route}`)).toEqual([GRAPHQL]);
      expect(client.calls).toBe(1);
      expect(heads.get(BRANCH)).toBeNull();
      const main = heads.get('main');
      expect(main).toMatchObject({
        branch: 'main',
        commitSha: git(sb, 'rev-parse', 'main').trim(),
        treeSha: git(sb, 'rev-parse', 'main^{tree}').trim(),
        folder: 'stacks/prod',
        folderExists: true,
      });
      expect(main?.entries).toEqual([
        {
          path: 'stacks/prod/main.tf',
          mode: '100644',
          type: 'blob',
          sha: git(sb, 'rev-parse', `main:${MAIN_TF}`).trim(),
          size: STACK_FILES[MAIN_TF].length,
          content: STACK_FILES[MAIN_TF],
        },
        { path: 'stacks/prod/modules', mode: '040000', type: 'tree', sha: git(sb, 'rev-parse', 'main:stacks/prod/modules').trim() },
        {
          path: 'stacks/prod/variables.tf',
          mode: '100644',
          type: 'blob',
          sha: git(sb, 'rev-parse', 'main:stacks/prod/variables.tf').trim(),
          size: 21,
          content: 'variable "region" {}\n',
        },
      ]);
      // The head's tree is known: a commit on it needs no `GET git/commits` first.
      await client.ensureBranch(REPO, BRANCH, main!.commitSha);
      await client.commitFiles(REPO, BRANCH, main!.commitSha, [{ path: MAIN_TF, content: '# edited\n' }], 'Backport');
      expect(callsTo(sb, 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}')).toEqual([]);

      const again = await folderOf(client, 'stacks/prod', ['main', BRANCH]);
      expect(again.get(BRANCH)?.commitSha).toBe(git(sb, 'rev-parse', BRANCH).trim());
      expect(again.get(BRANCH)?.entries.find((e) => e.path === MAIN_TF)?.content).toBe('# edited\n');
      expect(sb.graphqlUnimplemented).toEqual([]);
    });

    it('reads the root folder, and says when the folder does not exist', async () => {
      const root = (await folderOf(client, '.', ['main'])).get('main');
      expect(root?.folder).toBe('');
      expect(root?.entries.map((e) => `${e.type} ${e.path}`)).toEqual(['blob README.md', 'tree stacks']);
      expect(root?.entries[0].content).toBe('# infra\n');
      const missing = (await folderOf(client, 'stacks/nope', ['main'])).get('main');
      expect(missing).toMatchObject({ folderExists: false, entries: [] });
      const aFile = (await folderOf(client, MAIN_TF, ['main'])).get('main');
      expect(aFile).toMatchObject({ folderExists: false, entries: [] });
    });

    it('leaves out texts GitHub cuts or cannot show (large, binary): readFile reads them', async () => {
      await sb.close();
      sb = await startSandbox({
        graphqlBlobTextMaxBytes: 64,
        files: { ...STACK_FILES, 'stacks/prod/big.tf': `# ${'x'.repeat(200)}\n`, 'stacks/prod/logo.png': '\u0000PNG' },
      });
      client = clientFor(sb);
      const main = (await folderOf(client, 'stacks/prod', ['main'])).get('main');
      const big = main?.entries.find((e) => e.path === 'stacks/prod/big.tf');
      expect(big).toBeDefined();
      expect(big?.content).toBeUndefined();
      expect(main?.entries.find((e) => e.path === 'stacks/prod/logo.png')?.content).toBeUndefined();
      expect(main?.entries.find((e) => e.path === MAIN_TF)?.content).toBeUndefined(); // over 64 bytes too
      expect(main?.entries.find((e) => e.path === 'stacks/prod/variables.tf')?.content).toBe('variable "region" {}\n');
      expect((await client.readFile(REPO, 'stacks/prod/big.tf', main!.commitSha)).content).toBe(`# ${'x'.repeat(200)}\n`);
    });

    it('GitHub Enterprise: GraphQL at /api/graphql beside /api/v3', async () => {
      await sb.close();
      sb = await startSandbox({ pathPrefix: '/api/v3' });
      const seen: GitHubCall[] = [];
      client = clientFor(sb, { onCall: (c) => seen.push(c) });
      expect((await folderOf(client, 'stacks/prod', ['main'])).get('main')?.folderExists).toBe(true);
      expect(seen.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(['POST /api/graphql 200']);
      // As on GitHub Enterprise, GraphQL is not served under the REST prefix.
      const wrongPlace = await fetch(`${sb.url}/graphql`, {
        method: 'POST',
        headers: { authorization: `token ${sandbox.DEFAULT_SANDBOX_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { login } }' }),
      });
      expect(wrongPlace.status).toBe(404);
    });

    it('an unknown repository is github_not_found; refused credentials are github_auth', async () => {
      const err = await rejection(client.readBranchFolders({ owner: 'acme', name: 'nope' }, 'stacks/prod', ['main']));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: 'github_not_found' });
      expect(err.message).toContain("Could not resolve to a Repository with the name 'acme/nope'");
      const wrong = clientFor(sb, { auth: { type: 'token', token: 'not-a-valid-token' } });
      expect(await rejection(wrong.readBranchFolders(REPO, 'stacks/prod', ['main']))).toMatchObject({ code: 'github_auth' });
    });

    it('retries a 5xx; one that outlasts the retries is github_unavailable', async () => {
      sb.failNext(sandbox.sandboxFailures.serverError(502), 2, { route: '/graphql' });
      expect((await folderOf(client, 'stacks/prod', ['main'])).get('main')?.folderExists).toBe(true);
      expect(callsTo(sb, GRAPHQL).map((c) => c.status)).toEqual([502, 502, 200]);
      sb.failNext(sandbox.sandboxFailures.serverError(503), 4, { route: '/graphql' });
      const err = await rejection(folderOf(client, 'stacks/prod', ['main']));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 'github_unavailable' });
    });

    it('retries a request that timed out', async () => {
      const { gate, release } = heldOpen();
      const calls: GitHubCall[] = [];
      // Long enough for an answer on a loaded machine; the held request never answers.
      const observed = clientFor(sb, { requestTimeoutMs: 3_000, onCall: (c) => calls.push(c) });
      sb.beforeNext({ route: '/graphql' }, () => gate);
      const heads = await observed.readBranchFolders(REPO, 'stacks/prod', ['main']);
      release();
      expect(heads.get('main')?.folderExists).toBe(true);
      expect(calls.map((c) => c.status)).toEqual([0, 200]);
    });

    it('waits out a short GraphQL rate limit (200 + RATE_LIMITED) once; a long one is github_rate_limited with retryAfterMs', async () => {
      sb.failNext(sandbox.sandboxFailures.graphqlRateLimit(Math.floor(Date.now() / 1000) + 1), 1, { route: '/graphql' });
      expect((await folderOf(client, 'stacks/prod', ['main'])).get('main')?.folderExists).toBe(true);
      expect(callsTo(sb, GRAPHQL).map((c) => c.status)).toEqual([200, 200]);

      const now = 1_700_000_000_000;
      const reset = Math.floor(Date.now() / 1000) + 600;
      sb.failNext(sandbox.sandboxFailures.graphqlRateLimit(reset), 1, { route: '/graphql' });
      const err = await rejection(clientFor(sb, { now: () => now }).readBranchFolders(REPO, 'stacks/prod', ['main']));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 'github_rate_limited', retryAfterMs: reset * 1000 - now + 1000 });
      expect(callsTo(sb, GRAPHQL)).toHaveLength(3);
    });

    it('GitHub failing inside the query ("Something went wrong…", its own timeouts) is retried, then read through REST that once; a malformed answer is github_malformed', async () => {
      const wentWrong = {
        status: 200,
        body: {
          data: null,
          errors: [{ message: 'Something went wrong while executing your query. This may be the result of a timeout.' }],
        },
      };
      sb.failNext(wentWrong, 1, { route: '/graphql' });
      const viaGraphql = (await folderOf(client, 'stacks/prod', ['main'])).get('main');
      expect(viaGraphql?.folderExists).toBe(true);
      expect(callsTo(sb, GRAPHQL)).toHaveLength(2);
      sb.failNext(wentWrong, 4, { route: '/graphql' });
      const before = sb.calls.length;
      const viaRest = (await folderOf(client, 'stacks/prod', ['main'])).get('main');
      expect(callsTo(sb, GRAPHQL)).toHaveLength(2 + 4); // 1 + 3 retries
      expect(sb.calls.slice(before + 4).map((c) => `${c.method} ${c.route}`)).toEqual([
        GET_REF,
        'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
      ]);
      expect(viaRest?.entries.map((e) => e.path)).toEqual(viaGraphql?.entries.map((e) => e.path));
      // Only that once: the next read is GraphQL again.
      await folderOf(client, 'stacks/prod', ['main']);
      expect(sb.calls.at(-1)?.route).toBe('/graphql');
      sb.failNext(
        { status: 200, body: { data: { repository: { b0: { target: { __typename: 'Commit', oid: 'not-a-sha', tree: { oid: 'x' } } } } } } },
        1,
        { route: '/graphql' },
      );
      const err = await rejection(folderOf(client, 'stacks/prod', ['main']));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 'github_malformed' });
      sb.failNext({ status: 200, body: { data: {} } }, 1, { route: '/graphql' });
      expect(await rejection(folderOf(client, 'stacks/prod', ['main']))).toMatchObject({ code: 'github_malformed' });
    });

    it('a GitHub that does not know the query (older Enterprise Server) or has no GraphQL: the same answer through REST, and REST from then on', async () => {
      const viaGraphql = await folderOf(client, 'stacks/prod', ['main', BRANCH]);
      for (const failure of [
        {
          status: 200,
          body: {
            errors: [
              {
                path: ['fragment head', 'target', '... on Commit', 'file'],
                extensions: { code: 'undefinedField', typeName: 'Commit', fieldName: 'file' },
                locations: [{ line: 1, column: 1 }],
                message: "Field 'file' doesn't exist on type 'Commit'",
              },
            ],
          },
        },
        { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } },
      ]) {
        const fresh = clientFor(sb);
        sb.failNext(failure, 1, { route: '/graphql' });
        const before = sb.calls.length;
        const viaRest = await folderOf(fresh, 'stacks/prod', ['main', BRANCH]);
        expect(viaRest.get(BRANCH)).toBeNull();
        const strip = (f: typeof viaGraphql extends Map<string, infer V> ? V : never) =>
          f && { ...f, entries: f.entries.map(({ content: _c, ...e }) => e) };
        expect(strip(viaRest.get('main') ?? null)).toEqual(strip(viaGraphql.get('main') ?? null));
        expect(sb.calls.slice(before)[0].route).toBe('/graphql');
        const later = sb.calls.length;
        await folderOf(fresh, 'stacks/prod', ['main']);
        expect(sb.calls.slice(later).some((c) => c.route === '/graphql')).toBe(false);
      }
    });
  });

  describe('commits', () => {
    it('commits tree (base_tree, texts inline: no blob requests) → commit → fast-forward PATCH, visible in git', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      const edited = STACK_FILES[MAIN_TF].replace('cidr_blocks = ["10.0.0.0/8"]', 'cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]');
      const result = await client.commitFiles(
        REPO,
        BRANCH,
        main,
        [
          { path: MAIN_TF, content: edited },
          { path: 'stacks/dev/main.tf', content: null },
        ],
        'Backport tcp/8080',
      );
      expect(result).toMatchObject({ committed: true, attempts: 1 });
      expect(git(sb, 'rev-parse', `refs/heads/${BRANCH}`).trim()).toBe(result.sha);
      expect(git(sb, 'log', '--format=%P %s', '-1', BRANCH).trim()).toBe(`${main} Backport tcp/8080`);
      expect(git(sb, 'show', `${BRANCH}:${MAIN_TF}`)).toBe(edited);
      expect(git(sb, 'diff', '--name-status', `main...${BRANCH}`).trim().split('\n')).toEqual([
        'D\tstacks/dev/main.tf',
        'M\tstacks/prod/main.tf',
      ]);
      expect(git(sb, 'ls-tree', '-r', '--name-only', BRANCH)).toContain('stacks/prod/variables.tf');
      const methods = sb.calls.filter((c) => c.route?.includes('/git/') && c.method !== 'GET').map((c) => `${c.method} ${c.route}`);
      expect(methods).toEqual([
        'POST /repos/{owner}/{repo}/git/refs',
        'POST /repos/{owner}/{repo}/git/trees',
        'POST /repos/{owner}/{repo}/git/commits',
        PATCH_REF,
      ]);
      expect(callsTo(sb, PATCH_REF)[0].path).toBe(`/repos/acme/infra/git/refs/${encodeURIComponent(`heads/${BRANCH}`)}`);
    });

    it('makes no commit when the files already have that content', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      const result = await client.commitFiles(REPO, BRANCH, main, [{ path: MAIN_TF, content: STACK_FILES[MAIN_TF] }], 'Nothing');
      expect(result).toEqual({ sha: main, committed: false, attempts: 1 });
      expect(callsTo(sb, 'POST /repos/{owner}/{repo}/git/commits')).toHaveLength(0);
    });

    it('converges when another commit lands on the branch between reading it and the PATCH', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      let human = '';
      sb.beforeNext({ method: 'PATCH', route: '/repos/{owner}/{repo}/git/refs/{ref}' }, async () => {
        human = await sb.commit(BRANCH, { 'stacks/prod/outputs.tf': 'output "x" {}\n' }, 'Human change');
      });
      const edited = `${STACK_FILES[MAIN_TF]}# ours\n`;
      const result = await client.commitFiles(REPO, BRANCH, main, [{ path: MAIN_TF, content: edited }], 'Backport');
      expect(result).toMatchObject({ committed: true, attempts: 2 });
      expect(callsTo(sb, PATCH_REF).map((c) => c.status)).toEqual([422, 200]);
      // Our commit sits on top of the human one, and both changes are on the branch.
      expect(git(sb, 'log', '--format=%s', `main..${BRANCH}`).trim().split('\n')).toEqual(['Backport', 'Human change']);
      expect(git(sb, 'rev-parse', `${BRANCH}^`).trim()).toBe(human);
      expect(git(sb, 'show', `${BRANCH}:${MAIN_TF}`)).toBe(edited);
      expect(git(sb, 'show', `${BRANCH}:stacks/prod/outputs.tf`)).toBe('output "x" {}\n');
      // The first, orphaned commit never became part of the branch.
      expect(git(sb, 'rev-list', '--count', `main..${BRANCH}`).trim()).toBe('2');
    });

    it('lets the caller re-run its edit on the new head', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      sb.beforeNext({ method: 'PATCH', route: '/repos/{owner}/{repo}/git/refs/{ref}' }, async () => {
        await sb.commit(BRANCH, { [MAIN_TF]: `${STACK_FILES[MAIN_TF]}# human\n` }, 'Human edit of the same file');
      });
      const heads: string[] = [];
      const result = await client.commitFiles(
        REPO,
        BRANCH,
        main,
        [{ path: MAIN_TF, content: `${STACK_FILES[MAIN_TF]}# ours\n` }],
        'Backport',
        {
          reapply: async (head) => {
            heads.push(head);
            const current = await client.readFile(REPO, MAIN_TF, head);
            return [{ path: MAIN_TF, content: `${current.content}# ours\n` }];
          },
        },
      );
      expect(heads).toEqual([git(sb, 'rev-parse', `${BRANCH}^`).trim()]);
      expect(result.attempts).toBe(2);
      expect(git(sb, 'show', `${BRANCH}:${MAIN_TF}`)).toBe(`${STACK_FILES[MAIN_TF]}# human\n# ours\n`);
    });

    it('gives up with a transient github_conflict when the branch keeps moving', async () => {
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      let n = 0;
      sb.beforeNext(
        { method: 'PATCH' },
        async () => {
          n += 1;
          await sb.commit(BRANCH, { [`churn-${n}.txt`]: `${n}\n` }, `Churn ${n}`);
        },
        10,
      );
      const err = await rejection(
        client.commitFiles(REPO, BRANCH, main, [{ path: MAIN_TF, content: 'x\n' }], 'Backport', { maxAttempts: 3 }),
      );
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 'github_conflict' });
      expect(callsTo(sb, PATCH_REF)).toHaveLength(3);
      expect(git(sb, 'log', '--format=%s', '-1', BRANCH).trim()).toBe('Churn 3');
    });
  });

  describe('pull requests', () => {
    it('opens a PR, and on 422 "already exists" returns the same PR', async () => {
      const number = await backportPullRequest();
      const again = await client.openPullRequest(REPO, { head: BRANCH, base: 'main', title: 'Other', body: 'other' });
      expect(again).toMatchObject({ number, created: false, headRef: BRANCH, baseRef: 'main', state: 'open', title: 'Backport' });
      const prefixed = await client.openPullRequest(REPO, { head: `acme:${BRANCH}`, base: 'main', title: 'Other', body: 'other' });
      expect(prefixed).toMatchObject({ number, created: false });
      expect(callsTo(sb, 'POST /repos/{owner}/{repo}/pulls').map((c) => c.status)).toEqual([201, 422, 422]);
      expect(sb.pullRequests()).toHaveLength(1);
    });

    it('finds the open PR with head=owner:branch', async () => {
      const number = await backportPullRequest();
      const found = await client.findOpenPullRequest(REPO, BRANCH);
      expect(found).toMatchObject({
        number,
        htmlUrl: `${sb.url}/acme/infra/pull/${number}`,
        headSha: git(sb, 'rev-parse', BRANCH).trim(),
        merged: false,
      });
      expect(callsTo(sb, 'GET /repos/{owner}/{repo}/pulls')[0].path).toContain(`head=acme%3A${encodeURIComponent(BRANCH)}`);
      expect(await client.findOpenPullRequest(REPO, 'driftwarden/backport/other')).toBeNull();
    });

    it('updates title and body', async () => {
      const number = await backportPullRequest();
      const updated = await client.updatePullRequest(REPO, number, { title: 'New title', body: 'New body' });
      expect(updated).toMatchObject({ number, title: 'New title', body: 'New body' });
      expect(sb.pullRequest(number)).toMatchObject({ title: 'New title', body: 'New body' });
    });

    it("maps a PR against a missing base to github_rejected with GitHub's message", async () => {
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      await client.commitFiles(REPO, BRANCH, main, [{ path: 'a.txt', content: 'a\n' }], 'A');
      const err = await rejection(client.openPullRequest(REPO, { head: BRANCH, base: 'release', title: 't', body: 'b' }));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: 'github_rejected' });
      expect(err.message).toContain('Validation Failed (PullRequest.base invalid)');
    });
  });

  describe('labels', () => {
    it('creates the missing styled labels, lets GitHub create plain names on add; later calls use what it learnt', async () => {
      const number = await backportPullRequest();
      const labels = await client.ensureLabels(REPO, number, [
        'driftwarden',
        'backport',
        { name: 'incident:pagerduty-Q1ABC2', color: 'b60205', description: 'PagerDuty Q1ABC2' },
      ]);
      expect(labels).toEqual(['driftwarden', 'backport', 'incident:pagerduty-Q1ABC2']);
      expect(sb.labels()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'driftwarden', color: 'ededed' }),
          expect.objectContaining({ name: 'backport', color: 'ededed' }),
          expect.objectContaining({ name: 'incident:pagerduty-Q1ABC2', color: 'b60205', description: 'PagerDuty Q1ABC2' }),
        ]),
      );
      expect(sb.pullRequest(number)?.labels).toEqual(labels);
      // Only the styled label needs a create call; plain names are created by the add.
      expect(callsTo(sb, CREATE_LABEL)).toHaveLength(1);

      await client.ensureLabels(REPO, number, ['driftwarden', 'backport', { name: 'incident:pagerduty-Q1ABC2', color: 'b60205' }]);
      expect(callsTo(sb, LIST_LABELS)).toHaveLength(1);
      expect(callsTo(sb, CREATE_LABEL)).toHaveLength(1);
    });

    it('accepts 422 already_exists when someone created the label in between', async () => {
      const number = await backportPullRequest();
      sb.beforeNext({ method: 'POST', route: '/repos/{owner}/{repo}/labels' }, async () => {
        const other = clientFor(sb);
        await other.ensureLabels(REPO, number, [{ name: 'driftwarden', color: '5319e7' }]);
      });
      expect(await client.ensureLabels(REPO, number, [{ name: 'driftwarden', color: '5319e7' }])).toEqual(['driftwarden']);
      // The outer request arrived first (and was answered last).
      expect(callsTo(sb, CREATE_LABEL).map((c) => c.status)).toEqual([422, 201]);
      expect(sb.labels().map((l) => l.name)).toEqual(['driftwarden']);
    });
  });

  describe('issue fallback', () => {
    it('opens an issue with the marker, finds it by marker, and updates it', async () => {
      const marker = hiddenMarker('sg-0123456789abcdef0');
      await backportPullRequest(); // a PR in the issues list must never be taken for the issue
      await client.updatePullRequest(REPO, 1, { body: `PR that mentions ${marker}` });
      await client.openIssue(REPO, { title: 'Unrelated', body: 'no marker', labels: ['driftwarden'] });
      expect(await client.findOpenIssue(REPO, marker)).toBeNull();

      const opened = await client.openIssue(REPO, {
        title: 'Cannot edit sg-0123 safely',
        body: 'live differs from code',
        labels: ['backport'],
        marker,
      });
      expect(opened.body).toBe(`live differs from code\n\n${marker}`);
      expect(opened.labels).toEqual(['driftwarden', 'backport']);

      const found = await client.findOpenIssue(REPO, marker);
      expect(found).toMatchObject({ number: opened.number, state: 'open', title: 'Cannot edit sg-0123 safely' });
      expect(callsTo(sb, 'GET /repos/{owner}/{repo}/issues').at(-1)?.path).toContain('labels=driftwarden');

      const updated = await client.updateIssue(REPO, opened.number, { body: `still differs\n\n${marker}` });
      expect(updated.body).toBe(`still differs\n\n${marker}`);
      expect((await client.findOpenIssue(REPO, marker))?.body).toBe(`still differs\n\n${marker}`);
      await client.updateIssue(REPO, opened.number, { state: 'closed' });
      expect(await client.findOpenIssue(REPO, marker)).toBeNull();
    });
  });

  describe('failures', () => {
    it('retries a 5xx and then succeeds', async () => {
      sb.failNext(sandbox.sandboxFailures.serverError(502), 2, { route: '/repos/{owner}/{repo}/git/ref/{ref}' });
      expect(await client.getBranchSha(REPO, 'main')).toMatch(/^[0-9a-f]{40}$/);
      expect(callsTo(sb, GET_REF).map((c) => c.status)).toEqual([502, 502, 200]);
      expect(client.calls).toBe(3);
    });

    it('maps a 5xx that outlasts the retries to a transient github_unavailable', async () => {
      sb.failNext(sandbox.sandboxFailures.serverError(503), 10);
      const err = await rejection(client.getBranchSha(REPO, 'main'));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 'github_unavailable' });
      expect(callsTo(sb, GET_REF)).toHaveLength(4); // 1 + 3 retries
    });

    it('retries a request that timed out', async () => {
      const { gate, release } = heldOpen();
      const calls: GitHubCall[] = [];
      // Long enough for an answer on a loaded machine (CI shares its cores); the held request never answers.
      const observed = clientFor(sb, { requestTimeoutMs: 3_000, onCall: (c) => calls.push(c) });
      sb.beforeNext({ route: '/repos/{owner}/{repo}/git/ref/{ref}' }, () => gate);
      const sha = await observed.getBranchSha(REPO, 'main');
      release();
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      expect(calls.map((c) => c.status)).toEqual([0, 200]);
    });

    it('waits out a primary rate limit (x-ratelimit-remaining 0 + reset) once, then succeeds', async () => {
      sb.failNext(sandbox.sandboxFailures.primaryRateLimit(Math.floor(Date.now() / 1000) + 1));
      expect(await client.getBranchSha(REPO, 'main')).toMatch(/^[0-9a-f]{40}$/);
      expect(callsTo(sb, GET_REF).map((c) => c.status)).toEqual([403, 200]);
    });

    it('does not sleep through a long primary rate limit: github_rate_limited with retryAfterMs', async () => {
      const now = 1_700_000_000_000;
      const limited = clientFor(sb, { now: () => now });
      const reset = Math.floor(Date.now() / 1000) + 600;
      sb.failNext(sandbox.sandboxFailures.primaryRateLimit(reset));
      const err = await rejection(limited.getBranchSha(REPO, 'main'));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 'github_rate_limited', retryAfterMs: reset * 1000 - now + 1000 });
      expect(callsTo(sb, GET_REF)).toHaveLength(1);
    });

    it('bounds the waits: a second primary limit in a row is returned to the caller', async () => {
      const reset = Math.floor(Date.now() / 1000) + 1;
      sb.failNext(sandbox.sandboxFailures.primaryRateLimit(reset), 2);
      const err = await rejection(client.getBranchSha(REPO, 'main'));
      expect(err).toMatchObject({ code: 'github_rate_limited' });
      expect((err as TransientError).retryAfterMs).toBeGreaterThanOrEqual(0);
      expect(callsTo(sb, GET_REF)).toHaveLength(2);
    });

    it.each([403, 429] as const)('waits out a secondary rate limit (%i + retry-after), then succeeds', async (status) => {
      sb.failNext(sandbox.sandboxFailures.secondaryRateLimit(2, status), 1, { method: 'POST' });
      const main = await client.getBranchSha(REPO, 'main');
      expect(await client.ensureBranch(REPO, BRANCH, main)).toEqual({ sha: main, created: true });
      expect(callsTo(sb, 'POST /repos/{owner}/{repo}/git/refs').map((c) => c.status)).toEqual([status, 201]);
    });

    it('returns a secondary rate limit it may not wait for with retryAfterMs from retry-after', async () => {
      sb.failNext(sandbox.sandboxFailures.secondaryRateLimit(120, 429));
      const err = await rejection(client.getBranchSha(REPO, 'main'));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 'github_rate_limited', retryAfterMs: 120_000 });
      expect(callsTo(sb, GET_REF)).toHaveLength(1);
    });

    it("uses GitHub's one-minute advice for a secondary limit without retry-after", async () => {
      sb.failNext(sandbox.sandboxFailures.secondaryRateLimit(undefined), 2);
      await expect(client.getBranchSha(REPO, 'main')).rejects.toMatchObject({ code: 'github_rate_limited', retryAfterMs: 60_000 });
    });
  });

  describe('credentials', () => {
    const SECRET = 'ghp_Sup3rSecretTokenValue0123456789abcd';

    it('maps 401 to github_auth, without the token anywhere in the error', async () => {
      const wrong = clientFor(sb, { auth: { type: 'token', token: SECRET } });
      const err = await rejection(wrong.getBranchSha(REPO, 'main'));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: 'github_auth' });
      expect(err.message).toContain('Bad credentials');
      expect(inspect(err, { depth: 20 })).not.toContain(SECRET);
      expect(JSON.stringify(err)).not.toContain(SECRET);
      expect(callsTo(sb, GET_REF)).toHaveLength(1); // never retried
    });

    it('keeps an accepted token out of every error (cause included)', async () => {
      await sb.close();
      sb = await startSandbox({ tokens: [SECRET] });
      const right = clientFor(sb, { auth: { type: 'token', token: SECRET } });
      const err = await rejection(right.readFile(REPO, `${SECRET}.tf`, 'main'));
      expect(err).toMatchObject({ code: 'github_not_found' });
      expect(err.message).not.toContain(SECRET);
      expect(err.message).toContain('[REDACTED]');
      expect(inspect(err, { depth: 20 })).not.toContain(SECRET);
    });

    it('authenticates as a GitHub App installation (JWT → installation token, cached)', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await sb.close();
      sb = await startSandbox({
        app: { appId: 123456, installationId: 789, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      });
      const app = clientFor(sb, {
        auth: {
          type: 'app',
          appId: 123456,
          installationId: 789,
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      });
      const main = await app.getBranchSha(REPO, 'main');
      await app.ensureBranch(REPO, BRANCH, main);
      expect(callsTo(sb, 'POST /app/installations/{installation_id}/access_tokens').map((c) => c.status)).toEqual([201]);
      expect(app.calls).toBe(3);
    });

    it('refuses an App whose key the sandbox does not know', async () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await sb.close();
      sb = await startSandbox({
        app: { appId: 1, installationId: 2, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      });
      const pem = otherKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const app = clientFor(sb, { auth: { type: 'app', appId: 1, installationId: 2, privateKey: pem } });
      const err = await rejection(app.getBranchSha(REPO, 'main'));
      expect(err).toMatchObject({ code: 'github_auth' });
      expect(inspect(err, { depth: 20 })).not.toContain(pem.split('\n')[1]);
    });
  });

  describe('GitHub Enterprise', () => {
    it('works under a base URL with a path prefix (/api/v3)', async () => {
      await sb.close();
      sb = await startSandbox({ pathPrefix: '/api/v3' });
      const seen: GitHubCall[] = [];
      const ghe = clientFor(sb, { onCall: (c) => seen.push(c) });
      expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
      client = ghe;
      const number = await backportPullRequest();
      expect(sb.pullRequest(number)?.head).toBe(BRANCH);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((c) => c.path.startsWith('/api/v3/repos/acme/infra/'))).toBe(true);

      const withoutPrefix = clientFor(sb, { apiUrl: new URL(sb.url).origin });
      await expect(withoutPrefix.getBranchSha(REPO, 'main')).rejects.toMatchObject({ code: 'github_not_found' });
    });
  });

  it('counts every HTTP request of a whole backport', async () => {
    const number = await backportPullRequest();
    await client.ensureLabels(REPO, number, ['driftwarden', 'backport']);
    expect(client.calls).toBe(sb.calls.length);
    // ref, branch, commit (read, tree with the text inline, commit, PATCH), PR, labels (one add: GitHub creates plain names).
    expect(client.calls).toBe(8);
  });
});
