import { initHclParser } from '../parser/tree-sitter';
import { HclDocument, type HclBlock } from './hcl-document';
import { scanTopLevel } from './top-level-scan';

const TRICKY = `# a { brace in a comment
/* and } one
   in a block comment */
resource "aws_iam_policy" "p" {
  policy = <<-EOT
    { "not": "a block" }
    }}} "unbalanced in a heredoc
  EOT
  name = "brace } in a string, \\" and an escaped quote"
  tpl  = "\${jsonencode({ a = "}" })} and $\${literal} %{ if true }x%{ endif }"
  // } line comment
}

locals { x = { y = [1, { z = 2 }] } }

resource aws_instance "unquoted-label" {
  user_data = <<EOT
#!/bin/sh
echo "}"
EOT
}
`;

/** A predicate for `deep`: resource blocks in depth, the others skipped. */
const resourcesOnly = (type: string): boolean => type === 'resource';

function summary(blocks: HclBlock[]): unknown[] {
  return blocks.map((b) => ({ type: b.type, labels: b.labels, span: b.span, openBrace: b.openBrace, closeBrace: b.closeBrace }));
}

describe('scanTopLevel', () => {
  beforeAll(() => initHclParser());

  it('finds the same top-level blocks as tree-sitter, whatever strings, heredocs and comments hold', () => {
    const scanned = scanTopLevel(TRICKY);
    const full = HclDocument.parse(TRICKY);
    expect(full.syntaxError).toBeNull();
    expect(
      scanned?.map((b) => ({
        type: b.type,
        labels: b.labels,
        span: { start: b.start, end: b.closeBrace + 1 },
        openBrace: b.openBrace,
        closeBrace: b.closeBrace,
      })),
    ).toEqual(summary(full.blocks));
  });

  it.each([
    ['a top-level attribute (tfvars)', 'region = "eu-west-1"\n'],
    ['an unterminated string', 'resource "a" "b" {\n  x = "oops\n}\n'],
    ['an unclosed block', 'resource "a" "b" {\n  x = 1\n'],
    ['an unterminated heredoc', 'resource "a" "b" {\n  x = <<EOT\nno end\n}\n'],
  ])('gives up on %s', (_name, text) => {
    expect(scanTopLevel(text)).toBeUndefined();
  });

  it('lets the parse skip the blocks it does not need, with the same result for the others', () => {
    // (The security-group kind checks the same on its golden files, with the blocks its editor reads.)
    const partial = HclDocument.parse(TRICKY, { deep: resourcesOnly });
    const whole = HclDocument.parse(TRICKY);
    expect(partial.parsed).toBe('partial');
    expect(whole.parsed).toBe('whole');
    expect(partial.blocks.map((b) => [b.type, b.labels, b.span])).toEqual(whole.blocks.map((b) => [b.type, b.labels, b.span]));
    expect(partial.blocks.map((b) => b.deep)).toEqual([true, false, true]);
    for (const block of partial.blocks.filter((b) => b.deep)) {
      expect(block).toEqual(whole.blocks.find((b) => b.span.start === block.span.start));
      expect(partial.leadingCommentStart(block.span.start)).toBe(whole.leadingCommentStart(block.span.start));
    }
  });

  it('falls back to the whole file when the scan gives up or the partial parse finds an error', () => {
    const broken = 'resource "aws_security_group" "a" {\n  ingress {\n    from_port = \n  }\n}\n';
    const doc = HclDocument.parse(broken, { deep: resourcesOnly });
    expect(doc.parsed).toBe('whole');
    expect(doc.syntaxError).toMatchObject({ line: 3 });
  });
});
