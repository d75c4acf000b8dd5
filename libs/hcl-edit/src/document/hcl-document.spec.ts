import { attribute, classifyModuleSource, HclDocument } from './hcl-document';
import { initHclParser } from '../parser/tree-sitter';
import type { HclValue } from './hcl-values';

const STACK = `# Network
terraform {
  required_version = ">= 1.5"
}

/* The workers' group.
   Owned by the platform team. */
resource "aws_security_group" "workers" {
  name        = "workers-\${var.env}" # templated
  description = "Emoji in a comment: 🚀 (two UTF-16 units)"
  vpc_id      = var.vpc_id
  tags        = { Name = "workers", "team" = "platform" }

  ingress {
    from_port   = -1
    to_port     = 8.5e1
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", local.office, "a\\"b\\u00e9$\${x}"]
    self        = true
  }

  dynamic "egress" {
    for_each = var.egress
    content {
      from_port = egress.value
    }
  }

  lifecycle {
    ignore_changes = [tags]
  }
}

resource "aws_instance" "app" {
  count         = 2
  ami           = data.aws_ami.al2023.id
  user_data     = <<-EOT
    # not a comment
    echo hi
  EOT
  instance_type = lookup(var.types, "app", "t3.micro")
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
}

module "web" {
  source = "./modules/web"
}
`;

function kinds(value: HclValue): unknown {
  switch (value.kind) {
    case 'tuple':
      return value.items.map(kinds);
    case 'object':
      return Object.fromEntries(value.entries.map((e) => [e.key, kinds(e.value)]));
    case 'expression':
      return `<${value.form}: ${value.text}>`;
    case 'null':
      return null;
    default:
      return value.value;
  }
}

describe('HclDocument', () => {
  let doc: HclDocument;
  beforeAll(async () => {
    doc = await HclDocument.load(STACK);
  });

  it('parse() is synchronous once the parser is initialised', async () => {
    await expect(initHclParser()).resolves.toBeUndefined();
    expect(HclDocument.parse('a = 1').blocks).toEqual([]);
  });

  it('finds resource and module blocks with spans that slice to their source (UTF-16 indices)', () => {
    expect(doc.resources().map((b) => b.labels)).toEqual([
      ['aws_security_group', 'workers'],
      ['aws_instance', 'app'],
    ]);
    const workers = doc.resource('aws_security_group', 'workers');
    expect(workers).toBeDefined();
    const text = STACK.slice(workers!.span.start, workers!.span.end);
    expect(text.startsWith('resource "aws_security_group" "workers" {')).toBe(true);
    expect(text.endsWith('}')).toBe(true);
    expect(STACK[workers!.openBrace]).toBe('{');
    expect(STACK[workers!.closeBrace]).toBe('}');
    // The emoji before the ingress block would shift byte offsets; string indices still match.
    const ingress = workers!.blocks.find((b) => b.type === 'ingress')!;
    expect(STACK.slice(ingress.span.start, ingress.span.start + 'ingress {'.length)).toBe('ingress {');
    expect(doc.lineNumber(ingress.span.start)).toBe(14);
  });

  it('evaluates literals and keeps other expressions opaque with their form', () => {
    const workers = doc.resource('aws_security_group', 'workers')!;
    const values = Object.fromEntries(workers.attributes.map((a) => [a.name, kinds(a.value)]));
    expect(values).toEqual({
      name: '<template: "workers-${var.env}">',
      description: 'Emoji in a comment: 🚀 (two UTF-16 units)',
      vpc_id: '<reference: var.vpc_id>',
      tags: { Name: 'workers', team: 'platform' },
    });
    const ingress = workers.blocks.find((b) => b.type === 'ingress')!;
    expect(Object.fromEntries(ingress.attributes.map((a) => [a.name, kinds(a.value)]))).toEqual({
      from_port: -1,
      to_port: 85,
      protocol: 'tcp',
      cidr_blocks: ['10.0.0.0/8', '<reference: local.office>', 'a"bé${x}'],
      self: true,
    });
    const app = doc.resource('aws_instance', 'app')!;
    expect(kinds(attribute(app, 'user_data')!.value)).toMatch(/^<heredoc: <<-EOT/);
    expect(kinds(attribute(app, 'instance_type')!.value)).toBe('<function call: lookup(var.types, "app", "t3.micro")>');
  });

  it('records tuple commas for list edits', () => {
    const ingress = doc.resource('aws_security_group', 'workers')!.blocks.find((b) => b.type === 'ingress')!;
    const list = attribute(ingress, 'cidr_blocks')!.value;
    if (list.kind !== 'tuple') throw new Error('expected a tuple');
    expect(list.commas.map((c) => (c ? STACK.slice(c.start, c.end) : null))).toEqual([',', ',', null]);
  });

  it('exposes module calls with their source kind', () => {
    expect(doc.modules().map((m) => [m.name, m.source, m.sourceKind, m.version])).toEqual([
      ['vpc', 'terraform-aws-modules/vpc/aws', 'registry', '~> 5.0'],
      ['web', './modules/web', 'local', null],
    ]);
  });

  it('reports what makes an in-place edit unsafe', () => {
    const workers = doc.resource('aws_security_group', 'workers')!;
    expect(doc.hazards(workers).map((h) => doc.describeHazard(h))).toEqual([
      'sets name from a template ("workers-${var.env}", line 9)',
      'sets vpc_id from a reference (var.vpc_id, line 11)',
      'sets ingress[0].cidr_blocks from a reference (local.office, line 18)',
      'uses dynamic "egress" blocks (line 22)',
    ]);
    const app = doc.resource('aws_instance', 'app')!;
    expect(doc.hazards(app).map((h) => h.kind)).toEqual(['count', 'non-literal', 'non-literal', 'non-literal']);
  });

  it('finds the comment lines directly above a line, not trailing comments or heredoc text', () => {
    const workers = doc.resource('aws_security_group', 'workers')!;
    expect(STACK.slice(doc.leadingCommentStart(workers.span.start)).startsWith('/* The workers')).toBe(true);
    const terraform = doc.blocks.find((b) => b.type === 'terraform')!;
    expect(STACK.slice(doc.leadingCommentStart(terraform.span.start)).startsWith('# Network')).toBe(true);
    const description = attribute(workers, 'description')!;
    // The line above ends with a trailing comment: not "above".
    expect(doc.leadingCommentStart(description.span.start)).toBe(description.span.start - 2);
    const app = doc.resource('aws_instance', 'app')!;
    const instanceType = attribute(app, 'instance_type')!;
    expect(doc.leadingCommentStart(instanceType.span.start)).toBe(instanceType.span.start - 2);
    expect(doc.isInComment(STACK.indexOf('# not a comment'))).toBe(false);
    expect(doc.isInComment(STACK.indexOf('# templated') + 3)).toBe(true);
  });

  it('reports the first syntax error with its position', async () => {
    const broken = await HclDocument.load('resource "a" "b" {\n  x = [1,\n}\n');
    // The unclosed list.
    expect(broken.syntaxError).toMatchObject({ line: 2 });
    expect(doc.syntaxError).toBeNull();
  });

  it('reads only the blocks asked for in depth', () => {
    const shallow = HclDocument.parse(STACK, { deep: (type) => type === 'module' });
    const workers = shallow.resource('aws_security_group', 'workers')!;
    expect(workers.deep).toBe(false);
    expect(workers.attributes).toEqual([]);
    expect(shallow.modules()).toHaveLength(2);
  });

  it('detects the indentation unit and line endings', async () => {
    const tabs = await HclDocument.load('resource "a" "b" {\r\n\tx = 1\r\n}\r\n');
    expect(tabs.indentUnit()).toBe('\t');
    expect(tabs.eol).toBe('\r\n');
    expect(doc.indentUnit()).toBe('  ');
    expect(doc.eol).toBe('\n');
  });
});

describe('classifyModuleSource', () => {
  it.each([
    ['./modules/web', 'local'],
    ['../shared/sg', 'local'],
    ['terraform-aws-modules/security-group/aws', 'registry'],
    ['app.terraform.io/acme/sg/aws', 'registry'],
    ['terraform-aws-modules/security-group/aws//modules/http-80', 'registry'],
    ['git::https://example.com/sg.git?ref=v1.2.0', 'git'],
    ['github.com/acme/terraform-sg', 'git'],
    ['git@github.com:acme/terraform-sg.git', 'git'],
    ['https://example.com/sg.zip', 'remote'],
    ['s3::https://s3.amazonaws.com/bucket/sg.zip', 'remote'],
    ['modules/web', 'unknown'],
  ])('%s is %s', (source, kind) => {
    expect(classifyModuleSource(source)).toBe(kind);
  });
});
