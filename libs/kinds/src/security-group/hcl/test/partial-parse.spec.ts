/**
 * The partial parse the editor relies on (`blocksToRead` / `holdsRules`: module calls, the group
 * and the rule resources in depth, nothing else): on the golden files and a large stack file, it
 * finds the same blocks as a whole parse, and the blocks it reads in depth are the same.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HclDocument, initHclParser } from '@driftwarden/hcl-edit';
import { generateStackFile } from '../bench/edit-benchmark';
import { holdsRules } from '../edit/group-code';

describe('reading only the blocks that hold rules', () => {
  beforeAll(() => initHclParser());

  it('lets the parse skip the blocks it does not need, with the same result for the others', () => {
    const fixtures = join(__dirname, 'fixtures');
    const inputs = readdirSync(fixtures, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => readFileSync(join(fixtures, e.name, 'input.tf'), 'utf8'));
    for (const text of [...inputs, generateStackFile(800)]) {
      const partial = HclDocument.parse(text, { deep: holdsRules });
      const whole = HclDocument.parse(text);
      expect(partial.parsed).toBe('partial');
      expect(whole.parsed).toBe('whole');
      expect(partial.blocks.map((b) => [b.type, b.labels, b.span])).toEqual(whole.blocks.map((b) => [b.type, b.labels, b.span]));
      for (const block of partial.blocks.filter((b) => b.deep)) {
        expect(block).toEqual(whole.blocks.find((b) => b.span.start === block.span.start));
      }
      for (const block of partial.blocks.filter((b) => holdsRules(b.type, b.labels))) {
        expect(partial.leadingCommentStart(block.span.start)).toBe(whole.leadingCommentStart(block.span.start));
      }
    }
  });
});
