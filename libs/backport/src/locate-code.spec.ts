import { createGitHubRepoClient, type GitHubLogger, type OctokitGitHubRepoClient, type RepoRef } from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { BranchCodeReader, locateCode } from './locate-code';

const REPO: RepoRef = { owner: 'acme', name: 'infra' };
const quiet: GitHubLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const SG = (name: string) => `resource "aws_security_group" "${name}" {\n  name = "${name}"\n}\n`;

const FILES: Record<string, string> = {
  'stacks/prod/main.tf': `${SG('workers')}\nmodule "web" {\n  source = "../../modules/sg"\n}\n\nmodule "edge" {\n  source  = "terraform-aws-modules/security-group/aws"\n  version = "5.1.0"\n}\n\nmodule "fleet" {\n  source = "./fleet"\n  count  = 2\n}\n`,
  'stacks/prod/rules.tf':
    'resource "aws_vpc_security_group_ingress_rule" "https" {\n  security_group_id = aws_security_group.workers.id\n}\n',
  'stacks/prod/fleet/main.tf': SG('this'),
  'modules/sg/main.tf': SG('this'),
  'modules/sg/rules.tf': 'resource "aws_security_group_rule" "ssh" {\n  type = "ingress"\n}\n',
  'modules/shared/main.tf': SG('this'),
  'stacks/dev/main.tf': 'module "a" {\n  source = "../../modules/shared"\n}\nmodule "b" {\n  source = "../../modules/shared"\n}\n',
  'stacks/twice/a.tf': SG('dup'),
  'stacks/twice/b.tf': SG('dup'),
};

describe('locateCode through BranchCodeReader (GitHub sandbox: real HTTP, real git)', () => {
  let gh: sandbox.GitHubSandbox;
  let client: OctokitGitHubRepoClient;

  beforeAll(async () => {
    gh = await sandbox.GitHubSandbox.start({ validate: true, files: FILES });
  });
  afterAll(async () => {
    await gh.close();
  });
  beforeEach(() => {
    client = createGitHubRepoClient({
      apiUrl: gh.url,
      auth: { type: 'token', token: sandbox.DEFAULT_SANDBOX_TOKEN },
      writeSpacingMs: 0,
      backoffUnitMs: 1,
      logger: quiet,
    });
  });

  async function locate(stack: string, address: string) {
    const head = (await client.readBranchFolders(REPO, stack, ['main'])).get('main');
    if (!head) throw new Error('no main');
    const before = gh.calls.length;
    const result = await locateCode(new BranchCodeReader(client, REPO, head), stack, address);
    return { result, requests: gh.calls.slice(before).map((c) => `${c.method} ${c.route}`) };
  }

  it('a resource of the stack folder is found from the one GraphQL answer: no further request', async () => {
    const { result, requests } = await locate('stacks/prod', 'aws_security_group.workers');
    expect(result).toEqual({
      ok: true,
      location: {
        path: 'stacks/prod/main.tf',
        target: { type: 'aws_security_group', name: 'workers' },
        text: FILES['stacks/prod/main.tf'],
        reservedNames: ['https'],
      },
    });
    expect(requests).toEqual([]);
  });

  it('follows a local module used once (one tree listing, each file read once)', async () => {
    const { result, requests } = await locate('stacks/prod/', 'module.web.aws_security_group.this');
    expect(result).toMatchObject({
      ok: true,
      location: {
        path: 'modules/sg/main.tf',
        target: { type: 'aws_security_group', name: 'this' },
        text: SG('this'),
        reservedNames: ['ssh'],
      },
    });
    expect(requests.filter((r) => r.includes('git/trees'))).toEqual(['GET /repos/{owner}/{repo}/git/trees/{tree_sha}']);
    const reads = gh.calls
      .slice(-requests.length)
      .filter((c) => c.route?.endsWith('/contents/{path}'))
      .map((c) => decodeURIComponent(c.path.split('?')[0]));
    expect(new Set(reads).size).toBe(reads.length);
    expect(reads.some((p) => p.includes('stacks/prod/main.tf'))).toBe(false); // it came with the GraphQL answer
  });

  it.each([
    [
      'stacks/dev',
      'module.a.aws_security_group.this',
      'module a (../../modules/shared) is instantiated 2 times: editing it would change every instance',
    ],
    [
      'stacks/prod',
      'module.edge.aws_security_group.this',
      'module edge comes from terraform-aws-modules/security-group/aws (registry), not from this repository',
    ],
    [
      'stacks/prod',
      'module.fleet[0].aws_security_group.this',
      'module fleet is instantiated with count/for_each: the code is shared by every instance',
    ],
    [
      'stacks/prod',
      'aws_security_group.workers[0]',
      'aws_security_group.workers[0] is one instance of a resource with count/for_each: editing it would change every instance',
    ],
    ['stacks/prod', 'module.nope.aws_security_group.this', 'no module "nope" block in stacks/prod'],
    ['stacks/twice', 'aws_security_group.dup', 'aws_security_group.dup is declared in two files (stacks/twice/a.tf, stacks/twice/b.tf)'],
    ['stacks/prod', 'aws_security_group.ghost', 'no file in stacks/prod declares aws_security_group.ghost'],
    ['stacks/missing', 'aws_security_group.workers', 'no file in stacks/missing declares aws_security_group.workers'],
  ])('%s %s cannot be edited safely: %s', async (stack, address, reason) => {
    expect((await locate(stack, address)).result).toEqual({ ok: false, reason });
  });
});
