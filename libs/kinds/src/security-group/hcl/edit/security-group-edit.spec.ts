import { HclDocument, initHclParser } from '@driftwarden/hcl-edit';
import {
  editSecurityGroupRules,
  planSecurityGroupEdit,
  readSecurityGroupRules,
  ruleResourceName,
  type SecurityGroupEditRequest,
} from './security-group-edit';
import type { EditResult } from './edit-result';
import type { PermissionRule } from '../../model/permission-rule';

const tcp = (direction: 'ingress' | 'egress', port: number, cidr: string, description?: string): PermissionRule => ({
  direction,
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
  ...(description === undefined ? {} : { description }),
});

function edit(text: string, request: Partial<SecurityGroupEditRequest>): Promise<EditResult> {
  return editSecurityGroupRules(text, { target: 'aws_security_group.a', groupId: 'sg-0a', remove: [], add: [], ...request });
}

function textOf(result: EditResult): string {
  if (result.unsafe) throw new Error(`${result.code}: ${result.reason}`);
  return result.text;
}

const INGRESS_22 = `resource "aws_security_group" "a" {
  name = "a"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`;

describe('editSecurityGroupRules: placing new inline blocks', () => {
  it('fills an empty body', async () => {
    const input = 'resource "aws_security_group" "a" {}\n';
    const add = [tcp('ingress', 22, '10.0.0.0/8')];
    // No rules for the group in this file: they might be rule resources elsewhere, so the style must be said.
    expect(await edit(input, { add })).toMatchObject({ unsafe: true, code: 'style-unknown' });
    expect(textOf(await edit(input, { add, style: 'inline' }))).toBe(
      `resource "aws_security_group" "a" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
`,
    );
  });

  it('puts a first ingress block before the first egress block and its comment', async () => {
    const input = `resource "aws_security_group" "a" {
  name = "a"

  # all out
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`;
    expect(textOf(await edit(input, { add: [tcp('ingress', 22, '10.0.0.0/8')] }))).toBe(`resource "aws_security_group" "a" {
  name = "a"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  # all out
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`);
  });

  it('replaces the only block (remove one rule, add another)', async () => {
    const result = await edit(INGRESS_22, { remove: [tcp('ingress', 22, '0.0.0.0/0')], add: [tcp('ingress', 22, '10.0.0.0/8')] });
    expect(textOf(result)).toBe(INGRESS_22.replace('0.0.0.0/0', '10.0.0.0/8'));
  });

  it('rewrites a rule whose description changed (remove and add of the same rule)', async () => {
    const input = INGRESS_22.replace('0.0.0.0/0', '10.0.0.0/8');
    const result = await edit(input, { remove: [tcp('ingress', 22, '10.0.0.0/8')], add: [tcp('ingress', 22, '10.0.0.0/8', 'ssh ${x}')] });
    expect(textOf(result)).toContain('description = "ssh $${x}"');
  });

  it('writes all traffic, ICMP and self in inline form', async () => {
    const result = await edit('resource "aws_security_group" "a" {\n}\n', {
      style: 'inline',
      add: [
        { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'ipv6', cidr: '::/0' } },
        { direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: -1, peer: { kind: 'prefixList', prefixListId: 'pl-1' } },
        { direction: 'ingress', protocol: 'tcp', fromPort: 0, toPort: 65535, peer: { kind: 'securityGroup', groupId: 'sg-0a' } },
        { direction: 'ingress', protocol: 'tcp', fromPort: 0, toPort: 65535, peer: { kind: 'securityGroup', groupId: 'sg-0b' } },
      ],
    });
    expect(textOf(result)).toBe(`resource "aws_security_group" "a" {
  ingress {
    from_port       = 8
    to_port         = -1
    protocol        = "icmp"
    prefix_list_ids = ["pl-1"]
  }

  ingress {
    from_port       = 0
    to_port         = 65535
    protocol        = "tcp"
    security_groups = ["sg-0b"]
    self            = true
  }

  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["::/0"]
  }
}
`);
  });

  it('changes nothing when there is nothing to change', async () => {
    const result = await edit(INGRESS_22, {});
    expect(result).toEqual({ unsafe: false, text: INGRESS_22, spans: [], style: 'inline', changes: [] });
  });
});

describe('editSecurityGroupRules: rule resources', () => {
  it('writes in the style asked for when the file has no rules for the group yet', async () => {
    const input = 'resource "aws_security_group" "a" {\n  name = "a"\n}\n';
    expect(await edit(input, { add: [tcp('ingress', 22, '10.0.0.0/8')] })).toMatchObject({ unsafe: true, code: 'style-unknown' });
    expect(textOf(await edit(input, { add: [tcp('ingress', 22, '10.0.0.0/8')], style: 'legacy-rule' }))).toBe(`${input}
resource "aws_security_group_rule" "a_tcp_22_from_10_0_0_0_8" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
  security_group_id = aws_security_group.a.id
}
`);
  });

  it('names the group by id when it is not declared in the module, and needs the id for it', async () => {
    const add = [tcp('egress', 443, '0.0.0.0/0')];
    expect(textOf(await edit('', { add, style: 'vpc-rule' })))
      .toBe(`resource "aws_vpc_security_group_egress_rule" "a_tcp_443_to_0_0_0_0_0" {
  security_group_id = "sg-0a"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
`);
    expect(textOf(await edit('', { add, style: 'vpc-rule', groupInModule: true }))).toContain(
      'security_group_id = aws_security_group.a.id',
    );
    expect(await edit('', { add, style: 'vpc-rule', groupId: undefined })).toEqual({
      unsafe: true,
      code: 'missing-group-id',
      reason: 'aws_security_group.a is not declared in this module and its id is unknown',
    });
  });
});

describe('editSecurityGroupRules: refusals', () => {
  it.each<[string, string, Partial<SecurityGroupEditRequest>, string, string]>([
    [
      'a syntax error',
      'resource "aws_security_group" "a" {\n  ingress {\n    from_port = \n  }\n}\n',
      {},
      'syntax',
      'the file has a syntax error at line 3, column 5',
    ],
    [
      'a rule already declared',
      INGRESS_22,
      { add: [{ ...tcp('ingress', 22, '0.0.0.0/0'), protocol: '6' }] },
      'already-declared',
      'ingress tcp/22 from 0.0.0.0/0 is already declared for aws_security_group.a',
    ],
    [
      'a group not in the file',
      'resource "aws_instance" "x" {}\n',
      { remove: [tcp('ingress', 22, '0.0.0.0/0')] },
      'not-found',
      'neither aws_security_group.a nor rule resources for it are declared in this file',
    ],
    [
      'a target that is not a security group',
      INGRESS_22,
      { target: 'aws_instance.a' },
      'unsupported',
      'aws_instance.a is not a managed aws_security_group',
    ],
    [
      'a target that is not an address',
      INGRESS_22,
      { target: 'aws_security_group' },
      'unsupported',
      '"aws_security_group" is not a resource address',
    ],
    [
      'a module that is not called here',
      INGRESS_22,
      { target: 'module.x.aws_security_group.a' },
      'not-found',
      'module "x" is not called in this file',
    ],
    [
      'rules as attributes',
      'resource "aws_security_group" "a" {\n  ingress = []\n}\n',
      { add: [tcp('ingress', 1, '1.1.1.1/32')] },
      'attribute-form',
      'aws_security_group.a sets ingress as an attribute (line 2), not as blocks',
    ],
    [
      'a style that conflicts',
      INGRESS_22,
      { add: [tcp('ingress', 1, '1.1.1.1/32')], style: 'vpc-rule' },
      'style-conflict',
      'aws_security_group.a uses inline rules here, not vpc-rule',
    ],
    [
      'a rule that may hide in a variable',
      INGRESS_22.replace('["0.0.0.0/0"]', 'var.cidrs'),
      { add: [tcp('ingress', 22, '10.0.0.0/8')] },
      'ambiguous',
      'ingress tcp/22 from 10.0.0.0/8 may already be declared through cidr_blocks = var.cidrs in ingress block at line 4; aws_security_group.a cannot be edited safely',
    ],
    [
      'a missing protocol',
      INGRESS_22.replace('    protocol    = "tcp"\n', ''),
      { add: [tcp('ingress', 1, '1.1.1.1/32')] },
      'unreadable',
      'aws_security_group.a ingress block at line 4: protocol is missing',
    ],
    [
      'a port that is not a number',
      INGRESS_22.replace('from_port   = 22', 'from_port   = "ssh"'),
      { add: [tcp('ingress', 1, '1.1.1.1/32')] },
      'unreadable',
      'aws_security_group.a ingress block at line 4: from_port is "ssh" (expected a whole number)',
    ],
  ])('refuses %s', async (_name, input, request, code, reason) => {
    expect(await edit(input, request)).toEqual({ unsafe: true, code, reason });
  });
});

describe('planSecurityGroupEdit and readSecurityGroupRules', () => {
  beforeAll(() => initHclParser());

  it('plans synchronously and says what it will check', () => {
    const draft = planSecurityGroupEdit(HclDocument.parse(INGRESS_22), {
      target: { type: 'aws_security_group', name: 'a' },
      remove: [tcp('ingress', 22, '0.0.0.0/0')],
      add: [],
    });
    if (draft.unsafe) throw new Error(draft.reason);
    expect(draft.expected.removed).toEqual(new Set(['ingress|tcp|22|22|ipv4:0.0.0.0/0']));
    expect(draft.original).toBe(INGRESS_22);
    expect(draft.text).toBe('resource "aws_security_group" "a" {\n  name = "a"\n}\n');
  });

  it('reads the rules the code declares', () => {
    expect(readSecurityGroupRules(HclDocument.parse(INGRESS_22), { target: 'aws_security_group.a' })).toEqual({
      rules: [tcp('ingress', 22, '0.0.0.0/0')],
      opaque: 0,
      style: 'inline',
    });
  });
});

describe('ruleResourceName', () => {
  it.each<[PermissionRule, string]>([
    [tcp('ingress', 8080, '10.0.0.0/8'), 'workers_tcp_8080_from_10_0_0_0_8'],
    [{ direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'ipv6', cidr: '::/0' } }, 'workers_all_to_ipv6_0'],
    [
      { direction: 'ingress', protocol: '6', fromPort: 8000, toPort: 8100, peer: { kind: 'securityGroup', groupId: 'sg-0b' } },
      'workers_tcp_8000_8100_from_sg_0b',
    ],
    [
      { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'securityGroup', groupId: 'sg-0w' } },
      'workers_tcp_22_from_self',
    ],
    [
      { direction: 'ingress', protocol: 'icmp', fromPort: -1, toPort: -1, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } },
      'workers_icmp_from_10_0_0_0_8',
    ],
    [
      { direction: 'ingress', protocol: 'icmp', fromPort: 3, toPort: 4, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } },
      'workers_icmp_3_4_from_10_0_0_0_8',
    ],
    [
      { direction: 'ingress', protocol: '50', fromPort: null, toPort: null, peer: { kind: 'prefixList', prefixListId: 'pl-9' } },
      'workers_proto_50_from_pl_9',
    ],
  ])('%j', (rule, name) => {
    expect(ruleResourceName('workers', rule, 'sg-0w')).toBe(name);
  });
});
