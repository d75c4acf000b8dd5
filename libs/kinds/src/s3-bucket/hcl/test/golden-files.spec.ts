/**
 * Golden files for the public access block edit (DESIGN §6): a flag's value replaced in place
 * (comments on the line kept), a flag the block leaves out written on a new line; each result was
 * read back with HashiCorp's parser by the editor, or the edit was refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editBlockFlags } from '../public-access-block-edit';

const FIXTURES = join(__dirname, 'fixtures');
const read = (dir: string, file: string) => readFileSync(join(FIXTURES, dir, file), 'utf8');
const TYPE = 'aws_s3_bucket_public_access_block';

describe('public access block HCL edits (golden files)', () => {
  it('replace-value: the on-call turned BlockPublicPolicy off; the value is replaced, the comment stays', async () => {
    const result = await editBlockFlags(read('replace-value', 'input.tf'), {
      target: { type: TYPE, name: 'invoices' },
      want: { blockPublicPolicy: false },
    });
    expect(result).toEqual({ text: read('replace-value', 'expected.tf'), changes: ['sets block_public_policy = false'] });
  });

  it('insert-missing: flags the block leaves out (false) are written when they must be true', async () => {
    const result = await editBlockFlags(read('insert-missing', 'input.tf'), {
      target: { type: TYPE, name: 'assets' },
      want: { ignorePublicAcls: true, restrictPublicBuckets: true, blockPublicAcls: true },
    });
    expect(result).toEqual({
      text: read('insert-missing', 'expected.tf'),
      changes: ['sets ignore_public_acls = true', 'sets restrict_public_buckets = true'],
    });
  });

  it('is idempotent, and refuses flags set from an expression and blocks with count', async () => {
    expect(
      await editBlockFlags(read('replace-value', 'expected.tf'), {
        target: { type: TYPE, name: 'invoices' },
        want: { blockPublicPolicy: false },
      }),
    ).toBeNull();
    const expr = read('replace-value', 'input.tf').replace('block_public_policy     = true', 'block_public_policy     = var.strict');
    expect(await editBlockFlags(expr, { target: { type: TYPE, name: 'invoices' }, want: { blockPublicPolicy: false } })).toEqual({
      unsafe: 'aws_s3_bucket_public_access_block.invoices sets block_public_policy from an expression (var.strict)',
    });
    const counted = read('insert-missing', 'input.tf').replace('bucket            =', 'count             = 2\n  bucket            =');
    expect(await editBlockFlags(counted, { target: { type: TYPE, name: 'assets' }, want: { ignorePublicAcls: true } })).toEqual({
      unsafe: expect.stringMatching(/uses count/) as string,
    });
  });
});
