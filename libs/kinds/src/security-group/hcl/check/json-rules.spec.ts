/**
 * The edit reads rules with tree-sitter, the check with HashiCorp's parser: both readings of the
 * same file must agree, or every check would fail (or worse, pass for the wrong reason).
 */
import { HclDocument, parseWithHashicorp } from '@driftwarden/hcl-edit';
import { ruleKey } from '../../model/rule';
import { readGroupCode } from '../edit/group-code';
import { sourceRules, type RuleContext, type RuleSource } from '../rules/terraform-rules';
import { readGroupRulesFromJson } from './json-rules';

const FILE = `
resource "aws_security_group" "web" {
  name = "web-\${var.env}"

  ingress {
    description      = "quote \\" and $\${literal}"
    from_port        = 443
    to_port          = 443
    protocol         = "6"
    cidr_blocks      = ["10.0.0.0/8", "\${local.office}"]
    ipv6_cidr_blocks = ["2001:DB8::/32"]
    prefix_list_ids  = ["pl-0123"]
    security_groups  = [aws_security_group.lb.id, "111122223333/sg-0peer", aws_security_group.web.id]
    self             = true
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "all"
    cidr_blocks = var.egress_cidrs
  }
}

resource "aws_vpc_security_group_ingress_rule" "icmp" {
  security_group_id = aws_security_group.web.id
  ip_protocol       = "icmp"
  from_port         = 8
  to_port           = -1
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "self" {
  security_group_id            = "sg-0web"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.web.id
}

resource "aws_security_group_rule" "legacy" {
  type                     = "ingress"
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = "sg-0app"
  security_group_id        = aws_security_group.web.id
}

resource "aws_security_group_rule" "other_group" {
  type              = "ingress"
  from_port         = 1
  to_port           = 1
  protocol          = "tcp"
  cidr_blocks       = ["1.1.1.1/32"]
  security_group_id = aws_security_group.other.id
}
`;

function summary(sources: RuleSource[]): { rules: string[]; descriptions: string[]; opaque: string[] } {
  const rules = sources.flatMap(sourceRules);
  return {
    rules: rules.map(ruleKey).sort(),
    descriptions: [...new Set(rules.flatMap((r) => (r.description ? [r.description] : [])))].sort(),
    opaque: sources.flatMap((s) => s.opaquePeers.map((o) => `${s.traffic}|${o.kind}|${o.attribute}`)).sort(),
  };
}

describe('reading rules: tree-sitter and HashiCorp agree', () => {
  it.each<[string, RuleContext]>([
    ['with the group id', { groupName: 'web', groupId: 'sg-0web' }],
    ['without the group id (self stays opaque)', { groupName: 'web' }],
  ])('%s', async (_name, ctx) => {
    const doc = await HclDocument.load(FILE);
    const code = readGroupCode(doc, ctx);
    if ('unsafe' in code) throw new Error(code.reason);
    const json = readGroupRulesFromJson(await parseWithHashicorp('web.tf', FILE), ctx);
    if (!json.ok) throw new Error(json.problem);
    const fromTreeSitter = summary(code.sources.map((s) => s.source));
    expect(summary(json.sources)).toEqual(fromTreeSitter);
    expect(fromTreeSitter.descriptions).toEqual(['quote " and ${literal}']);
    expect(fromTreeSitter.rules).toContain('ingress|tcp|443|443|ipv6:2001:db8::/32');
    expect(fromTreeSitter.rules).toContain('ingress|tcp|443|443|sg:sg-0peer');
    expect(fromTreeSitter.rules).toContain('ingress|icmp|8|-1|ipv4:0.0.0.0/0');
    expect(fromTreeSitter.rules).toContain('ingress|tcp|5432|5432|sg:sg-0app');
    expect(fromTreeSitter.rules.some((k) => k.includes('1.1.1.1'))).toBe(false);
    if (ctx.groupId) {
      expect(fromTreeSitter.rules).toContain('ingress|tcp|443|443|sg:sg-0web');
      expect(fromTreeSitter.rules).toContain('egress|-1|*|*|sg:sg-0web');
    } else {
      expect(fromTreeSitter.opaque).toContain('ingress|tcp|443|443|securityGroup|self');
    }
    expect(fromTreeSitter.opaque).toContain('ingress|tcp|443|443|ipv4|cidr_blocks');
    expect(fromTreeSitter.opaque).toContain('egress|-1|*|*|ipv4|cidr_blocks');
  });
});
