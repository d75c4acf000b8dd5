import { DesiredStateIndex, type DesiredStateStack } from '@driftwarden/terraform-state';
import { ACCOUNT, InMemoryStateSource, REGION, SG_WORKERS, appsState, networkState } from '@driftwarden/terraform-state/testing';
import { securityGroupStateKind } from '../state/security-group-state';
import { securityGroupReconcile } from './reconcile-hook';

const TWO_REGIONS: DesiredStateStack = { name: 'network', accounts: [ACCOUNT], regions: [REGION, 'us-east-1'], state: { file: '/n' } };
const ONE_REGION: DesiredStateStack = { name: 'network', accounts: [ACCOUNT], regions: [REGION], state: { file: '/n' } };
const APPS: DesiredStateStack = { name: 'apps', accounts: [ACCOUNT], regions: [REGION], state: { file: '/a' } };

function index(network: DesiredStateStack): DesiredStateIndex {
  const sources = {
    network: new InMemoryStateSource('memory:network', networkState()),
    apps: new InMemoryStateSource('memory:apps', appsState()),
  };
  return new DesiredStateIndex([network, APPS], (s) => sources[s.name as keyof typeof sources], { kinds: [securityGroupStateKind] });
}

describe('security groups in the reconciling sweep (managedIds)', () => {
  it('reads each group in one region only: one the state does not place is left out of a stack of several regions', async () => {
    const wide = index(TWO_REGIONS);
    const here = await securityGroupReconcile.managedIds(wide, { account: ACCOUNT, region: REGION });
    const there = await securityGroupReconcile.managedIds(wide, { account: ACCOUNT, region: 'us-east-1' });
    expect(here).toContain(SG_WORKERS);
    expect(here.filter((id) => there.includes(id))).toEqual([]);
  });

  it('in a stack of one account and region, a group the state does not place is read there', async () => {
    const wide = await securityGroupReconcile.managedIds(index(TWO_REGIONS), { account: ACCOUNT, region: REGION });
    const narrow = await securityGroupReconcile.managedIds(index(ONE_REGION), { account: ACCOUNT, region: REGION });
    expect(narrow).toEqual(expect.arrayContaining(wide));
    expect(await securityGroupReconcile.managedIds(index(ONE_REGION), { account: ACCOUNT, region: 'us-east-1' })).toEqual([]);
    expect(await securityGroupReconcile.managedIds(index(ONE_REGION), { account: '999999999999', region: REGION })).toEqual([]);
  });
});
