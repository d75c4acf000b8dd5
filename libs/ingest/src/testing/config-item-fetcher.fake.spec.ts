import { PermanentError, TransientError } from '@driftwarden/domain';
import { sample } from '../../test/samples';
import { normalizeDelivery } from '../normalize/normalize';
import { FakeConfigItemFetcher } from './config-item-fetcher.fake';

function oversized() {
  const result = normalizeDelivery(sample('config-item-oversized'), { transport: 'http' });
  if (!result.ok || result.events[0].kind !== 'config_item') throw new Error('sample did not normalise');
  return result.events[0];
}

describe('FakeConfigItemFetcher', () => {
  it('completes a stored item, fails as scripted, and rejects unknown items permanently', async () => {
    const event = oversized();
    const fake = new FakeConfigItemFetcher()
      .put(event.resource, event.order, { configuration: { groupId: 'sg-0abc1234def567890' }, tags: { team: 'payments' } })
      .failNext(new TransientError('throttled', 'config_throttled'));

    await expect(fake.complete(event)).rejects.toBeInstanceOf(TransientError);
    await expect(fake.complete(event)).resolves.toEqual({
      ...event,
      configuration: { groupId: 'sg-0abc1234def567890' },
      tags: { team: 'payments' },
    });
    await expect(fake.complete({ ...event, order: 1 })).rejects.toBeInstanceOf(PermanentError);
    expect(fake.calls).toHaveLength(3);
  });
});
