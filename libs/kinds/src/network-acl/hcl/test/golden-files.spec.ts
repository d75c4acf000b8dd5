/**
 * Golden files, one per edit style (DESIGN §6): the input .tf, the entries the code must declare
 * afterwards, and the expected file byte for byte (every byte outside the edit kept). Each result
 * was also read back with HashiCorp's parser by the editor itself, or the edit was refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editAclEntries } from '../network-acl-edit';
import { makeEntry, type EntryInput, type NaclEntry } from '../../model/entry';

const FIXTURES = join(__dirname, 'fixtures');
const read = (dir: string, file: string) => readFileSync(join(FIXTURES, dir, file), 'utf8');
const entry = (input: Omit<EntryInput, 'cidrBlock'> & { cidr: string }): NaclEntry =>
  makeEntry({ ...input, ...(input.cidr.includes(':') ? { ipv6CidrBlock: input.cidr } : { cidrBlock: input.cidr }) }, 'fixture');

const HTTPS_IN = entry({
  direction: 'ingress',
  ruleNumber: 100,
  protocol: 'tcp',
  action: 'allow',
  cidr: '0.0.0.0/0',
  fromPort: 443,
  toPort: 443,
});
const ALL_OUT = entry({ direction: 'egress', ruleNumber: 100, protocol: '-1', action: 'allow', cidr: '0.0.0.0/0' });
const ATTACKER_DENY = entry({ direction: 'ingress', ruleNumber: 50, protocol: '-1', action: 'deny', cidr: '203.0.113.0/24' });
const PRIVATE_HTTPS = entry({
  direction: 'ingress',
  ruleNumber: 100,
  protocol: 'tcp',
  action: 'allow',
  cidr: '10.0.0.0/8',
  fromPort: 443,
  toPort: 443,
});

const CASES: { name: string; target: { type: string; name: string }; want: NaclEntry[]; what: string }[] = [
  {
    name: 'inline-add',
    target: { type: 'aws_network_acl', name: 'public' },
    want: [ATTACKER_DENY, HTTPS_IN, ALL_OUT],
    what: 'adds an ingress block after the last entry block',
  },
  {
    name: 'inline-remove',
    target: { type: 'aws_network_acl', name: 'public' },
    want: [HTTPS_IN, ALL_OUT],
    what: 'removes a block and the comment directly above it',
  },
  {
    name: 'inline-replace',
    target: { type: 'aws_network_acl', name: 'public' },
    want: [
      entry({ direction: 'ingress', ruleNumber: 100, protocol: 'tcp', action: 'deny', cidr: '0.0.0.0/0', fromPort: 443, toPort: 443 }),
      ALL_OUT,
    ],
    what: 'replaces a block where it stands',
  },
  {
    name: 'default-acl-empty',
    target: { type: 'aws_default_network_acl', name: 'default' },
    want: [ATTACKER_DENY],
    what: 'writes the first block into an ACL without entries',
  },
  {
    name: 'rule-add',
    target: { type: 'aws_network_acl', name: 'private' },
    want: [PRIVATE_HTTPS, ALL_OUT, ATTACKER_DENY],
    what: 'adds an aws_network_acl_rule resource referencing the ACL',
  },
  {
    name: 'rule-remove',
    target: { type: 'aws_network_acl', name: 'private' },
    want: [ALL_OUT],
    what: 'removes an aws_network_acl_rule resource',
  },
];

describe('network ACL HCL edits (golden files)', () => {
  it.each(CASES)('$name: $what', async ({ name, target, want }) => {
    const result = await editAclEntries(read(name, 'input.tf'), { target, want, filename: `${name}.tf` });
    if (!result || 'unsafe' in result) throw new Error(`expected an edit, got ${JSON.stringify(result)}`);
    expect(result.text).toBe(read(name, 'expected.tf'));
  });

  it('an edit is idempotent: the expected file already declares the wanted entries (null)', async () => {
    for (const { name, target, want } of CASES) expect(await editAclEntries(read(name, 'expected.tf'), { target, want })).toBeNull();
  });

  it('refuses dynamic blocks (the code cannot be edited safely: an issue is opened instead)', async () => {
    const result = await editAclEntries(read('unsafe-dynamic', 'input.tf'), {
      target: { type: 'aws_network_acl', name: 'public' },
      want: [ATTACKER_DENY],
    });
    expect(result).toEqual({ unsafe: expect.stringMatching(/uses dynamic "ingress" blocks \(line 4\)/) as string });
  });

  it('refuses an entry set from an expression, and a target that is not declared', async () => {
    const text = read('inline-add', 'input.tf').replace(
      'cidr_block = "0.0.0.0/0"\n    from_port  = 443',
      'cidr_block = var.cidr\n    from_port  = 443',
    );
    expect(await editAclEntries(text, { target: { type: 'aws_network_acl', name: 'public' }, want: [ATTACKER_DENY] })).toEqual({
      unsafe: expect.stringMatching(/sets cidr_block from an expression \(var\.cidr\)/) as string,
    });
    expect(await editAclEntries(text, { target: { type: 'aws_network_acl', name: 'other' }, want: [] })).toEqual({
      unsafe: 'aws_network_acl.other is not declared in this file',
    });
  });
});
