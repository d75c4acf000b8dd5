import { HclDocument } from '@driftwarden/hcl-edit';
import { ruleKey } from '../../model/rule';
import { planSecurityGroupEdit, type EditDraft } from '../edit/security-group-edit';
import { checkSecurityGroupEdit } from './edit-check';
import type { PermissionRule } from '../../model/permission-rule';

const INPUT = `resource "aws_security_group" "a" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }
}
`;
const open: PermissionRule = { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } };

async function draft(): Promise<EditDraft> {
  const planned = planSecurityGroupEdit(await HclDocument.load(INPUT), { target: 'aws_security_group.a', remove: [open], add: [] });
  if (planned.unsafe) throw new Error(planned.reason);
  return planned;
}

describe('checkSecurityGroupEdit', () => {
  it('accepts an edit whose rules are the expected ones', async () => {
    const checked = await checkSecurityGroupEdit(await draft());
    expect(checked).toMatchObject({ unsafe: false, text: INPUT.replace(', "0.0.0.0/0"', '') });
  });

  it('refuses a file HashiCorp cannot parse', async () => {
    const broken = { ...(await draft()), text: INPUT.replace(', "0.0.0.0/0"]', ', ') };
    const checked = await checkSecurityGroupEdit(broken);
    expect(checked).toMatchObject({ unsafe: true, code: 'parser-rejected' });
    expect(checked.unsafe && checked.reason).toMatch(/^HashiCorp's HCL parser rejects the edited file: .*main\.tf:7,/);
  });

  it('refuses an edit that did not remove what it should have', async () => {
    const unchanged = { ...(await draft()), text: INPUT };
    expect(await checkSecurityGroupEdit(unchanged)).toEqual({
      unsafe: true,
      code: 'check-failed',
      reason: "after the edit the code's rules would not be the live rules: unexpected: ingress tcp/22 from 0.0.0.0/0",
    });
  });

  it('refuses an edit that removed too much or lost a description', async () => {
    const base = await draft();
    const tooMuch = {
      ...base,
      text: INPUT.replace('["10.0.0.0/8", "0.0.0.0/0"]', '["0.0.0.0/0"]').replace('"0.0.0.0/0"]', '"192.0.2.0/24"]'),
    };
    expect(await checkSecurityGroupEdit(tooMuch)).toMatchObject({
      code: 'check-failed',
      reason: expect.stringContaining('missing: ingress tcp/22 from 10.0.0.0/8; unexpected: ingress tcp/22 from 192.0.2.0/24'),
    });
    const added: PermissionRule = { ...open, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' }, description: 'office' };
    const lostDescription = { ...base, expected: { ...base.expected, added: new Map([[ruleKey(added), added]]) } };
    expect(await checkSecurityGroupEdit(lostDescription)).toMatchObject({
      code: 'check-failed',
      reason: expect.stringContaining('ingress tcp/22 from 10.0.0.0/8 has description "", expected "office"'),
    });
  });

  it('refuses when HashiCorp reads the original rules differently from the editor', async () => {
    const base = await draft();
    const before = new Map(base.expected.before);
    before.delete(ruleKey({ ...open, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } }));
    expect(await checkSecurityGroupEdit({ ...base, expected: { ...base.expected, before } })).toEqual({
      unsafe: true,
      code: 'check-failed',
      reason:
        "HashiCorp's parser reads the group's rules differently from the editor: not seen by the editor: ingress tcp/22 from 10.0.0.0/8",
    });
  });
});
