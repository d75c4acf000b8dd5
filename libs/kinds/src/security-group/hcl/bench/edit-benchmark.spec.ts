import { HclDocument } from '@driftwarden/hcl-edit';
import { editBenchmark, generateStackFile } from './edit-benchmark';

describe('editBenchmark', () => {
  it('generates a valid stack file of about the size asked for', async () => {
    const text = generateStackFile(2000);
    const lines = text.split('\n').length;
    expect(lines).toBeGreaterThanOrEqual(2000);
    expect(lines).toBeLessThan(2100);
    const doc = await HclDocument.load(text);
    expect(doc.syntaxError).toBeNull();
    expect(doc.resource('aws_security_group', 'workers')).toBeDefined();
  });

  it('edits the stack file and reports timings (no timing assertions here: see the benchmark)', async () => {
    const result = await editBenchmark(1000, { iterations: 3 });
    expect(result.lines).toBeGreaterThanOrEqual(1000);
    expect(result.changes).toEqual([
      expect.stringMatching(/^removed tcp\/8080 from 0\.0\.0\.0\/0 \(cidr_blocks of the ingress block at line \d+\)$/),
      'added an ingress block (tcp/8443 from 10.20.0.0/16)',
    ]);
    expect(result.editMs.median).toBeGreaterThan(0);
    expect(result.checkMs).toBeGreaterThan(0);
  });
});
