/**
 * The Terraform repository the backport tests run against (written to a temp folder and
 * served by the GitHub sandbox with `fromDirectory`), and the AWS side that matches it: the
 * groups of the sandbox account and the Terraform state of each stack.
 *
 * Four stacks, one folder each:
 * - `terraform/network`: code that can be edited in place, one group per way Terraform writes
 *   security group rules (inline blocks, `aws_vpc_security_group_ingress_rule`,
 *   `aws_security_group_rule`);
 * - `terraform/dynamic`: a group whose rules are `dynamic "ingress"` blocks;
 * - `terraform/foreach`: a group whose rules come from one resource with `for_each`;
 * - `terraform/edge`: a group declared by a module from the Terraform registry.
 * The last three cannot be edited safely: driftwarden opens an issue instead of a PR.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const VPC = 'vpc-0123456789abcdef0';

export const PRINCIPALS = {
  /** Break-glass engineer: rule 3 whatever the freeze. */
  alice: `arn:aws:sts::${ACCOUNT}:assumed-role/BreakGlassAdmin/alice@example.com`,
  /** A developer: rule 3 only when the change closes access during a declared freeze. */
  bob: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/bob`,
};

const tcp = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});
const EGRESS_ALL: PermissionRule = {
  direction: 'egress',
  protocol: '-1',
  fromPort: null,
  toPort: null,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};

export const RULES = {
  httpsInternal: tcp(443, '10.0.0.0/8'),
  httpsPublic: tcp(443, '0.0.0.0/0'),
  partnerPublic: tcp(8080, '0.0.0.0/0'),
  partnerOnly: tcp(8080, '198.51.100.0/24'),
  metricsPublic: tcp(9100, '0.0.0.0/0'),
  sshPublic: tcp(22, '0.0.0.0/0'),
  altHttpsPublic: tcp(8443, '0.0.0.0/0'),
  postgresA: tcp(5432, '10.1.0.0/16'),
  postgresB: tcp(5432, '10.2.0.0/16'),
  egressAll: EGRESS_ALL,
};

export type StackName = 'network' | 'dynamic' | 'foreach' | 'edge';

export interface GroupFixture {
  key: string;
  id: string;
  stack: StackName;
  /** Terraform resource name (and module, for the registry module). */
  name: string;
  module?: string;
  team: string;
  rules: PermissionRule[];
}

/** Security group ids are `sg-` + 17 hex digits. */
export const GROUPS = {
  workers: {
    key: 'workers',
    id: 'sg-0bacc0ffee0000001',
    stack: 'network',
    name: 'workers',
    team: 'checkout',
    rules: [RULES.httpsInternal, RULES.partnerPublic, EGRESS_ALL],
  },
  api: {
    key: 'api',
    id: 'sg-0bacc0ffee0000002',
    stack: 'network',
    name: 'api',
    team: 'api',
    rules: [RULES.httpsInternal, RULES.metricsPublic],
  },
  batch: {
    key: 'batch',
    id: 'sg-0bacc0ffee0000003',
    stack: 'network',
    name: 'batch',
    team: 'platform',
    rules: [RULES.httpsInternal, RULES.sshPublic],
  },
  dyn: {
    key: 'dyn',
    id: 'sg-0bacc0ffee0000004',
    stack: 'dynamic',
    name: 'dyn',
    team: 'platform',
    rules: [RULES.httpsPublic, RULES.altHttpsPublic],
  },
  fe: { key: 'fe', id: 'sg-0bacc0ffee0000005', stack: 'foreach', name: 'fe', team: 'platform', rules: [RULES.postgresA, RULES.postgresB] },
  edge: {
    key: 'edge',
    id: 'sg-0bacc0ffee0000006',
    stack: 'edge',
    name: 'this',
    module: 'module.edge_sg',
    team: 'platform',
    rules: [RULES.httpsPublic],
  },
} satisfies Record<string, GroupFixture>;

export const NETWORK_MAIN_TF = `# Security groups of the checkout platform.
# Changed by hand only in an emergency: driftwarden backports such changes here.

resource "aws_security_group" "workers" {
  name        = "workers"
  description = "checkout workers"
  vpc_id      = "${VPC}"

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  # Partner callbacks (legacy): reachable from anywhere.
  ingress {
    description = "partner callbacks"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    team = "checkout"
  }
}

resource "aws_security_group" "api" {
  name        = "api"
  description = "internal API"
  vpc_id      = "${VPC}"

  tags = {
    team = "api"
  }
}

resource "aws_vpc_security_group_ingress_rule" "api_https" {
  security_group_id = aws_security_group.api.id
  description       = "HTTPS from the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.0.0/8"
}

# Prometheus scraping from anywhere (temporary, they said).
resource "aws_vpc_security_group_ingress_rule" "api_metrics" {
  security_group_id = aws_security_group.api.id
  ip_protocol       = "tcp"
  from_port         = 9100
  to_port           = 9100
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "batch" {
  name        = "batch"
  description = "batch jobs"
  vpc_id      = "${VPC}"

  tags = {
    team = "platform"
  }
}

resource "aws_security_group_rule" "batch_https" {
  type              = "ingress"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
  security_group_id = aws_security_group.batch.id
}

# Debug access for the on-call.
resource "aws_security_group_rule" "batch_ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.batch.id
}
`;

export const DYNAMIC_MAIN_TF = `variable "public_ports" {
  type    = list(number)
  default = [443, 8443]
}

resource "aws_security_group" "dyn" {
  name        = "dyn"
  description = "ports from a variable"
  vpc_id      = "${VPC}"

  dynamic "ingress" {
    for_each = var.public_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
`;

export const FOREACH_MAIN_TF = `resource "aws_security_group" "fe" {
  name        = "fe"
  description = "postgres from the app subnets"
  vpc_id      = "${VPC}"
}

resource "aws_vpc_security_group_ingress_rule" "fe_postgres" {
  for_each = toset(["10.1.0.0/16", "10.2.0.0/16"])

  security_group_id = aws_security_group.fe.id
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = each.value
}
`;

export const EDGE_MAIN_TF = `module "edge_sg" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "5.1.2"

  name                = "edge"
  vpc_id              = "${VPC}"
  ingress_cidr_blocks = ["0.0.0.0/0"]
  ingress_rules       = ["https-443-tcp"]
}
`;

export const REPO_FILES: Record<string, string> = {
  'README.md': '# acme/infra\n\nTerraform for the checkout platform.\n',
  'terraform/network/main.tf': NETWORK_MAIN_TF,
  'terraform/dynamic/main.tf': DYNAMIC_MAIN_TF,
  'terraform/foreach/main.tf': FOREACH_MAIN_TF,
  'terraform/edge/main.tf': EDGE_MAIN_TF,
};

/** Writes `files` (path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return dir;
}
