import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DesiredStateIndex as GenericIndex,
  stateSourceFor,
  type DesiredStateIndexOptions,
  type DesiredStateStack,
  type StateReadResult,
  type StateSource,
  type StateVersion,
} from '@driftwarden/terraform-state';
import {
  ACCOUNT,
  E2_STATE,
  OTHER_ACCOUNT,
  InMemoryStateSource,
  REGION,
  SG_BASTION,
  SG_WORKERS,
  V3_STATE,
  appsState,
  networkState,
} from '@driftwarden/terraform-state/testing';
import { ruleKey } from '../model/rule';
import type { ManagedSecurityGroup, SecurityGroupLookup } from './resolve-security-group';
import { SecurityGroupStates } from './security-group-lookup';
import { securityGroupStateKind } from './security-group-state';

/**
 * The security-group kind's desired state, read through the generic state index (its
 * `kindIndexes`) of several stacks: the index as the controller builds it, with this kind.
 */
class DesiredStateIndex extends GenericIndex {
  private readonly groups = new SecurityGroupStates(this);
  constructor(
    stacks: readonly DesiredStateStack[],
    sourceFor: (stack: DesiredStateStack) => StateSource,
    options: DesiredStateIndexOptions = {},
  ) {
    super(stacks, sourceFor, { kinds: [securityGroupStateKind], ...options });
  }
  static override fromConfig(
    stacks: readonly DesiredStateStack[],
    deps: Parameters<typeof GenericIndex.fromConfig>[1],
    options?: DesiredStateIndexOptions,
  ): DesiredStateIndex {
    return new DesiredStateIndex(stacks, (stack) => stateSourceFor(stack, deps), options);
  }
  lookupSecurityGroup(account: string, region: string, groupId: string): Promise<SecurityGroupLookup> {
    return this.groups.lookup(account, region, groupId);
  }
  lookupRule(account: string, region: string, ruleId: string) {
    return this.groups.lookupRule(account, region, ruleId);
  }
}

const NETWORK: DesiredStateStack = {
  name: 'network',
  accounts: [ACCOUNT],
  regions: [REGION, 'us-east-1'],
  state: { s3: { bucket: 'tf-state', key: 'network/terraform.tfstate', region: REGION } },
};
const APPS: DesiredStateStack = { name: 'apps', accounts: [ACCOUNT], regions: [REGION], state: { file: '/srv/state/apps.tfstate' } };
const OTHER: DesiredStateStack = {
  name: 'other',
  accounts: [OTHER_ACCOUNT],
  regions: [REGION],
  state: { file: '/srv/state/other.tfstate' },
};

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
    const metrics = {
      direction: 'ingress' as const,
      protocol: 'tcp',
      fromPort: 9100,
      toPort: 9100,
      peer: { kind: 'ipv4' as const, cidr: '10.20.0.0/16' },
    };
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
      reason:
        'sg-0notinanystate00 is in the Terraform state of no stack covering account 111122223333 in eu-west-1 (checked "network", "apps")',
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
    expect(index.status().find((s) => s.stack === 'apps')?.error).toEqual({
      code: 's3_throttled',
      message: 'stack "apps": s3 GetObject failed (throttled)',
    });

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

  it('reports status and what each stack holds', async () => {
    const { index } = build();
    expect(index.status().map((s) => s.loaded)).toEqual([false, false, false]);
    await index.refresh();
    const [network] = index.status();
    expect(network).toMatchObject({
      stack: 'network',
      origin: 'memory:network',
      loaded: true,
      state: { serial: 7, kinds: { 'security-group': 4 }, terraformVersion: '1.12.2' },
    });
    // Which stack owns what: the apps stack only adds rule resources to a group the network stack owns.
    expect(index.status().find((s) => s.stack === 'apps')?.state?.kinds).toEqual({ 'security-group': 0 });
    expect(managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_WORKERS)).stack).toBe('network');
  });

  it('does not read a state it could not read again until its version changes (no retry loop on a bad file)', async () => {
    const { index, sources } = build();
    sources.network.set(V3_STATE);
    const first = await rejection(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(first).toMatchObject({ code: 'terraform_state_unsupported_version' });
    const failing = sources.network.currentVersion;
    const second = await rejection(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(second).toBe(first);
    await expect(index.refresh('network')).resolves.toEqual([{ stack: 'network', status: 'failed', error: first }]);
    // Asked conditionally on the failing version: the source answered "unchanged", nothing was parsed.
    expect(sources.network.reads).toEqual([{}, { previous: failing }, { previous: failing }]);
    expect(index.status()[0]?.error).toEqual({ code: 'terraform_state_unsupported_version', message: first.message });
    sources.network.set(networkState({ serial: 9 }));
    expect(managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).stack).toBe('network');
    expect(index.status()[0]).toMatchObject({ loaded: true, state: { serial: 9 } });
    expect(index.status()[0]?.error).toBeUndefined();
  });

  it('keeps answering from the old index while a refresh builds the new one, and switches when it is complete', async () => {
    const text = JSON.stringify(networkState({ serial: 8, bastionCidr: '192.0.2.0/24' }), null, 2);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let halfRead!: () => void;
    const half = new Promise<void>((resolve) => (halfRead = resolve));
    async function* slowBody(): AsyncGenerator<Buffer> {
      yield Buffer.from(text.slice(0, text.length / 2));
      halfRead();
      await gate;
      yield Buffer.from(text.slice(text.length / 2));
    }
    let reads = 0;
    const source: StateSource = {
      origin: 'memory:slow',
      read: async (previous?: StateVersion): Promise<StateReadResult> => {
        reads++;
        if (reads === 1) return { status: 'changed', body: JSON.stringify(networkState()), version: '"1"' };
        return previous === '"2"' ? { status: 'unchanged', version: previous } : { status: 'changed', body: slowBody(), version: '"2"' };
      },
    };
    const index = new DesiredStateIndex([NETWORK], () => source);
    const cidrs = async () =>
      managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).desiredRules.map((r) =>
        r.peer.kind === 'ipv4' ? r.peer.cidr : '',
      );
    expect(await cidrs()).toContain('198.51.100.0/24');

    const refreshing = index.refresh('network');
    await half;
    // Half of the new state is read: lookups are answered at once, from the old index.
    expect(await cidrs()).toContain('198.51.100.0/24');
    expect(index.status()[0]).toMatchObject({ loaded: true, state: { serial: 7 } });
    release();
    await expect(refreshing).resolves.toEqual([{ stack: 'network', status: 'loaded', serial: 8 }]);
    expect(await cidrs()).toContain('192.0.2.0/24');
    expect(await cidrs()).not.toContain('198.51.100.0/24');
  });

  it('caches a resolved group per index version: equal answers, none shared with the caller, rules frozen', async () => {
    const { index } = build();
    const first = managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_WORKERS));
    const second = managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_WORKERS));
    expect(second).toEqual(first);
    first.desiredRules.pop();
    first.ruleOwners.clear();
    first.warnings.push('changed by a caller');
    const third = managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_WORKERS));
    expect(third).toEqual(second);
    expect(third.desiredRules).toHaveLength(second.desiredRules.length);
    const rule = third.desiredRules[0];
    if (!rule) throw new Error('no rule');
    expect(Object.isFrozen(rule) && Object.isFrozen(rule.peer)).toBe(true);
    expect(() => {
      (rule as { protocol: string }).protocol = 'udp';
    }).toThrow(TypeError);
  });

  it('finds a managed resource of any type by id or arn, in the stacks covering the account and region', async () => {
    const { index } = build();
    await expect(index.lookupManaged(ACCOUNT, REGION, 'i-0123456789abcdef0')).resolves.toEqual([
      { stack: 'network', address: 'aws_instance.bastion', type: 'aws_instance', id: 'i-0123456789abcdef0' },
    ]);
    const arn = `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group-rule/sgr-0000000000000a201`;
    await expect(index.lookupManaged(ACCOUNT, REGION, arn)).resolves.toEqual([
      {
        stack: 'apps',
        address: 'module.svc.aws_vpc_security_group_ingress_rule.metrics',
        type: 'aws_vpc_security_group_ingress_rule',
        id: 'sgr-0000000000000a201',
        arn,
      },
    ]);
    // The bastion group's arn says eu-west-1: not managed in us-east-1, although the network stack covers it.
    await expect(index.lookupManaged(ACCOUNT, 'us-east-1', SG_BASTION)).resolves.toEqual([]);
    await expect(index.lookupManaged(ACCOUNT, REGION, 'i-unknown')).resolves.toEqual([]);
    await expect(index.lookupManaged('999999999999', REGION, 'i-0123456789abcdef0')).resolves.toEqual([]);
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
  const notUsed = (): never => {
    throw new Error('not used: the body is streamed');
  };
  const s3Error = (name: string, status: number) =>
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: `${name} happened`,
    });

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
    const stack: DesiredStateStack = {
      ...NETWORK,
      state: { s3: { bucket: 'tf-state', key: 'network/terraform.tfstate', region: REGION, workspace: 'prod' } },
    };
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({ Body: s3Body(JSON.stringify(networkState())), ETag: '"abc"' })
      .rejects(s3Error('NotModified', 304));
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
  it("refuses a state over the stack's maxMegabytes as permanent, naming stack and limit (file: before reading it)", async () => {
    const path = join(dir, 'big.tfstate');
    await writeFile(path, JSON.stringify({ ...networkState(), outputs: { blob: { value: 'x'.repeat(1_200_000), type: 'string' } } }));
    const { index } = fromConfig([{ ...APPS, state: { file: path, maxMegabytes: 1 } }]);
    const err = await rejection(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'terraform_state_too_large' });
    expect(err.message).toMatch(
      /^stack "apps": Terraform state file:.*big\.tfstate is 1\.2 MiB, over the limit of 1\.0 MiB \(raise the stack's state\.maxMegabytes to read it\)$/,
    );
    // Within the limit it is read.
    const { index: roomy } = fromConfig([{ ...APPS, state: { file: path, maxMegabytes: 2 } }]);
    expect(managed(await roomy.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).stack).toBe('apps');
  });

  it('refuses an S3 state over the limit from its ContentLength, releasing the body unread', async () => {
    const body = Object.assign(new Readable({ read() {} }), {
      transformToByteArray: notUsed,
      transformToString: notUsed,
      transformToWebStream: notUsed,
    });
    s3Mock.on(GetObjectCommand).resolves({ Body: body, ETag: '"big"', ContentLength: 3 * 1024 * 1024 });
    const { index } = fromConfig([{ ...NETWORK, state: { ...NETWORK.state, maxMegabytes: 2 } }]);
    const [result] = await index.refresh('network');
    expect(result?.error).toMatchObject({ code: 'terraform_state_too_large' });
    expect(result?.error?.message).toContain('is 3.0 MiB, over the limit of 2.0 MiB');
    expect(body.destroyed).toBe(true);
  });

  it('a transfer failing half-way stays transient (read again on the next lookup), unlike a bad state', async () => {
    const text = JSON.stringify(networkState());
    const failing = new Readable({ read() {} });
    failing.push(Buffer.from(text.slice(0, 200)));
    setImmediate(() => failing.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({
        Body: Object.assign(failing, { transformToByteArray: notUsed, transformToString: notUsed, transformToWebStream: notUsed }),
        ETag: '"a"',
      })
      .resolves({ Body: s3Body(text), ETag: '"a"' });
    const { index } = fromConfig([NETWORK]);
    const err = await rejection(index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 's3_network' });
    expect(err.message).toMatch(/^stack "network": s3 GetObject s3:\/\/tf-state\/network\/terraform\.tfstate failed \(network\)/);
    expect(managed(await index.lookupSecurityGroup(ACCOUNT, REGION, SG_BASTION)).stack).toBe('network');
    // Both reads were unconditional: nothing was loaded before, and the failure was not the state's fault.
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.IfNoneMatch)).toEqual([undefined, undefined]);
  });
});
