import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { ruleKey } from '@driftwarden/security-group';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT, E2_STATE, OTHER_ACCOUNT, REGION, SG_BASTION, SG_WORKERS, V3_STATE, appsState, networkState } from '../test/fixtures';
import { DesiredStateIndex, type DesiredStateStack } from './desired-state-index';
import type { ManagedSecurityGroup, SecurityGroupLookup } from './index/resolve-security-group';
import { InMemoryStateSource } from './sources/state-source.fake';

const NETWORK: DesiredStateStack = {
  name: 'network',
  accounts: [ACCOUNT],
  regions: [REGION, 'us-east-1'],
  state: { s3: { bucket: 'tf-state', key: 'network/terraform.tfstate', region: REGION } },
};
const APPS: DesiredStateStack = { name: 'apps', accounts: [ACCOUNT], regions: [REGION], state: { file: '/srv/state/apps.tfstate' } };
const OTHER: DesiredStateStack = { name: 'other', accounts: [OTHER_ACCOUNT], regions: [REGION], state: { file: '/srv/state/other.tfstate' } };

function managed(result: SecurityGroupLookup): ManagedSecurityGroup {
  if (!result.managed) throw new Error(`expected managed, got: ${result.reason}`);
  return result;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

/** The unit under test over in-memory sources (one per stack). */
function build(options: { now?: () => number; maxAgeMs?: number } = {}) {
  const sources = {
    network: new InMemoryStateSource('memory:network', networkState()),
    apps: new InMemoryStateSource('memory:apps', appsState()),
    other: new InMemoryStateSource('memory:other', E2_STATE),
  };
  const index = new DesiredStateIndex([NETWORK, APPS, OTHER], (stack) => sources[stack.name as keyof typeof sources], options);
  return { index, sources };
}

describe('DesiredStateIndex', () => {
  it('finds a group in the stack that owns it, with rules other stacks add to it', async () => {
    const { index } = build();
    const sg = managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_WORKERS));
    expect(sg.stack).toBe('network');
    expect(sg.stacks).toEqual(['network', 'apps']);
    expect(sg.groupAddress).toBe('module.net.aws_security_group.workers');
    const metrics = { direction: 'ingress' as const, protocol: 'tcp', fromPort: 9100, toPort: 9100, peer: { kind: 'ipv4' as const, cidr: '10.20.0.0/16' } };
    expect(sg.desiredRules).toContainEqual(metrics);
    expect(sg.ruleOwners.get(ruleKey(metrics))).toBe('module.svc.aws_vpc_security_group_ingress_rule.metrics');
    expect(sg.ruleStacks.get(ruleKey(metrics))).toBe('apps');
    expect(sg.style).toBe('mixed');
  });

  it('says why a group is unmanaged: no covering stack, or in no covering state', async () => {
    const { index, sources } = build();
    await expect(index.lookupSecurityGroup('999999999999', REGION, SG_BASTION)).resolves.toEqual({
      managed: false,
      groupId: SG_BASTION,
      reason: 'no configured stack covers account 999999999999 in eu-west-1',
    });
    await expect(index.lookupSecurityGroup(ACCOUNT, REGION, 'sg-0notinanystate00')).resolves.toEqual({
      managed: false,
      groupId: 'sg-0notinanystate00',
      reason: 'sg-0notinanystate00 is in the Terraform state of no stack covering account 111122223333 in eu-west-1 (checked "network", "apps")',
    });
    // The state's arn/region put the bastion group in eu-west-1: not the same group in us-east-1.
    expect((await index.lookupSecurityGroup(ACCOUNT, 'us-east-1', SG_BASTION)).managed).toBe(false);
    // The "other" account's stack was never needed.
    expect(sources.other.reads).toHaveLength(0);
    expect(index.stacksCovering(ACCOUNT, REGION)).toEqual(['network', 'apps']);
  });

  it('loads each state once, then serves lookups from the index; concurrent lookups share one read', async () => {
    const { index, sources } = build();
    await Promise.all([index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION), index.lookupSecurityGroup(ACCOUNT, REGION, SG_WORKERS)]);
    await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION);
    expect(sources.network.reads).toEqual([{}]);
    expect(sources.apps.reads).toEqual([{}]);
  });

  it('refresh re-reads with the cached version: unchanged keeps the index, a new apply replaces it', async () => {
    const { index, sources } = build();
    await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION);
    await expect(index.refresh('network')).resolves.toEqual([{ stack: 'network', status: 'unchanged', serial: 7 }]);
    expect(sources.network.reads[1]).toEqual({ previous: sources.network.currentVersion });

    sources.network.set(networkState({ serial: 8, bastionCidr: '192.0.2.0/24' }));
    await expect(index.refresh('network')).resolves.toEqual([{ stack: 'network', status: 'loaded', serial: 8 }]);
    const sg = managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(sg.desiredRules.map((r) => (r.peer.kind === 'ipv4' ? r.peer.cidr : ''))).toContain('192.0.2.0/24');
    expect(sg.desiredRules.map((r) => (r.peer.kind === 'ipv4' ? r.peer.cidr : ''))).not.toContain('198.51.100.0/24');

    const all = await index.refresh();
    expect(all.map((r) => r.stack)).toEqual(['network', 'apps', 'other']);
    await expect(index.refresh('nope')).rejects.toThrow('unknown stack "nope" (configured: network, apps, other)');
  });

  it('fails closed: a covering stack that cannot be read makes the lookup throw, until a read succeeds', async () => {
    const { index, sources } = build();
    sources.apps.failNext(new TransientError('s3 GetObject failed (throttled)', 's3_throttled'));
    const err = await rejection(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe('stack "apps": s3 GetObject failed (throttled)');
    expect(index.status().find((s) => s.stack === 'apps')?.error).toEqual({ code: 's3_throttled', message: 'stack "apps": s3 GetObject failed (throttled)' });

    // The next lookup retries the read and succeeds.
    expect(managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).stack).toBe('network');
    expect(index.status().find((s) => s.stack === 'apps')?.error).toBeUndefined();
  });

  it('a failed refresh is returned (not thrown) and blocks lookups; the previous index is not trusted', async () => {
    const { index, sources } = build();
    await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION);
    sources.network.set(V3_STATE);
    const [result] = await index.refresh('network');
    expect(result?.status).toBe('failed');
    expect(result?.error).toBeInstanceOf(PermanentError);
    expect(result?.error?.code).toBe('terraform_state_unsupported_version');
    expect(result?.error?.message).toMatch(/^stack "network": Terraform state memory:network has format version 3/);
    await expect(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).rejects.toThrow(/format version 3/);
    // Fixed by the next apply.
    sources.network.set(networkState({ serial: 9 }));
    expect(managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).stack).toBe('network');
  });

  it('with maxAgeMs, a lookup re-checks a state older than that (conditionally)', async () => {
    let now = 1_000_000;
    const { index, sources } = build({ now: () => now, maxAgeMs: 60_000 });
    await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION);
    now += 30_000;
    await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION);
    expect(sources.network.reads).toHaveLength(1);
    now += 31_000;
    await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION);
    expect(sources.network.reads).toEqual([{}, { previous: sources.network.currentVersion }]);
    expect(index.status().find((s) => s.stack === 'network')?.checkedAt).toBe(new Date(now).toISOString());
  });

  it('reports status and which stack owns what', async () => {
    const { index } = build();
    expect(index.status().map((s) => s.loaded)).toEqual([false, false, false]);
    await index.refresh();
    const [network] = index.status();
    expect(network).toMatchObject({
      stack: 'network',
      origin: 'memory:network',
      loaded: true,
      state: { serial: 7, securityGroups: 4, ruleResources: 6, terraformVersion: '1.12.2' },
    });
    const ownership = index.ownership();
    expect(ownership.find((o) => o.stack === 'network')?.securityGroups).toContain(SG_BASTION);
    expect(ownership.find((o) => o.stack === 'apps')).toEqual({ stack: 'apps', securityGroups: [], ruleTargets: [SG_WORKERS] });
    expect(ownership.find((o) => o.stack === 'other')?.securityGroups).toEqual(['sg-0abc1234def567890']);
  });

  it('finds the rule resource behind an sgr- id', async () => {
    const { index } = build();
    await expect(index.lookupRule(ACCOUNT, REGION, 'sgr-0000000000000a201')).resolves.toEqual({
      stack: 'apps',
      address: 'module.svc.aws_vpc_security_group_ingress_rule.metrics',
      groupId: SG_WORKERS,
    });
    await expect(index.lookupRule(ACCOUNT, REGION, 'sgr-unknown')).resolves.toBeUndefined();
  });
});

describe('DesiredStateIndex.fromConfig (S3 and file sources)', () => {
  const s3Mock = mockClient(S3Client);
  let dir: string;

  function s3Body(text: string): NonNullable<GetObjectCommandOutput['Body']> {
    const bytes = Buffer.from(text, 'utf8');
    return Object.assign(Readable.from([bytes]), {
      transformToByteArray: async () => new Uint8Array(bytes),
      transformToString: async () => text,
      transformToWebStream: (): never => {
        throw new Error('not used');
      },
    });
  }
  const s3Error = (name: string, status: number) =>
    new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} happened` });

  beforeEach(async () => {
    s3Mock.reset();
    dir = await mkdtemp(join(tmpdir(), 'dw-index-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function fromConfig(stacks: DesiredStateStack[]) {
    const regions: string[] = [];
    const index = DesiredStateIndex.fromConfig(stacks, {
      s3ClientFor: (region) => {
        regions.push(region);
        return new S3Client({ region });
      },
    });
    return { index, regions };
  }

  it('reads the S3 state with the workspace key, then keeps the index on 304 Not Modified', async () => {
    const stack: DesiredStateStack = { ...NETWORK, state: { s3: { bucket: 'tf-state', key: 'network/terraform.tfstate', region: REGION, workspace: 'prod' } } };
    s3Mock.on(GetObjectCommand).resolvesOnce({ Body: s3Body(JSON.stringify(networkState())), ETag: '"abc"' }).rejects(s3Error('NotModified', 304));
    const { index, regions } = fromConfig([stack]);
    expect(regions).toEqual([REGION]);

    expect(managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).groupAddress).toBe('aws_security_group.bastion');
    await expect(index.refresh()).resolves.toEqual([{ stack: 'network', status: 'unchanged', serial: 7 }]);
    expect(managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).groupAddress).toBe('aws_security_group.bastion');
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'tf-state', Key: 'env:/prod/network/terraform.tfstate' },
      { Bucket: 'tf-state', Key: 'env:/prod/network/terraform.tfstate', IfNoneMatch: '"abc"' },
    ]);
    expect(index.status()[0]).toMatchObject({ origin: 's3://tf-state/env:/prod/network/terraform.tfstate', version: '"abc"' });
  });

  it('maps AccessDenied to a permanent and throttling to a transient error, naming the stack', async () => {
    const { index } = fromConfig([NETWORK]);
    s3Mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    const denied = await rejection(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(denied).toBeInstanceOf(PermanentError);
    expect(denied).toMatchObject({ code: 's3_access_denied' });
    expect(denied.message).toMatch(/^stack "network": s3 GetObject s3:\/\/tf-state\/network\/terraform\.tfstate failed \(access denied\)/);

    s3Mock.reset();
    s3Mock.on(GetObjectCommand).rejects(s3Error('SlowDown', 503));
    const [throttled] = await index.refresh('network');
    expect(throttled?.error).toBeInstanceOf(TransientError);
    expect(throttled?.error?.code).toBe('s3_throttled');
  });

  it('malformed JSON is a permanent error with the stack name', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body('{"version": 4, "resources": ['), ETag: '"bad"' });
    const { index } = fromConfig([NETWORK]);
    const err = await rejection(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'terraform_state_malformed' });
    expect(err.message).toMatch(/^stack "network": Terraform state s3:\/\/tf-state\/network\/terraform\.tfstate is not valid JSON: /);
  });

  it('reads a local state file', async () => {
    const path = join(dir, 'apps.tfstate');
    await writeFile(path, JSON.stringify(E2_STATE));
    const { index } = fromConfig([{ ...APPS, state: { file: path } }]);
    const sg = managed(await index.lookupSecurityGroup(ACCOUNT, REGION, 'sg-0abc1234def567890'));
    expect(sg.stack).toBe('apps');
    expect(sg.addresses).toEqual(['module.web.aws_security_group.this', 'module.web.aws_vpc_security_group_ingress_rule.office["ssh"]']);
    await expect(index.refresh('apps')).resolves.toEqual([{ stack: 'apps', status: 'unchanged', serial: 42 }]);
  });
});
