import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parsePullRequestEvent, verifyGitHubSignature } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { clientFor, expectConformant, git, REPO, startSandbox, STACK_FILES } from '../../test/github-test-support';
import { loadGitHubOpenApiContract } from './github-openapi.contract';

const BRANCH = 'driftwarden/backport/sg-1';

interface Raw {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A plain HTTP call to the sandbox (no Octokit): what GitHub's API would see. */
async function call(
  sb: sandbox.GitHubSandbox,
  method: string,
  route: string,
  body?: unknown,
  token = sandbox.DEFAULT_SANDBOX_TOKEN,
): Promise<Raw> {
  const response = await fetch(`${sb.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** The branch with one commit on top of main, and a PR for it; returns the PR number. */
async function openBackport(sb: sandbox.GitHubSandbox, branch = BRANCH, file = 'stacks/prod/main.tf'): Promise<number> {
  await sb.commit(branch, { [file]: `${STACK_FILES[file] ?? ''}# backport\n` }, 'Backport');
  const created = await call(sb, 'POST', '/repos/acme/infra/pulls', { title: 'Backport', head: branch, base: 'main', body: 'why' });
  expect(created.status).toBe(201);
  return (created.body as { number: number }).number;
}

describe('GitHubSandbox', () => {
  let sb: sandbox.GitHubSandbox;

  beforeEach(async () => {
    sb = await startSandbox();
  });

  afterEach(async () => {
    await sb.close();
  });

  describe('answers that conform to the GitHub API description', () => {
    const contract = loadGitHubOpenApiContract();

    it.each([
      ['GET', '/repos/{owner}/{repo}/git/ref/{ref}', 200, '/repos/acme/infra/git/ref/heads%2Fmain', undefined],
      ['GET', '/repos/{owner}/{repo}/contents/{path}', 200, '/repos/acme/infra/contents/stacks%2Fprod%2Fmain.tf?ref=main', undefined],
      ['GET', '/repos/{owner}/{repo}/contents/{path}', 200, '/repos/acme/infra/contents/stacks/prod', undefined],
      ['GET', '/repos/{owner}/{repo}/git/trees/{tree_sha}', 200, '/repos/acme/infra/git/trees/main?recursive=1', undefined],
      ['POST', '/repos/{owner}/{repo}/labels', 201, '/repos/acme/infra/labels', { name: 'driftwarden', color: 'b60205' }],
      [
        'POST',
        '/repos/{owner}/{repo}/issues',
        201,
        '/repos/acme/infra/issues',
        { title: 'Cannot edit', body: 'x', labels: ['driftwarden'] },
      ],
      ['GET', '/repos/{owner}/{repo}/issues', 200, '/repos/acme/infra/issues?labels=driftwarden', undefined],
      ['GET', '/repos/{owner}/{repo}/git/ref/{ref}', 404, '/repos/acme/infra/git/ref/heads%2Fnope', undefined],
    ])('%s %s → %i is schema-valid (checked here, independently of the sandbox)', async (method, template, status, route, body) => {
      const answer = await call(sb, method, route, body);
      expect(answer.status).toBe(status);
      expect(contract.validateResponse(method, template, status, answer.body)).toEqual([]);
      expectConformant(sb);
    });

    it('pull requests (create, get, list, update) and the 422 "already exists" are schema-valid', async () => {
      const number = await openBackport(sb);
      const got = await call(sb, 'GET', `/repos/acme/infra/pulls/${number}`);
      expect(contract.validateResponse('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, got.body)).toEqual([]);
      expect(got.body).toMatchObject({
        number,
        state: 'open',
        merged: false,
        head: { ref: BRANCH },
        base: { ref: 'main' },
        commits: 1,
        changed_files: 1,
        additions: 1,
      });
      const list = await call(sb, 'GET', `/repos/acme/infra/pulls?head=acme:${BRANCH}&state=open`);
      expect(contract.validateResponse('GET', '/repos/{owner}/{repo}/pulls', 200, list.body)).toEqual([]);
      const updated = await call(sb, 'PATCH', `/repos/acme/infra/pulls/${number}`, { title: 'Renamed', body: 'new body' });
      expect(updated.body).toMatchObject({ title: 'Renamed', body: 'new body' });
      expect(contract.validateResponse('PATCH', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, updated.body)).toEqual([]);
      const again = await call(sb, 'POST', '/repos/acme/infra/pulls', { title: 'Again', head: BRANCH, base: 'main' });
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({
        message: 'Validation Failed',
        documentation_url: expect.stringContaining('docs.github.com'),
        errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for acme:${BRANCH}.` }],
      });
      expect(contract.validateResponse('POST', '/repos/{owner}/{repo}/pulls', 422, again.body)).toEqual([]);
      expectConformant(sb);
    });

    it('the validator itself rejects a body missing required fields (control)', () => {
      expect(contract.validateResponse('GET', '/repos/{owner}/{repo}/git/ref/{ref}', 200, { ref: 'refs/heads/main' })).toEqual(
        expect.arrayContaining([expect.stringContaining("must have required property 'object'")]),
      );
    });
  });

  describe('requests that do not conform are refused like GitHub does (422)', () => {
    it.each([
      [
        'POST git/refs without sha',
        'POST',
        '/repos/acme/infra/git/refs',
        { ref: 'refs/heads/x' },
        "body must have required property 'sha'",
      ],
      [
        'PATCH git/refs with a string force',
        'PATCH',
        '/repos/acme/infra/git/refs/heads%2Fmain',
        { sha: 'a'.repeat(40), force: 'no' },
        'body.force must be boolean',
      ],
      [
        'POST pulls with a numeric head',
        'POST',
        '/repos/acme/infra/pulls',
        { title: 't', head: 5, base: 'main' },
        'body.head must be string',
      ],
      [
        'an unknown query parameter',
        'GET',
        '/repos/acme/infra/pulls?heads=acme:x',
        undefined,
        'query.heads is not a parameter of pulls/list',
      ],
      [
        'a bad enum in the query',
        'GET',
        '/repos/acme/infra/pulls?state=merged',
        undefined,
        'query.state must be equal to one of the allowed values',
      ],
      [
        'POST git/trees with a bad mode',
        'POST',
        '/repos/acme/infra/git/trees',
        { tree: [{ path: 'a', mode: '100600', type: 'blob', sha: 'a'.repeat(40) }] },
        'body.tree.0.mode must be equal to one of the allowed values',
      ],
    ])('%s', async (_name, method, route, body, problem) => {
      const answer = await call(sb, method, route, body);
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        message: expect.stringMatching(/^Invalid request\.\n\n/),
        documentation_url: expect.any(String),
      });
      expect(sb.requestProblems).toEqual([
        { request: `${method} ${route.split('?')[0]}`, problems: expect.arrayContaining([expect.stringContaining(problem)]) },
      ]);
    });

    it('accepts the same request when validation is off (the product build has no @octokit/openapi)', async () => {
      const plain = await sandbox.GitHubSandbox.start({ files: STACK_FILES });
      try {
        const answer = await call(plain, 'GET', '/repos/acme/infra/pulls?heads=acme:x');
        expect(answer.status).toBe(200);
        expect(plain.requestProblems).toEqual([]);
      } finally {
        await plain.close();
      }
    });

    it('loads the OpenAPI validator only on demand (no static import of devDependencies)', () => {
      const source = readFileSync(path.join(__dirname, 'github-sandbox.server.ts'), 'utf8');
      const staticImports = [...source.matchAll(/^import (?!type )[^;]*from '([^']+)'/gm)].map((m) => m[1]);
      expect(staticImports.filter((m) => /ajv|openapi/.test(m))).toEqual([]);
    });
  });

  describe('GitHub behaviour', () => {
    it('answers 401 "Bad credentials" without a valid token, and 404 for unknown routes and repos', async () => {
      expect(await call(sb, 'GET', '/repos/acme/infra/git/ref/heads%2Fmain', undefined, 'nope')).toMatchObject({
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      });
      expect(await call(sb, 'GET', '/repos/acme/infra/branches')).toMatchObject({ status: 404, body: { message: 'Not Found' } });
      expect(await call(sb, 'GET', '/repos/acme/other/git/ref/heads%2Fmain')).toMatchObject({
        status: 404,
        body: { message: 'Not Found' },
      });
      const future = await fetch(`${sb.url}/repos/acme/infra/git/ref/heads%2Fmain`, {
        headers: { authorization: `token ${sandbox.DEFAULT_SANDBOX_TOKEN}`, 'x-github-api-version': '2099-01-01' },
      });
      expect(future.status).toBe(400);
    });

    it('creates a ref once: the second POST is 422 "Reference already exists"', async () => {
      const main = git(sb, 'rev-parse', 'main').trim();
      expect((await call(sb, 'POST', '/repos/acme/infra/git/refs', { ref: `refs/heads/${BRANCH}`, sha: main })).status).toBe(201);
      expect(await call(sb, 'POST', '/repos/acme/infra/git/refs', { ref: `refs/heads/${BRANCH}`, sha: main })).toMatchObject({
        status: 422,
        body: { message: 'Reference already exists' },
      });
      expect((await call(sb, 'POST', '/repos/acme/infra/git/refs', { ref: 'heads/x', sha: main })).status).toBe(422);
      expectConformant(sb);
    });

    it('refuses a PATCH that is not a fast-forward unless forced', async () => {
      const main = git(sb, 'rev-parse', 'main').trim();
      await sb.commit(BRANCH, { 'a.txt': 'a\n' }, 'A');
      const ahead = git(sb, 'rev-parse', BRANCH).trim();
      await sb.commit('main', { 'b.txt': 'b\n' }, 'B');
      expect(
        await call(sb, 'PATCH', `/repos/acme/infra/git/refs/${encodeURIComponent(`heads/${BRANCH}`)}`, { sha: main, force: false }),
      ).toMatchObject({
        status: 422,
        body: { message: 'Update is not a fast forward' },
      });
      expect((await call(sb, 'PATCH', `/repos/acme/infra/git/refs/heads/${BRANCH}`, { sha: main, force: true })).status).toBe(200);
      expect(git(sb, 'rev-parse', BRANCH).trim()).toBe(main);
      expect(ahead).not.toBe(main);
      expectConformant(sb);
    });

    it('ignores pulls?head= without the owner prefix, as GitHub reportedly does', async () => {
      await openBackport(sb, BRANCH);
      await openBackport(sb, 'driftwarden/backport/sg-2', 'stacks/dev/main.tf');
      const bare = await call(sb, 'GET', `/repos/acme/infra/pulls?head=${encodeURIComponent(BRANCH)}`);
      const prefixed = await call(sb, 'GET', `/repos/acme/infra/pulls?head=${encodeURIComponent(`acme:${BRANCH}`)}`);
      expect((bare.body as unknown[]).length).toBe(2);
      expect((prefixed.body as Array<{ head: { ref: string } }>).map((p) => p.head.ref)).toEqual([BRANCH]);
      expectConformant(sb);
    });

    it('answers 422 for a label that exists (any case) and paginates with Link headers', async () => {
      for (const name of ['a', 'b', 'c']) expect((await call(sb, 'POST', '/repos/acme/infra/labels', { name })).status).toBe(201);
      expect(await call(sb, 'POST', '/repos/acme/infra/labels', { name: 'A' })).toMatchObject({
        status: 422,
        body: { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] },
      });
      const first = await call(sb, 'GET', '/repos/acme/infra/labels?per_page=2');
      expect((first.body as Array<{ name: string }>).map((l) => l.name)).toEqual(['a', 'b']);
      expect(first.headers.get('link')).toBe(
        `<${sb.url}/repos/acme/infra/labels?per_page=2&page=2>; rel="next", <${sb.url}/repos/acme/infra/labels?per_page=2&page=2>; rel="last"`,
      );
      expectConformant(sb);
    });

    it('answers a file over 1 MB without content, like GitHub', async () => {
      await sb.close();
      sb = await startSandbox({ files: { 'big.tf': 'x'.repeat(1024 * 1024 + 1) } });
      const answer = await call(sb, 'GET', '/repos/acme/infra/contents/big.tf');
      expect(answer.body).toMatchObject({ type: 'file', encoding: 'none', content: '', size: 1024 * 1024 + 1 });
      expectConformant(sb);
    });
  });

  describe('merging and webhooks', () => {
    let receiver: Server;
    let received: Array<{ headers: IncomingHttpHeaders; body: Buffer }>;
    const SECRET = 'webhook-secret';

    beforeEach(async () => {
      received = [];
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks) });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      sb.setWebhook({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/webhooks/github`, secret: SECRET });
    });

    afterEach(async () => {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    });

    it('merges the branch into main in git and delivers a signed closed+merged pull_request event', async () => {
      const client = clientFor(sb);
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      const edited = STACK_FILES['stacks/prod/main.tf'].replace('8080', '8443');
      await client.commitFiles(REPO, BRANCH, main, [{ path: 'stacks/prod/main.tf', content: edited }], 'Backport');
      const pr = await client.openPullRequest(REPO, { head: BRANCH, base: 'main', title: 'Backport', body: 'closes tcp/8080' });
      expect(git(sb, 'diff', '--stat', `main...${BRANCH}`)).toContain('stacks/prod/main.tf');

      const { sha, delivery } = await sb.mergePullRequest(pr.number);
      expect(git(sb, 'rev-parse', 'main').trim()).toBe(sha);
      expect(git(sb, 'log', '-1', '--format=%P', 'main').trim().split(' ')).toEqual([main, git(sb, 'rev-parse', BRANCH).trim()]);
      expect(git(sb, 'show', 'main:stacks/prod/main.tf')).toBe(edited);
      expect(sb.pullRequest(pr.number)).toMatchObject({ state: 'closed', merged: true, mergeCommitSha: sha });
      expect(await client.findOpenPullRequest(REPO, BRANCH)).toBeNull();

      expect(delivery).toMatchObject({ event: 'pull_request', action: 'closed', status: 204 });
      expect(received).toHaveLength(1);
      const [{ headers, body }] = received;
      expect(headers['x-github-event']).toBe('pull_request');
      expect(headers['x-github-delivery']).toBe(delivery?.id);
      expect(await verifyGitHubSignature(body, headers['x-hub-signature-256'], SECRET)).toBe(true);
      expect(await verifyGitHubSignature(body, headers['x-hub-signature-256'], 'other')).toBe(false);
      expect(parsePullRequestEvent(body)).toEqual({
        ok: true,
        event: {
          action: 'closed',
          merged: true,
          number: pr.number,
          headRef: BRANCH,
          baseRef: 'main',
          htmlUrl: pr.htmlUrl,
          repo: { owner: 'acme', name: 'infra' },
          body: 'closes tcp/8080',
          updatedAt: new Date(sb.pullRequest(pr.number)!.updatedAt).toISOString(),
        },
      });
      // The PR in the payload is the REST shape.
      const contract = loadGitHubOpenApiContract();
      const payload = JSON.parse(body.toString('utf8')) as { pull_request: unknown };
      expect(contract.validateResponse('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, payload.pull_request)).toEqual([]);
      expectConformant(sb);
    });

    it('closes without merging: main unchanged, event closed with merged false', async () => {
      const number = await openBackport(sb);
      const before = git(sb, 'rev-parse', 'main').trim();
      await sb.closePullRequest(number);
      expect(git(sb, 'rev-parse', 'main').trim()).toBe(before);
      expect(received).toHaveLength(1);
      expect(parsePullRequestEvent(received[0].body)).toMatchObject({ ok: true, event: { action: 'closed', merged: false, number } });
    });
  });

  describe('a repository given by the caller', () => {
    let dir: string;

    beforeEach(async () => {
      await sb.close();
      dir = mkdtempSync(path.join(tmpdir(), 'driftwarden-given-'));
      mkdirSync(path.join(dir, 'stacks', 'prod'), { recursive: true });
      writeFileSync(path.join(dir, 'stacks', 'prod', 'main.tf'), STACK_FILES['stacks/prod/main.tf']);
      const env = {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@x',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@x',
      };
      for (const args of [
        ['init', '-q', '-b', 'main'],
        ['add', '.'],
        ['commit', '-q', '-m', 'Initial'],
      ])
        execFileSync('git', args, { cwd: dir, env });
      sb = await startSandbox({ repository: dir });
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('works in place, and a merge updates the checked-out work tree', async () => {
      const client = clientFor(sb);
      const main = await client.getBranchSha(REPO, 'main');
      await client.ensureBranch(REPO, BRANCH, main);
      const edited = STACK_FILES['stacks/prod/main.tf'].replace('10.0.0.0/8', '10.1.0.0/16');
      await client.commitFiles(REPO, BRANCH, main, [{ path: 'stacks/prod/main.tf', content: edited }], 'Backport');
      const pr = await client.openPullRequest(REPO, { head: BRANCH, base: 'main', title: 'Backport', body: '' });
      expect(execFileSync('git', ['-C', dir, 'diff', `main...${BRANCH}`]).toString()).toContain('+    cidr_blocks = ["10.1.0.0/16"]');

      await sb.mergePullRequest(pr.number);
      expect(readFileSync(path.join(dir, 'stacks', 'prod', 'main.tf'), 'utf8')).toBe(edited);
      expect(execFileSync('git', ['-C', dir, 'status', '--porcelain']).toString()).toBe('');
      await sb.close();
      expect(readFileSync(path.join(dir, 'stacks', 'prod', 'main.tf'), 'utf8')).toBe(edited); // not deleted
      sb = await startSandbox();
    });
  });
  describe("GraphQL (POST /graphql, validated against GitHub's published schema)", () => {
    const query = (q: string, variables?: unknown, token?: string) =>
      call(sb, 'POST', '/graphql', { query: q, ...(variables === undefined ? {} : { variables }) }, token);

    it('answers a repository → ref → commit → file → tree → blob query from git', async () => {
      const res = await query(
        'query($p: String!) { repository(owner: "acme", name: "infra") { ref(qualifiedName: "refs/heads/main") { name prefix target { oid ... on Commit { tree { oid } file(path: $p) { name path mode type oid object { ... on Tree { entries { name path mode type size extension object { ... on Blob { byteSize isBinary isTruncated text } } } } } } } } } missing: ref(qualifiedName: "nope") { name } } }',
        { p: 'stacks/prod' },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-resource')).toBe('graphql');
      const ref = (
        res.body as {
          data: { repository: { ref: { target: { file: { object: { entries: Array<Record<string, unknown>> } } } }; missing: unknown } };
        }
      ).data.repository;
      expect(ref.missing).toBeNull();
      expect(ref.ref).toMatchObject({
        name: 'main',
        prefix: 'refs/heads/',
        target: { oid: git(sb, 'rev-parse', 'main').trim(), tree: { oid: git(sb, 'rev-parse', 'main^{tree}').trim() } },
      });
      const file = ref.ref.target.file;
      expect(file).toMatchObject({ name: 'prod', path: 'stacks/prod', mode: 0o40000, type: 'tree' });
      expect(file.object.entries[0]).toEqual({
        name: 'main.tf',
        path: 'stacks/prod/main.tf',
        mode: 0o100644,
        type: 'blob',
        size: STACK_FILES['stacks/prod/main.tf'].length,
        extension: '.tf',
        object: {
          byteSize: STACK_FILES['stacks/prod/main.tf'].length,
          isBinary: false,
          isTruncated: false,
          text: STACK_FILES['stacks/prod/main.tf'],
        },
      });
      expect(sb.calls.at(-1)).toMatchObject({ method: 'POST', route: '/graphql', operationId: 'graphql', status: 200 });
    });

    it('refuses what GitHub refuses: a field not in the schema, a bad variable, a syntax error, no query', async () => {
      const unknownField = await query('{ repository(owner: "acme", name: "infra") { nope } }');
      expect(unknownField.body).toEqual({
        errors: [expect.objectContaining({ message: expect.stringContaining('Cannot query field "nope" on type "Repository"') })],
      });
      const badVariable = await query('query($n: String!) { repository(owner: "acme", name: $n) { name } }', { n: 42 });
      expect((badVariable.body as { errors: Array<{ message: string }> }).errors[0].message).toMatch(/\$n/);
      expect((badVariable.body as { data?: unknown }).data).toBeUndefined();
      const syntax = await query('{ repository(owner: "acme", name: "infra") { name }');
      expect((syntax.body as { errors: Array<{ message: string; locations: unknown }> }).errors[0]).toMatchObject({
        message: expect.stringMatching(/Syntax Error/),
        locations: [expect.any(Object)],
      });
      const none = await call(sb, 'POST', '/graphql', { variables: {} });
      expect(none).toMatchObject({
        status: 200,
        body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      });
    });

    it('an unknown repository is null with a NOT_FOUND error; bad credentials are a 401', async () => {
      const res = await query('{ repository(owner: "acme", name: "nope") { name } }');
      expect(res.body).toEqual({
        data: { repository: null },
        errors: [
          {
            type: 'NOT_FOUND',
            path: ['repository'],
            locations: [{ line: 1, column: 3 }],
            message: "Could not resolve to a Repository with the name 'acme/nope'.",
          },
        ],
      });
      const refused = await query('{ repository(owner: "acme", name: "infra") { name } }', undefined, 'wrong-token');
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ message: 'Bad credentials' });
    });

    it('a field valid for GitHub that the sandbox does not implement is an error naming it, never an invented value', async () => {
      const res = await query('{ repository(owner: "acme", name: "infra") { name stargazerCount } }');
      expect(res.body).toMatchObject({
        errors: [{ message: 'the GitHub sandbox does not implement Repository.stargazerCount', path: ['repository', 'stargazerCount'] }],
      });
      expect(sb.graphqlUnimplemented).toEqual(['Repository.stargazerCount']);
    });
  });
});
