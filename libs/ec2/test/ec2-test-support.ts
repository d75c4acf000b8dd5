/**
 * Test helpers for @driftwarden/ec2: an EC2 client pointed at a sandbox (never at AWS), and
 * rule builders. (A drift record for the executor's specs: the security-group kind's
 * executor/test/executor-test-support.ts.)
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { makeRule } from '@driftwarden/kinds/security-group';
import { createEc2Client } from '../src/ec2-clients.factory';
import type { Ec2Sandbox } from '../src/testing/ec2-sandbox.server';
import type { PermissionRule, RuleDirection, RulePeer } from '@driftwarden/kinds/security-group';

export const REGION = 'eu-west-1';
export const ACCOUNT = '111122223333';
export const SG = 'sg-0abc1234def567890';
export const OTHER_SG = 'sg-0fedcba9876543210';
export const VPC = 'vpc-0123456789abcdef0';
export const ACCESS_KEY_ID = 'AKIDSANDBOXTEST01';
export const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/driftwarden/worker`;

/** Static dummy credentials, the sandbox endpoint, no SDK retries unless asked, short timeouts. */
export function sandboxClient(sandbox: Ec2Sandbox, opts: { maxAttempts?: number; requestTimeoutMs?: number } = {}): EC2Client {
  return createEc2Client({
    region: REGION,
    endpoint: sandbox.url,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'sandbox-only-secret' },
    maxAttempts: opts.maxAttempts ?? 1,
    requestTimeoutMs: opts.requestTimeoutMs ?? 5_000,
    connectionTimeoutMs: 1_000,
  });
}

const ipv4 = (cidr: string): RulePeer => ({ kind: 'ipv4', cidr });
const ipv6 = (cidr: string): RulePeer => ({ kind: 'ipv6', cidr });

export function rule(
  direction: RuleDirection,
  protocol: string,
  from: number | null,
  to: number | null,
  peer: RulePeer,
  description?: string,
): PermissionRule {
  return makeRule({ direction, protocol, fromPort: from, toPort: to, peer, description });
}

export const rules = {
  sshFromWorld: () => rule('ingress', 'tcp', 22, 22, ipv4('0.0.0.0/0'), 'temp'),
  httpsFromVpc: () => rule('ingress', 'tcp', 443, 443, ipv4('10.0.0.0/8')),
  httpsFromWorldV6: () => rule('ingress', 'tcp', 443, 443, ipv6('::/0')),
  allFromWorldV6: () => rule('ingress', '-1', null, null, ipv6('::/0')),
  allEgress: () => rule('egress', '-1', null, null, ipv4('0.0.0.0/0')),
  allEgressV6: () => rule('egress', '-1', null, null, ipv6('::/0')),
  postgresFromGroup: () => rule('ingress', 'tcp', 5432, 5432, { kind: 'securityGroup', groupId: OTHER_SG }),
  httpsToPrefixList: () => rule('egress', 'tcp', 443, 443, { kind: 'prefixList', prefixListId: 'pl-0123abcd' }),
  icmpEcho: () => rule('ingress', 'icmp', 8, 0, ipv4('10.0.0.0/8')),
  tcp: (port: number, cidr = '0.0.0.0/0', direction: RuleDirection = 'ingress') => rule(direction, 'tcp', port, port, ipv4(cidr)),
};
