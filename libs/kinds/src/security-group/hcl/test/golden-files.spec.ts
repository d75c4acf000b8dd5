/**
 * Golden files: each `fixtures/<case>/` has `input.tf`, `edit.json` (the request, and for a
 * refused edit the expected `unsafe` answer) and, for an edit that goes through, `expected.tf`.
 * An edit that goes through must
 * - equal expected.tf exactly,
 * - be byte-identical to input.tf outside the reported spans,
 * - be accepted by HashiCorp's parser (hcl2json).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseWithHashicorp, type EditSpan } from '@driftwarden/hcl-edit';
import { editSecurityGroupRules, type SecurityGroupEditRequest, type UnsafeCode } from '../../index';
import type { PermissionRule } from '../../model/permission-rule';

interface FixtureEdit {
  description: string;
  request: Omit<SecurityGroupEditRequest, 'remove' | 'add'> & { remove: PermissionRule[]; add: PermissionRule[] };
  unsafe?: { code: UnsafeCode; reason: string };
  changes?: string[];
}

const FIXTURES = join(__dirname, 'fixtures');
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function read(name: string, file: string): string {
  return readFileSync(join(FIXTURES, name, file), 'utf8');
}

/** The input rebuilt from the output: outside the spans the two must be the same bytes. */
function assertIdenticalOutsideSpans(input: string, output: string, spans: readonly EditSpan[]): void {
  let inAt = 0;
  let outAt = 0;
  for (const span of spans) {
    expect(span.start).toBeGreaterThanOrEqual(outAt);
    expect(span.original.start).toBeGreaterThanOrEqual(inAt);
    expect(output.slice(outAt, span.start)).toBe(input.slice(inAt, span.original.start));
    outAt = span.end;
    inAt = span.original.end;
  }
  expect(output.slice(outAt)).toBe(input.slice(inAt));
}

describe('golden files', () => {
  it('has cases for edits and for refusals', () => {
    expect(cases.filter((name) => existsSync(join(FIXTURES, name, 'expected.tf'))).length).toBeGreaterThanOrEqual(10);
    expect(cases.filter((name) => !existsSync(join(FIXTURES, name, 'expected.tf'))).length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases)('%s', async (name) => {
    const input = read(name, 'input.tf');
    const edit = JSON.parse(read(name, 'edit.json')) as FixtureEdit;
    const result = await editSecurityGroupRules(input, { filename: `${name}.tf`, ...edit.request });

    if (edit.unsafe) {
      expect(existsSync(join(FIXTURES, name, 'expected.tf'))).toBe(false);
      expect(result).toEqual({ unsafe: true, ...edit.unsafe });
      return;
    }
    if (result.unsafe) throw new Error(`refused: ${result.code}: ${result.reason}`);
    const expected = read(name, 'expected.tf');
    expect(result.text).toBe(expected);
    assertIdenticalOutsideSpans(input, result.text, result.spans);
    await expect(parseWithHashicorp(`${name}/expected.tf`, result.text)).resolves.toEqual(expect.any(Object));
    if (edit.changes) expect(result.changes).toEqual(edit.changes);
  });
});
