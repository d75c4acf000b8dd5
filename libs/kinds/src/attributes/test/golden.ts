import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setResourceAttributes, type AttributeSet } from '../hcl-attribute-edit';

interface EditCase {
  target: { type: string; name: string };
  sets: AttributeSet[];
  /** Expected refusal (a substring of the reason); absent: expected.tf holds the result. */
  unsafe?: string;
}

/** One test per fixture folder: input.tf + edit.json → expected.tf (byte for byte), or the refusal. */
export function goldenEditTests(dir: string): void {
  for (const name of readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort()) {
    it(name, async () => {
      const folder = join(dir, name);
      const input = readFileSync(join(folder, 'input.tf'), 'utf8');
      const edit = JSON.parse(readFileSync(join(folder, 'edit.json'), 'utf8')) as EditCase;
      const result = await setResourceAttributes(input, edit.target, edit.sets, 'main.tf');
      if (edit.unsafe) {
        expect(result).toEqual({ unsafe: expect.stringContaining(edit.unsafe) as string });
        return;
      }
      if (!result || 'unsafe' in result) throw new Error(`expected an edit, got ${JSON.stringify(result)}`);
      expect(result.text).toBe(readFileSync(join(folder, 'expected.tf'), 'utf8'));
      // Editing the result again changes nothing (idempotent).
      expect(await setResourceAttributes(result.text, edit.target, edit.sets, 'main.tf')).toBeNull();
    });
  }
}
