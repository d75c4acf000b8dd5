import { TransientError } from '@driftwarden/domain';
// The streaming reader is generic; its differential tests use the real kind the controller indexes
// with (security groups): what a kind keeps must come out of a streamed state exactly as from a parsed one.
import {
  TF_LEGACY_RULE,
  TF_SECURITY_GROUP,
  TF_VPC_EGRESS_RULE,
  TF_VPC_INGRESS_RULE,
  resolveSecurityGroup,
  securityGroupStateKind,
  type StateEntry,
} from '@driftwarden/kinds/security-group';
import fc from 'fast-check';
import {
  ACCOUNT,
  E2_STATE,
  REGION,
  SG_APP_BLUE,
  SG_BASTION,
  SG_DEPOSED,
  SG_EXTERNAL,
  SG_LEGACY,
  SG_WORKERS,
  V3_STATE,
  appsState,
  networkState,
} from '../testing/fixtures';
import { StackStateIndex } from '../index/stack-state-index';
import type { StateInstance, StateKind } from '../index/state-kind';
import { TerraformStateFormatError } from '../terraform-state.errors';
import { readStackStateIndex, type ReadStateOptions } from './read-state-stream';
import { instanceAddress } from './address';
import { parseTerraformState } from './terraform-state.schema';

type Json = Record<string, unknown>;
const OPTIONS: ReadStateOptions = { origin: 'file:/srv/network.tfstate', stack: 'network', kinds: [securityGroupStateKind] };
const KINDS = [securityGroupStateKind];
/** The security-group kind's part of an index. */
const sg = (index: StackStateIndex) => index.kindIndex(securityGroupStateKind);

/** The text as Terraform writes it: 2-space indentation. */
const terraformText = (state: unknown): string => `${JSON.stringify(state, null, 2)}\n`;

/**
 * `text` cut into chunks of `size` bytes (a multi-byte character may be split): views of one
 * buffer (the scanner joins those without a copy) and, every third chunk, a copy of its own
 * (joined by copying).
 */
function* chunked(text: string, size: number): Generator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0, k = 0; i < bytes.length; i += size, k++) {
    const chunk = bytes.subarray(i, i + size);
    yield k % 3 === 2 ? Buffer.from(chunk) : chunk;
  }
}

/** The text cut at the given byte offsets (views of one buffer, every other piece a copy). */
function* cutAt(text: string, cuts: readonly number[]): Generator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  let from = 0;
  let k = 0;
  for (const cut of [...cuts, bytes.length].sort((a, b) => a - b)) {
    const piece = bytes.subarray(from, cut);
    yield k++ % 2 === 1 ? Buffer.from(piece) : piece;
    from = cut;
  }
}

async function failure(promise: Promise<unknown>): Promise<TerraformStateFormatError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TerraformStateFormatError)) throw new Error(`expected a TerraformStateFormatError, got ${String(err)}`);
  return err;
}

// ---------------------------------------------------------------------------------------------
// The reference: the index as it was built before streaming (a copy of the former
// StackStateIndex constructor), from a state JSON.parse'd whole and checked by the full schema.
// ---------------------------------------------------------------------------------------------

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function referenceEntries(text: string, stack: string): StateEntry[] {
  const state = parseTerraformState(text, { origin: 'reference' });
  const out: StateEntry[] = [];
  for (const resource of state.resources) {
    if (resource.mode !== 'managed') continue;
    const type = resource.type;
    if (![TF_SECURITY_GROUP, 'aws_default_security_group', TF_VPC_INGRESS_RULE, TF_VPC_EGRESS_RULE, TF_LEGACY_RULE].includes(type))
      continue;
    for (const instance of resource.instances) {
      if (instance.deposed) continue;
      const attributes = instance.attributes;
      if (!attributes) continue;
      const arnParts = (str(attributes['arn']) ?? '').split(':');
      const fromArn =
        arnParts.length >= 6 && arnParts[0] === 'arn' ? { region: arnParts[3] || undefined, account: arnParts[4] || undefined } : {};
      const account = fromArn.account ?? str(attributes['owner_id']) ?? str(instance.identity?.['account_id']);
      const region = str(attributes['region']) ?? fromArn.region ?? str(instance.identity?.['region']);
      const location = { ...(account ? { account } : {}), ...(region ? { region } : {}) };
      const base = {
        stack,
        address: instanceAddress(resource, instance.index_key),
        location,
        tainted: instance.status === 'tainted',
        attributes,
      };
      if (type === TF_SECURITY_GROUP || type === 'aws_default_security_group') {
        const groupId = str(attributes['id']);
        if (groupId) out.push({ ...base, kind: 'security_group', resourceType: type, groupId });
        continue;
      }
      const groupId = str(attributes['security_group_id']);
      if (!groupId) continue;
      if (type === TF_VPC_INGRESS_RULE || type === TF_VPC_EGRESS_RULE) {
        const ruleId = str(attributes['security_group_rule_id']) ?? str(attributes['id']);
        out.push({ ...base, kind: 'vpc_rule', resourceType: type, groupId, ...(ruleId ? { ruleId } : {}) });
      } else {
        const ruleId = str(attributes['security_group_rule_id']);
        out.push({ ...base, kind: 'legacy_rule', resourceType: type, groupId, ...(ruleId ? { ruleId } : {}) });
      }
    }
  }
  return out;
}

/** Every managed instance with an id or arn, as `address|type|id|arn|deposed`. */
function referenceRefs(text: string): string[] {
  const state = parseTerraformState(text, { origin: 'reference' });
  const out: string[] = [];
  for (const resource of state.resources) {
    if (resource.mode !== 'managed') continue;
    for (const instance of resource.instances) {
      const id = str(instance.attributes?.['id']);
      const arn = str(instance.attributes?.['arn']);
      if (id || arn)
        out.push(`${instanceAddress(resource, instance.index_key)}|${resource.type}|${id ?? ''}|${arn ?? ''}|${instance.deposed ?? ''}`);
    }
  }
  // Distinct refs, as streamedRefs collects them (two identical instances are one ref here).
  return [...new Set(out)].sort();
}

function streamedRefs(index: StackStateIndex, text: string): string[] {
  const ids = new Set<string>();
  const arns = new Set<string>();
  const state = JSON.parse(text) as { resources?: Array<{ instances?: Array<{ attributes?: Json | null }> }> };
  for (const r of state.resources ?? []) {
    for (const i of r.instances ?? []) {
      const id = str(i.attributes?.['id']);
      const arn = str(i.attributes?.['arn']);
      if (id) ids.add(id);
      if (arn) arns.add(arn);
    }
  }
  const seen = new Set<string>();
  for (const id of ids)
    for (const ref of index.instancesWithId(id))
      seen.add(`${ref.address}|${ref.type}|${ref.id ?? ''}|${ref.arn ?? ''}|${ref.deposed ?? ''}`);
  for (const arn of arns)
    for (const ref of index.instancesWithArn(arn))
      seen.add(`${ref.address}|${ref.type}|${ref.id ?? ''}|${ref.arn ?? ''}|${ref.deposed ?? ''}`);
  return [...seen].sort();
}

/** The streamed index's security-group entries without attributes, and each group resolved. */
function describeGroups(index: StackStateIndex): { entries: unknown[]; resolved: unknown[] } {
  const entries: unknown[] = [];
  const resolved: unknown[] = [];
  for (const groupId of sg(index).securityGroupIds().sort()) {
    for (const { attributes: _attributes, ...rest } of sg(index).entriesFor(groupId)) entries.push(rest);
    resolved.push(resolveSecurityGroup(groupId, sg(index).entriesFor(groupId)));
  }
  return { entries, resolved };
}

/** The same from the reference entries, which carry every attribute (the streamed ones keep a few). */
function describeReferenceGroups(text: string, stack: string): { entries: unknown[]; resolved: unknown[] } {
  const byGroup = new Map<string, StateEntry[]>();
  for (const entry of referenceEntries(text, stack)) {
    const list = byGroup.get(entry.groupId) ?? [];
    list.push(entry);
    byGroup.set(entry.groupId, list);
  }
  const entries: unknown[] = [];
  const resolved: unknown[] = [];
  for (const groupId of [...byGroup.keys()].sort()) {
    for (const { attributes: _attributes, ...rest } of byGroup.get(groupId) ?? []) entries.push(rest);
    resolved.push(resolveSecurityGroup(groupId, byGroup.get(groupId) ?? []));
  }
  return { entries, resolved };
}

const FIXTURES: Array<[string, Json]> = [
  ['§E2 example', E2_STATE],
  ['network stack', networkState()],
  ['apps stack', appsState()],
  ['network stack, serial 8', networkState({ serial: 8, bastionCidr: '192.0.2.0/24' })],
];

describe('readStackStateIndex', () => {
  describe.each(FIXTURES)('on the %s fixture, indexes exactly as the whole-file parser did', (_name, state) => {
    const formats: Array<[string, string]> = [
      ['as Terraform writes it', terraformText(state)],
      ['compact', JSON.stringify(state)],
      ['indented with tabs', JSON.stringify(state, null, '\t')],
    ];
    it.each(formats)('%s, in chunks of 1, 7, 64 and all bytes', async (_format, text) => {
      const expectedGroups = describeReferenceGroups(text, 'network');
      const expectedRefs = referenceRefs(text);
      for (const size of [1, 7, 64, text.length]) {
        const index = await readStackStateIndex(chunked(text, size), OPTIONS);
        expect(describeGroups(index)).toEqual(expectedGroups);
        expect(streamedRefs(index, text)).toEqual(expectedRefs);
        expect(index.summary()).toEqual(new StackStateIndex('network', parseTerraformState(text, { origin: 'x' }), KINDS).summary());
      }
    });
  });

  it.each([
    ['§E2 example, every byte', terraformText(E2_STATE), 1],
    ['§E2 example compact, every byte', JSON.stringify(E2_STATE), 1],
    ['network stack, every 17th byte', terraformText(networkState()), 17],
  ])(
    'gives the same index wherever a chunk boundary falls (%s)',
    async (_name, text, step) => {
      const expected = { groups: describeGroups(await readStackStateIndex(text, OPTIONS)), refs: referenceRefs(text) };
      for (let cut = 1; cut < Buffer.byteLength(text); cut += step) {
        const index = await readStackStateIndex(cutAt(text, [cut]), OPTIONS);
        expect({ groups: describeGroups(index), refs: streamedRefs(index, text) }).toEqual(expected);
      }
      // (Thousands of reads: about 10 s on a quiet machine, several times that on a loaded one.)
    },
    180_000,
  );

  it('keeps every managed instance in the generic map (any type, deposed objects flagged), and no data source', async () => {
    const index = await readStackStateIndex(terraformText(networkState()), OPTIONS);
    expect(index.instancesWithId('i-0123456789abcdef0')).toEqual([
      { stack: 'network', address: 'aws_instance.bastion', type: 'aws_instance', id: 'i-0123456789abcdef0' },
    ]);
    expect(index.instancesWithId(SG_DEPOSED)).toEqual([
      {
        stack: 'network',
        address: 'aws_security_group.bastion',
        type: 'aws_security_group',
        id: SG_DEPOSED,
        arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${SG_DEPOSED}`,
        deposed: '00000001',
      },
    ]);
    expect(
      index.instancesWithArn(`arn:aws:ec2:${REGION}:${ACCOUNT}:security-group-rule/sgr-0000000000000b101`).map((r) => r.address),
    ).toEqual(['module.app["blue"].aws_vpc_security_group_ingress_rule.this["https"]']);
    // The data source reading the shared group is not a managed instance.
    expect(index.instancesWithId('sg-05a0000000000000f')).toEqual([]);
    expect(index.managedInstances).toBe(12);
  });

  it('finds instances by an arn that does not end with their id, and several types sharing an id', async () => {
    const resource = (type: string, name: string, attributes: Json): Json => ({
      mode: 'managed',
      type,
      name,
      provider: 'p',
      instances: [{ schema_version: 0, attributes }],
    });
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/ops`;
    const state = {
      version: 4,
      serial: 1,
      lineage: 'l',
      resources: [
        resource('aws_s3_bucket', 'logs', { id: 'logs-bucket', arn: 'arn:aws:s3:::logs-bucket' }),
        resource('aws_s3_bucket_versioning', 'logs', { id: 'logs-bucket' }),
        resource('aws_iam_policy', 'ops', { id: policyArn, arn: policyArn }),
        resource('aws_thing', 'slashed', { id: 'a/b', arn: 'arn:aws:thing:eu-west-1:1:x/a/b' }),
      ],
    };
    const index = await readStackStateIndex(terraformText(state), OPTIONS);
    expect(index.instancesWithId('logs-bucket').map((r) => r.type)).toEqual(['aws_s3_bucket', 'aws_s3_bucket_versioning']);
    expect(index.instancesWithArn('arn:aws:s3:::logs-bucket').map((r) => r.address)).toEqual(['aws_s3_bucket.logs']);
    expect(index.instancesWithArn(policyArn).map((r) => r.address)).toEqual(['aws_iam_policy.ops']);
    expect(index.instancesWithArn('arn:aws:thing:eu-west-1:1:x/a/b').map((r) => r.address)).toEqual(['aws_thing.slashed']);
    expect(index.instancesWithArn('arn:aws:s3:::other')).toEqual([]);
  });

  it('hands a kind only the instances of the types it declared, and keeps only what it extracts', async () => {
    const seen: StateInstance[] = [];
    const buckets: StateKind<{ address: string; bucket: unknown }, Map<string, string>> = {
      name: 'bucket',
      terraformTypes: ['aws_instance'],
      extract: (instance) => {
        seen.push(instance);
        return { address: instance.address, bucket: instance.attributes['vpc_security_group_ids'] };
      },
      index: (_stack, entries) => new Map(entries.map((e) => [e.address, JSON.stringify(e.bucket)])),
    };
    const index = await readStackStateIndex(terraformText(networkState()), { ...OPTIONS, kinds: [buckets] });
    expect(seen.map((s) => `${s.type} ${s.address}`)).toEqual(['aws_instance aws_instance.bastion']);
    expect(index.kindIndex(buckets)).toEqual(new Map([['aws_instance.bastion', JSON.stringify([SG_BASTION])]]));
    // Without the security-group kind there are no group entries, and asking for them says so.
    expect(() => sg(index).entriesFor(SG_BASTION)).toThrow('was built without the security-group kind (built with: bucket)');
    expect(index.summary()).toMatchObject({ managedInstances: 12, kinds: { bucket: 0 } });
  });

  it('keeps of a security group entry only the attributes the rule readers use', async () => {
    const index = await readStackStateIndex(terraformText(networkState()), OPTIONS);
    const [bastion] = sg(index).entriesFor(SG_BASTION);
    expect(Object.keys(bastion?.attributes ?? {}).sort()).toEqual(['egress', 'id', 'ingress', 'tags', 'tags_all']);
    const rule = sg(index)
      .entriesFor(SG_APP_BLUE)
      .find((e) => e.kind === 'vpc_rule');
    expect(Object.keys(rule?.attributes ?? {}).sort()).toEqual(
      [
        'cidr_ipv4',
        'cidr_ipv6',
        'description',
        'from_port',
        'ip_protocol',
        'prefix_list_id',
        'referenced_security_group_id',
        'security_group_id',
        'to_port',
      ].sort(),
    );
    expect(
      sg(index)
        .entriesFor(SG_LEGACY)
        .map((e) => e.kind),
    ).toEqual(['security_group', 'legacy_rule', 'legacy_rule']);
    expect(
      sg(index)
        .entriesFor(SG_EXTERNAL)
        .map((e) => e.address),
    ).toEqual(['aws_vpc_security_group_ingress_rule.eks_extra']);
    expect(sg(index).entriesFor(SG_WORKERS)).toHaveLength(1);
  });

  it("finds a kept resource whose indentation misleads (a nested brace at the resource's indentation)", async () => {
    const group = (networkState()['resources'] as Json[])[1] as Json;
    // After indenting, the nested object's closing brace is on a line indented like the resource's own.
    const nested = JSON.stringify(group, null, 2).replace('"name": "bastion"', '"name": "bastion",\n  "odd": {\n}');
    const text = `{"version": 4, "serial": 1, "lineage": "l", "resources": [\n    ${nested.replace(/\n/g, '\n    ')}\n  ]}`;
    JSON.parse(text);
    const index = await readStackStateIndex(text, OPTIONS);
    expect(
      sg(index)
        .entriesFor(SG_BASTION)
        .map((e) => e.address),
    ).toEqual(['aws_security_group.bastion']);
  });

  it('accepts a state without resources, with "resources": null, and unknown top-level fields', async () => {
    await expect(readStackStateIndex('{"version":4,"serial":0,"lineage":"x"}', OPTIONS)).resolves.toMatchObject({
      serial: 0,
      managedInstances: 0,
    });
    await expect(readStackStateIndex('{"version":4,"serial":0,"lineage":"x","resources":null}', OPTIONS)).resolves.toMatchObject({
      managedInstances: 0,
    });
    const withExtras = { ...networkState(), some_future_field: { x: [1, 'two', null] } };
    await expect(readStackStateIndex(terraformText(withExtras), OPTIONS)).resolves.toMatchObject({ terraformVersion: '1.12.2', serial: 7 });
  });

  describe('a state the controller cannot read is a permanent, named error', () => {
    it('truncated anywhere: terraform_state_malformed, "truncated", naming the stack', async () => {
      const text = terraformText(E2_STATE);
      const bytes = Buffer.from(text);
      // Every cut before the closing brace (the rest is whitespace).
      const last = text.lastIndexOf('}');
      for (let cut = 0; cut <= last; cut += 1) {
        const err = await failure(readStackStateIndex(bytes.subarray(0, cut), OPTIONS));
        expect(err.code).toBe('terraform_state_malformed');
        expect(err.message).toMatch(
          /^stack "network": Terraform state file:\/srv\/network\.tfstate is not valid JSON: truncated: the JSON ends after \d+ bytes/,
        );
      }
    });

    it('names where a truncated state ends', async () => {
      const text = terraformText(E2_STATE);
      const cut = text.indexOf('"office"');
      const err = await failure(readStackStateIndex(text.slice(0, cut), OPTIONS));
      expect(err.message).toContain(`truncated: the JSON ends after ${cut} bytes, inside resources[1]`);
      expect(err.path).toBe('resources[1]');
      expect((await failure(readStackStateIndex('', OPTIONS))).message).toContain('before any JSON value (the state is empty)');
    });

    it.each([
      [
        'a broken literal in a resource no kind keeps',
        terraformText(networkState()).replace('"vpc_security_group_ids": [', '"vpc_security_group_ids": tru, "x": ['),
        'resources[9]',
      ],
      ['a missing comma between resources', terraformText(E2_STATE).replace(/\n {4}\},\n {4}\{/, '\n    }\n    {'), 'after resources[0]'],
      ['a bad escape in a key', '{"version":4,"ser\\ial":1}', 'invalid escape'],
      ['a raw control character in a string', '{"version":4,"lineage":"a\u0001b"}', 'control character'],
      ['a number with a leading dot', '{"version":4,"serial":.5}', 'expected a value'],
      ['garbage after the state', `${JSON.stringify(E2_STATE)} {}`, 'after the end of the top-level object'],
      ['a byte-order mark', `\ufeff${JSON.stringify(E2_STATE)}`, 'at the start'],
      [
        'a trailing comma in resources',
        '{"version":4,"serial":1,"lineage":"l","resources":[{"mode":"data","type":"t","name":"n","provider":"p","instances":[]},]}',
        'resources[1]',
      ],
      ['a broken kept resource', terraformText(E2_STATE).replace('"ip_protocol": "tcp"', '"ip_protocol": tcp'), 'resources[1]'],
    ])('malformed JSON (%s): terraform_state_malformed with the place', async (_name, text, where) => {
      expect(() => JSON.parse(text)).toThrow();
      const err = await failure(readStackStateIndex(text, OPTIONS));
      expect(err.code).toBe('terraform_state_malformed');
      expect(err.message).toMatch(/^stack "network": Terraform state file:\/srv\/network\.tfstate is not valid JSON: /);
      expect(err.message).toContain(where);
    });

    it('not an object at the top: terraform_state_malformed, as before', async () => {
      for (const text of ['[]', '"state"', '42', 'null']) {
        const err = await failure(readStackStateIndex(text, OPTIONS));
        expect(err.code).toBe('terraform_state_malformed');
        expect(err.message).toBe('stack "network": Terraform state file:/srv/network.tfstate is not a JSON object');
      }
    });

    it('a format version other than 4, or none: terraform_state_unsupported_version, the read stopped early', async () => {
      let chunksRead = 0;
      function* v3(): Generator<Buffer> {
        for (const chunk of chunked(terraformText(V3_STATE), 16)) {
          chunksRead++;
          yield chunk;
        }
      }
      const err = await failure(readStackStateIndex(v3(), OPTIONS));
      expect(err.code).toBe('terraform_state_unsupported_version');
      expect(err.message).toMatch(
        /^stack "network": Terraform state file:\/srv\/network\.tfstate has format version 3; driftwarden reads state format version 4 only/,
      );
      expect(chunksRead).toBeLessThan(3);
      expect((await failure(readStackStateIndex('{"serial":1,"lineage":"x"}', OPTIONS))).message).toContain('has no format version');
      expect((await failure(readStackStateIndex('{"version":"4"}', OPTIONS))).code).toBe('terraform_state_unsupported_version');
    });

    it('a kept field of the wrong shape: terraform_state_invalid with its JSON path', async () => {
      const bad = {
        ...E2_STATE,
        resources: [{ mode: 'managed', type: 'aws_security_group', name: 'x', provider: 'p', instances: [{ index_key: true }] }],
      };
      const err = await failure(readStackStateIndex(JSON.stringify(bad), OPTIONS));
      expect(err.code).toBe('terraform_state_invalid');
      expect(err.path).toBe('resources[0].instances[0].index_key');
      expect(err.message).toContain('is not a valid state at resources[0].instances[0].index_key');
      const noSerial = await failure(readStackStateIndex('{"version":4,"serial":"7","lineage":"x"}', OPTIONS));
      expect(noSerial).toMatchObject({ code: 'terraform_state_invalid', path: 'serial' });
      const badMode = await failure(
        readStackStateIndex(
          '{"version":4,"serial":1,"lineage":"x","resources":[{"mode":"other","type":"t","name":"n","instances":[]}]}',
          OPTIONS,
        ),
      );
      expect(badMode).toMatchObject({ code: 'terraform_state_invalid', path: 'resources[0].mode' });
      const notArray = await failure(readStackStateIndex('{"version":4,"serial":1,"lineage":"x","resources":{}}', OPTIONS));
      expect(notArray).toMatchObject({ code: 'terraform_state_invalid', path: 'resources' });
      // A kept instance is checked by the full instance schema, a skipped one only where the index reads it.
      const keptBad = {
        ...E2_STATE,
        resources: [
          { mode: 'managed', type: 'aws_security_group', name: 'x', provider: 'p', instances: [{ status: 7, attributes: { id: 'sg-1' } }] },
        ],
      };
      expect(await failure(readStackStateIndex(JSON.stringify(keptBad), OPTIONS))).toMatchObject({
        code: 'terraform_state_invalid',
        path: 'resources[0].instances[0].status',
      });
      const skippedOdd = { ...keptBad, resources: [{ ...keptBad.resources[0], type: 'aws_instance' }] };
      await expect(readStackStateIndex(JSON.stringify(skippedOdd), OPTIONS)).resolves.toMatchObject({ managedInstances: 1 });
    });

    it('two "resources" keys: refused (JSON.parse would keep the last; a stream has indexed the first)', async () => {
      const err = await failure(readStackStateIndex('{"version":4,"serial":1,"lineage":"x","resources":[],"resources":[]}', OPTIONS));
      expect(err).toMatchObject({ code: 'terraform_state_malformed' });
      expect(err.message).toContain('the key "resources" appears twice');
    });

    it('too large: terraform_state_too_large before reading when the size is known, while reading when not', async () => {
      let started = false;
      async function* body(): AsyncGenerator<Buffer> {
        started = true;
        yield Buffer.from(terraformText(E2_STATE));
      }
      const known = await failure(readStackStateIndex(body(), { ...OPTIONS, size: 3 * 1024 * 1024, maxBytes: 2 * 1024 * 1024 }));
      expect(known.code).toBe('terraform_state_too_large');
      expect(known.message).toBe(
        'stack "network": Terraform state file:/srv/network.tfstate is 3.0 MiB, over the limit of 2.0 MiB (raise the stack\'s state.maxMegabytes to read it)',
      );
      expect(started).toBe(false);
      const text = terraformText(networkState());
      const streamed = await failure(readStackStateIndex(chunked(text, 1000), { ...OPTIONS, maxBytes: 5000 }));
      expect(streamed.code).toBe('terraform_state_too_large');
      expect(streamed.message).toContain('over the limit of 0.0 MiB');
    });
  });

  it('passes a transient failure of the source half-way through as it is (retry may help)', async () => {
    const text = terraformText(networkState());
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from(text.slice(0, 500));
      throw new TransientError('s3 GetObject s3://b/k failed (network): aborted', 's3_network');
    }
    await expect(readStackStateIndex(body(), OPTIONS)).rejects.toMatchObject({ code: 's3_network' });
    async function* raw(): AsyncGenerator<Buffer> {
      yield Buffer.from(text.slice(0, 500));
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    const err = await readStackStateIndex(raw(), OPTIONS).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'terraform_state_read_failed', message: expect.stringContaining('socket hang up') });
  });

  describe('yields to the event loop while building', () => {
    const text = terraformText(networkState());
    const chunks = [...chunked(text, 256)];

    /** Reads with `options`, counting chunks; a setImmediate loop records how many were read each time it ran. */
    async function observe(options: Partial<ReadStateOptions>): Promise<number[]> {
      let read = 0;
      async function* body(): AsyncGenerator<Buffer> {
        for (const chunk of chunks) {
          read++;
          yield chunk;
        }
      }
      const seen: number[] = [];
      let done = false;
      const tick = () => {
        seen.push(read);
        if (!done) setImmediate(tick);
      };
      setImmediate(tick);
      await readStackStateIndex(body(), { ...OPTIONS, ...options });
      done = true;
      return seen;
    }

    it('a setImmediate callback runs between chunks once a slice is used up', async () => {
      const seen = await observe({ sliceMs: 0 });
      expect(seen.filter((n) => n > 0 && n < chunks.length).length).toBeGreaterThan(1);
    });

    it('measures slices with its clock: 20 ms per chunk against 10 ms slices yields every chunk', async () => {
      let t = 0;
      const seen = await observe({
        sliceMs: 10,
        now: () => {
          t += 20;
          return t;
        },
      });
      expect(new Set(seen.filter((n) => n > 0 && n < chunks.length)).size).toBeGreaterThan(chunks.length / 2);
    });

    it('(control) with slices that never end, no callback runs in between', async () => {
      const seen = await observe({ sliceMs: Number.POSITIVE_INFINITY });
      expect(seen.filter((n) => n > 0 && n < chunks.length)).toEqual([]);
    });
  });

  describe('properties', () => {
    const KEPT_TYPES = [TF_SECURITY_GROUP, TF_VPC_INGRESS_RULE, TF_VPC_EGRESS_RULE, TF_LEGACY_RULE];
    const OTHER_TYPES = ['aws_instance', 'aws_s3_bucket', 'aws_iam_role'];
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.0/24`);
    const attributesFor = (type: string) =>
      fc.record(
        {
          id:
            type === TF_SECURITY_GROUP
              ? fc.constantFrom('sg-1', 'sg-2', 'sg-3')
              : type === TF_LEGACY_RULE
                ? text.map((t) => `sgrule-${t}`)
                : text,
          arn: fc.oneof(
            fc.constant(`arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-1`),
            text.map((t) => `arn:aws:x:${REGION}:${ACCOUNT}:y/${t}`),
            fc.constant(null),
          ),
          security_group_id: fc.constantFrom('sg-1', 'sg-2'),
          security_group_rule_id: fc.option(fc.constantFrom('sgr-1', 'sgr-2', 'sgr-3'), { nil: null }),
          ip_protocol: fc.constantFrom('tcp', '-1', 'udp'),
          from_port: fc.option(fc.nat(65535), { nil: null }),
          to_port: fc.option(fc.nat(65535), { nil: null }),
          cidr_ipv4: ipv4,
          type: fc.constantFrom('ingress', 'egress'),
          protocol: fc.constantFrom('tcp', '-1'),
          cidr_blocks: fc.array(ipv4, { maxLength: 2 }),
          ingress: fc.array(
            fc.record({
              protocol: fc.constant('tcp'),
              from_port: fc.nat(100),
              to_port: fc.nat(100),
              cidr_blocks: fc.array(ipv4, { maxLength: 2 }),
              self: fc.boolean(),
            }),
            { maxLength: 2 },
          ),
          egress: fc.constant([]),
          tags: fc.dictionary(text, text, { maxKeys: 2 }),
          extra: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: ['id'] },
      );
    const resourceArb = fc.constantFrom(...KEPT_TYPES, ...OTHER_TYPES).chain((type) =>
      fc.record(
        {
          module: fc.constantFrom('module.a', 'module.b["x \\"y\\""]', 'module.c["ü"]'),
          mode: fc.constantFrom('managed', 'managed', 'data'),
          type: fc.constant(type),
          name: fc.constantFrom('this', 'main', 'r'),
          provider: fc.constant('provider["registry.terraform.io/hashicorp/aws"]'),
          instances: fc.array(
            fc.record(
              {
                index_key: fc.oneof(fc.nat(5), text),
                status: fc.constant('tainted'),
                deposed: fc.constant('00000001'),
                schema_version: fc.nat(2),
                attributes: attributesFor(type),
                sensitive_attributes: fc.constant([]),
                whatever: fc.jsonValue({ maxDepth: 2 }),
              },
              { requiredKeys: ['attributes'] },
            ),
            { maxLength: 3 },
          ),
          future_field: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ['mode', 'type', 'name', 'provider', 'instances'] },
      ),
    );
    const stateArb = fc.record({
      version: fc.constant(4),
      terraform_version: fc.constant('1.12.2'),
      serial: fc.nat(),
      lineage: text,
      outputs: fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
      resources: fc.array(resourceArb, { maxLength: 6 }),
    });
    const formatArb = fc.constantFrom<(v: unknown) => string>(
      (v) => JSON.stringify(v),
      (v) => JSON.stringify(v, null, 2),
      (v) => JSON.stringify(v, null, '\t'),
    );

    it('streamed in any chunks, any state indexes like the whole-file parser did', async () => {
      await fc.assert(
        fc.asyncProperty(stateArb, formatArb, fc.array(fc.nat(), { maxLength: 5 }), async (state, format, cuts) => {
          const json = format(state);
          const length = Buffer.byteLength(json);
          const streamed = await readStackStateIndex(
            cutAt(
              json,
              cuts.map((c) => c % (length + 1)),
            ),
            OPTIONS,
          ).then(
            (index) => ({ groups: describeGroupsSafe(index), refs: streamedRefs(index, json), summary: index.summary() }),
            (err: unknown) => ({ error: err instanceof TerraformStateFormatError ? err.code : String(err) }),
          );
          const reference = (() => {
            try {
              return {
                groups: describeReferenceGroupsSafe(json),
                refs: referenceRefs(json),
                summary: new StackStateIndex('network', parseTerraformState(json, { origin: 'x' }), KINDS).summary(),
              };
            } catch (err) {
              return { error: err instanceof TerraformStateFormatError ? err.code : String(err) };
            }
          })();
          expect(streamed).toEqual(reference);
        }),
        { numRuns: 150 },
      );
    });

    it('a state that JSON.parse refuses is refused, whatever the change that broke it', async () => {
      const base = terraformText(networkState());
      await fc.assert(
        fc.asyncProperty(
          fc.nat(base.length - 1),
          fc.constantFrom('', '}', '{', ']', '"', ',', ':', 'x', '\\', '\u0001', ' 1', 'tru'),
          async (at, insert) => {
            const broken = base.slice(0, at) + insert + base.slice(at + 1);
            let valid = true;
            try {
              JSON.parse(broken);
            } catch {
              valid = false;
            }
            fc.pre(!valid);
            const err = await failure(readStackStateIndex(chunked(broken, 97), OPTIONS));
            expect(['terraform_state_malformed', 'terraform_state_invalid', 'terraform_state_unsupported_version']).toContain(err.code);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

/** Resolving can throw for a rule the security-group lib cannot read: compare the failure then. */
function describeGroupsSafe(index: StackStateIndex): unknown {
  try {
    return describeGroups(index);
  } catch (err) {
    return { unreadable: (err as Error).message };
  }
}

function describeReferenceGroupsSafe(text: string): unknown {
  try {
    return describeReferenceGroups(text, 'network');
  } catch (err) {
    return { unreadable: (err as Error).message };
  }
}
