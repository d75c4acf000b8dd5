/**
 * Every kind's backport texts share one frame (backport.ts `pullRequestBody`, `fallbackIssueBody`):
 * each kind's PR and issue bodies carry it, with the kind's own lines in their place.
 */
import { aDifference, aDrift } from '@driftwarden/domain/testing';
import type { DriftDifference, DriftRecord } from '@driftwarden/domain';
import { backportSubject, type BackportEditor, type EditPlan } from './backport';
import { AttributeBackportEditor } from './attributes/attribute-backport-editor';
import { NetworkAclBackportEditor } from './network-acl/backport/editor';
import { S3BucketBackportEditor } from './s3-bucket/backport/editor';
import { SecurityGroupBackportEditor } from './security-group/backport/editor';

const PLAN: EditPlan = { codeChange: ['adds the entry'], codeNote: 'The code declares 1 entry.', edit: async () => null };
const BOB = { arn: 'arn:aws:sts::111122223333:assumed-role/BreakGlass/bob', class: 'breakGlass' as const, session: 'bob' };

function record(detail: object): DriftRecord {
  // A change that closes a door (no widening banner): `removed` for a security group rule.
  const base = aDifference({ id: 'a|removed', direction: { axis: 'exposure', change: 'narrows', revert: 'widens' } });
  const codified: DriftDifference = {
    ...base,
    detail: detail as DriftDifference['detail'],
    madeBy: { ...base.madeBy, principal: BOB, cloudTrailEventId: 'ct-1', eventName: 'PutThing' },
    decision: { action: 'backport', rule: 3, reason: 'emergency patch during incident Q1', at: base.decision.at },
  };
  const held = aDifference({ id: 'b|removed', detail: detail as DriftDifference['detail'] });
  return aDrift({
    principal: BOB,
    resource: { ...aDrift().resource, address: 'aws_thing.main' },
    differences: [codified, held],
  });
}

const KINDS: [string, BackportEditor, object, string, string[]][] = [
  [
    'security group',
    new SecurityGroupBackportEditor(),
    { direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } },
    'live state',
    ['`terraform plan` shows no change to this security group after merging.', 'Nothing else depends on the access this change closed.'],
  ],
  [
    'network ACL',
    new NetworkAclBackportEditor(),
    { live: { ruleNumber: 50, direction: 'ingress', action: 'deny', protocol: '6', cidr: '203.0.113.0/24', fromPort: 22, toPort: 22 } },
    'live entries',
    [
      '`terraform plan` shows no change to this network ACL after merging.',
      'Subnet associations are unchanged (driftwarden never changes them).',
    ],
  ],
  [
    'S3 bucket',
    new S3BucketBackportEditor(),
    { flag: 'blockPublicAcls', live: true, desired: false, bucket: 'widget-1' },
    'live block',
    ['`terraform plan` shows no change to this public access block after merging.'],
  ],
  [
    'attribute kind',
    new AttributeBackportEditor({ noun: 'instance', setsOf: () => [], checklist: ['IMDSv2 stays required.'] }),
    { attribute: 'http_tokens', live: 'required', desired: 'optional' },
    'live state',
    ['IMDSv2 stays required.'],
  ],
];

describe.each(KINDS)('%s backport texts', (_kind, editor, detail, matches, checks) => {
  const subject = backportSubject(record(detail));

  it('pull request: what happened (by whom), why not reverted, the code change, left out, evidence, checklist, marker', () => {
    const body = editor.pullRequestBody(subject, 'main.tf', ['sets it'], PLAN, '<!-- driftwarden:test -->');
    const lines = body.split('\n');
    expect(lines[0]).toBe('## What happened');
    expect(body).toContain('**bob** (`arn:aws:sts::111122223333:assumed-role/BreakGlass/bob`, breakGlass)');
    expect(body).toContain(
      `driftwarden did not revert this emergency patch (decision rule 3: emergency patch during incident Q1). This pull request changes the Terraform code so that it matches the ${matches}; merging it keeps the fix.`,
    );
    expect(body).toContain('`main.tf` (this branch against the base branch):\n\n- adds the entry\n\nLatest commit:\n\n- sets it');
    expect(body).toContain('## Left out of this pull request');
    expect(body).toContain('| Drift record | `drf_test0001` |');
    for (const c of checks) expect(body).toContain(`- [ ] ${c}`);
    expect(lines.at(-1)).toBe('<!-- driftwarden:test -->');
    expect(lines.indexOf('## What happened')).toBeLessThan(lines.indexOf('## The change to the code'));
    expect(lines.indexOf('## Evidence')).toBeLessThan(lines.indexOf('## Reviewer checklist'));
  });

  it('fallback issue: what could not be edited and why, the live-vs-code table, the code note, left out, evidence, marker', () => {
    const body = editor.issueBody(subject, 'the block uses dynamic', 'The code declares 1 entry.', '<!-- driftwarden:test -->');
    expect(body).toMatch(
      /^driftwarden kept an emergency change to .*`widget-1` \(`aws_thing\.main`\) but cannot edit its Terraform code safely: \*\*the block uses dynamic\*\*\./,
    );
    expect(body).toContain(`Please change the code by hand so that it matches the ${matches}:\n\n| `);
    expect(body).toContain('\n\nThe code declares 1 entry.\n\n## Left out of this issue');
    expect(body).toContain('Evidence: drift `drf_test0001`, principal `arn:aws:sts::111122223333:assumed-role/BreakGlass/bob`');
    expect(body.endsWith('\n\n<!-- driftwarden:test -->')).toBe(true);
  });
});
