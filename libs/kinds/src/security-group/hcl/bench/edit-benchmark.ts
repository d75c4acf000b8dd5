/**
 * For the benchmark: how long a backport edit takes on a large stack file once the parser is
 * initialised. The edit (tree-sitter parse + plan) is what must stay well under 50 ms on 5,000
 * lines; HashiCorp's check is timed separately (it parses the whole file again, in Go/wasm).
 */
import { HclDocument, initHclParser } from '@driftwarden/hcl-edit';
import { checkSecurityGroupEdit } from '../check/edit-check';
import { blocksToRead, planSecurityGroupEdit, type SecurityGroupEditRequest } from '../edit/security-group-edit';
import type { PermissionRule } from '../../model/permission-rule';

export interface EditBenchmarkResult {
  /** Lines in the generated file. */
  lines: number;
  iterations: number;
  /** Parse + edit, milliseconds. */
  editMs: { median: number; p95: number; max: number };
  /** HashiCorp's parse and the rule comparison, milliseconds (median). */
  checkMs: number;
  /** What the edit did (the same every iteration). */
  changes: string[];
}

export const BENCHMARK_REQUEST: SecurityGroupEditRequest = {
  target: 'aws_security_group.workers',
  groupId: 'sg-0abc1234def567890',
  remove: [rule('ingress', 'tcp', 8080, 8080, '0.0.0.0/0')],
  add: [rule('ingress', 'tcp', 8443, 8443, '10.20.0.0/16')],
};

export async function editBenchmark(lines: number, options: { iterations?: number } = {}): Promise<EditBenchmarkResult> {
  const iterations = options.iterations ?? 30;
  await initHclParser();
  const text = generateStackFile(lines);
  const deep = blocksToRead(BENCHMARK_REQUEST.target);
  const run = () => {
    const draft = planSecurityGroupEdit(HclDocument.parse(text, { deep }), BENCHMARK_REQUEST);
    if (draft.unsafe) throw new Error(`benchmark edit refused: ${draft.reason}`);
    return draft;
  };
  for (let i = 0; i < 3; i += 1) run();
  const times: number[] = [];
  let draft = run();
  for (let i = 0; i < iterations; i += 1) {
    const t0 = performance.now();
    draft = run();
    times.push(performance.now() - t0);
  }
  const checks: number[] = [];
  for (let i = 0; i < Math.max(3, Math.min(iterations, 5)); i += 1) {
    const t0 = performance.now();
    const checked = await checkSecurityGroupEdit(draft);
    checks.push(performance.now() - t0);
    if (checked.unsafe) throw new Error(`benchmark check refused the edit: ${checked.reason}`);
  }
  times.sort((a, b) => a - b);
  checks.sort((a, b) => a - b);
  return {
    lines: text.split('\n').length,
    iterations,
    editMs: {
      median: median(times),
      p95: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)],
      max: times[times.length - 1],
    },
    checkMs: median(checks),
    changes: draft.changes,
  };
}

/**
 * A stack file of about `lines` lines: variables, instances, IAM policies with heredocs, buckets,
 * security groups in all three styles, and `aws_security_group.workers` (inline rules, one of
 * them tcp/8080 from 0.0.0.0/0) in the middle.
 */
export function generateStackFile(lines: number): string {
  const parts: string[] = [];
  let count = 0;
  let i = 0;
  let workersPlaced = false;
  while (count < lines) {
    if (!workersPlaced && count >= lines / 2) {
      parts.push(WORKERS);
      count += WORKERS.split('\n').length - 1;
      workersPlaced = true;
      continue;
    }
    const piece = PIECES[i % PIECES.length](i);
    parts.push(piece);
    count += piece.split('\n').length - 1;
    i += 1;
  }
  if (!workersPlaced) parts.push(WORKERS);
  return parts.join('');
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function rule(direction: 'ingress' | 'egress', protocol: string, fromPort: number, toPort: number, cidr: string): PermissionRule {
  return { direction, protocol, fromPort, toPort, peer: { kind: 'ipv4', cidr } };
}

const WORKERS = `# Workers behind the internal load balancer.
resource "aws_security_group" "workers" {
  name        = "workers"
  description = "worker nodes"
  vpc_id      = var.vpc_id

  ingress {
    description = "app"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

`;

const PIECES: Array<(i: number) => string> = [
  (i) => `variable "instance_type_${i}" {
  type        = string
  default     = "t3.micro"
  description = "instance type for tier ${i}"
}

`,
  (i) => `resource "aws_instance" "app_${i}" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = var.instance_type_${i - 1}
  subnet_id              = element(var.private_subnet_ids, ${i} % length(var.private_subnet_ids))
  vpc_security_group_ids = [aws_security_group.tier_${i + 2}.id]

  root_block_device {
    volume_size = 20
    encrypted   = true
  }

  tags = {
    Name = "app-${i}"
    Tier = "app"
  }
}

`,
  (i) => `resource "aws_iam_policy" "read_${i}" {
  name   = "read-${i}"
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        { "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::bucket-${i}/*" }
      ]
    }
  EOT
}

`,
  (i) => `resource "aws_security_group" "tier_${i}" {
  name   = "tier-${i}"
  vpc_id = var.vpc_id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.${i % 250}.0.0/16"]
  }
}

resource "aws_security_group" "tier_${i}_db" {
  name   = "tier-${i}-db"
  vpc_id = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "tier_${i}_db_ssh" {
  security_group_id = aws_security_group.tier_${i}_db.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "10.${i % 250}.1.0/24"
}

`,
  (i) => `resource "aws_s3_bucket" "logs_${i}" {
  bucket = "logs-${i}-\${var.env}"

  tags = local.common_tags
}

locals {
  retention_${i} = {
    days  = ${30 + (i % 60)}
    class = "GLACIER"
  }
}

`,
];
