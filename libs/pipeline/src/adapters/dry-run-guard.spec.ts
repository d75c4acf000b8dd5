import type { DriftRecord } from '@driftwarden/domain';
import { DryRunBackportGuard, DryRunRemediationGuard, DryRunWriteBlockedError } from './dry-run-guard';

const drift = { id: 'drf_1' } as DriftRecord;

describe('dry-run write guards', () => {
  it('refuse every revert with a permanent, explained error and never call the fence', async () => {
    const fence = jest.fn();
    await expect(new DryRunRemediationGuard().revert(drift, fence)).rejects.toThrow(DryRunWriteBlockedError);
    await expect(new DryRunRemediationGuard().revert(drift, fence)).rejects.toThrow(
      'revert of drf_1 refused: driftwarden runs in dry-run mode',
    );
    expect(fence).not.toHaveBeenCalled();
  });

  it('refuse every backport', async () => {
    await expect(new DryRunBackportGuard().openOrUpdate(drift)).rejects.toMatchObject({ code: 'dry_run_write_blocked' });
  });
});
