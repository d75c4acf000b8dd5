import { PermanentError, TransientError, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { AutoScalingSandbox } from '@driftwarden/sandbox/testing';
import { AsgRemediation, createAutoScalingClientProvider } from './executor';
import { ASG_TYPE } from './model';

const KEY = 'AKIDASGEXECUTOR';
let sandbox: AutoScalingSandbox;
let executor: AsgRemediation;

function drift(name: string): DriftRecord {
  return {
    id: 'drift-asg-1',
    resource: { type: ASG_TYPE, kind: 'asg', id: sandbox.arn(name), account: '111122223333', region: 'eu-west-1' },
    diff: { equal: false, attributes: [] },
  } as unknown as DriftRecord;
}
const diff = (attribute: string, live: number, desired: number) => ({ detail: { attribute, live, desired } }) as unknown as DriftDifference;

beforeEach(async () => {
  sandbox = await AutoScalingSandbox.start({ principals: { [KEY]: 'arn:aws:sts::111122223333:assumed-role/driftwarden/controller' } });
  sandbox.addGroup({ name: 'checkout', minSize: 4, maxSize: 20, desiredCapacity: 4, tags: {} });
  executor = new AsgRemediation(
    createAutoScalingClientProvider({
      requestTimeoutMs: 2_000,
      endpoint: sandbox.url,
      maxAttempts: 1,
      credentials: { accessKeyId: KEY, secretAccessKey: 's' },
    }),
  );
});
afterEach(() => sandbox.close());

describe('AsgRemediation against the Auto Scaling sandbox (Query protocol over HTTP)', () => {
  it('sets exactly the reverted attributes, fenced, and verifies them by re-describing', async () => {
    sandbox.setCapacity('checkout', { minSize: 12, desiredCapacity: 12 }, 'arn:aws:sts::111122223333:assumed-role/oncall/dana');
    let fenced = 0;
    const result = await executor.revert(drift('checkout'), async () => void fenced++, [diff('min_size', 12, 4)]);
    expect(fenced).toBe(1);
    expect(result.verified).toBe(true);
    expect(sandbox.group('checkout')).toMatchObject({ minSize: 4, desiredCapacity: 12 });
    expect(result.apiCalls.map((c) => c.operation)).toEqual([
      'DescribeAutoScalingGroups',
      'UpdateAutoScalingGroup',
      'DescribeAutoScalingGroups',
    ]);
    expect(result.apiCalls[1].request).toEqual({ AutoScalingGroupName: 'checkout', MinSize: 4 });
    expect(result.afterState).toMatchObject({
      source: 'autoscaling:DescribeAutoScalingGroups',
      capacity: { min_size: 4, max_size: 20, desired_capacity: 12 },
    });
  });

  it('is idempotent: nothing left to set makes no write and no fence call', async () => {
    let fenced = 0;
    const result = await executor.revert(drift('checkout'), async () => void fenced++, [diff('min_size', 12, 4)]);
    expect(fenced).toBe(0);
    expect(result.verified).toBe(true);
    expect(sandbox.writeCalls()).toHaveLength(0);
  });

  it('a fence that throws stops the write', async () => {
    sandbox.setCapacity('checkout', { minSize: 12, desiredCapacity: 12 });
    await expect(executor.revert(drift('checkout'), () => Promise.reject(new Error('frozen')), [diff('min_size', 12, 4)])).rejects.toThrow(
      'frozen',
    );
    expect(sandbox.group('checkout').minSize).toBe(12);
  });

  it('refuses a target Auto Scaling would refuse, before any write', async () => {
    sandbox.setCapacity('checkout', { maxSize: 30, desiredCapacity: 25 });
    await expect(executor.revert(drift('checkout'), async () => undefined, [diff('max_size', 30, 20)])).rejects.toMatchObject({
      code: 'asg_invalid_capacity',
    });
    expect(sandbox.writeCalls()).toHaveLength(0);
  });

  it('a deleted group is a permanent failure (never recreated)', async () => {
    const d = drift('checkout');
    (d.resource as { id: string }).id = d.resource.id.replace('/checkout', '/gone');
    await expect(executor.revert(d, async () => undefined, [diff('min_size', 12, 4)])).rejects.toMatchObject({
      code: 'asg_group_not_found',
    });
  });

  it('throttling and 5xx are transient, access denied and validation permanent, a hang times out (transient)', async () => {
    sandbox.setCapacity('checkout', { minSize: 12, desiredCapacity: 12 });
    sandbox.failNext('UpdateAutoScalingGroup', { code: 'Throttling', status: 400, message: 'Rate exceeded' });
    await expect(executor.revert(drift('checkout'), async () => undefined, [diff('min_size', 12, 4)])).rejects.toBeInstanceOf(
      TransientError,
    );
    sandbox.failNext('DescribeAutoScalingGroups', { code: 'InternalFailure', status: 500 });
    await expect(executor.revert(drift('checkout'), async () => undefined, [diff('min_size', 12, 4)])).rejects.toBeInstanceOf(
      TransientError,
    );
    sandbox.failNext('UpdateAutoScalingGroup', { code: 'AccessDenied', status: 403, message: 'not authorized' });
    const denied = await executor.revert(drift('checkout'), async () => undefined, [diff('min_size', 12, 4)]).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PermanentError);
    expect(denied).toMatchObject({ code: 'autoscaling_unauthorized' });
    sandbox.failNext('UpdateAutoScalingGroup', { network: 'hang' });
    await expect(executor.revert(drift('checkout'), async () => undefined, [diff('min_size', 12, 4)])).rejects.toBeInstanceOf(
      TransientError,
    );
    sandbox.failNext('UpdateAutoScalingGroup', { network: 'reset' });
    await expect(executor.revert(drift('checkout'), async () => undefined, [diff('min_size', 12, 4)])).rejects.toBeInstanceOf(
      TransientError,
    );
    expect(sandbox.group('checkout').minSize).toBe(12);
  });
});
