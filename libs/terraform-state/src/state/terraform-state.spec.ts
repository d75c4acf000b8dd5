import { PermanentError } from '@driftwarden/domain';
import { E2_STATE, V3_STATE, networkState } from '../testing/fixtures';
import { TerraformStateFormatError } from '../terraform-state.errors';
import { hclQuote, instanceAddress, resourceAddress } from './address';
import { parseTerraformState } from './terraform-state.schema';

const origin = 's3://tf-state/network/terraform.tfstate';

function formatError(run: () => unknown): TerraformStateFormatError {
  try {
    run();
  } catch (err) {
    if (err instanceof TerraformStateFormatError) return err;
    throw err;
  }
  throw new Error('expected a TerraformStateFormatError');
}

describe('parseTerraformState', () => {
  it('parses the §E2 example from JSON text', () => {
    const state = parseTerraformState(JSON.stringify(E2_STATE), { origin });
    expect(state).toMatchObject({ version: 4, serial: 42, lineage: '3f1e2d4c-5b6a-7980-1a2b-3c4d5e6f7a8b', terraform_version: '1.9.8' });
    expect(state.resources.map((r) => `${r.module ?? ''}|${r.type}.${r.name}`)).toEqual([
      'module.web|aws_security_group.this',
      'module.web|aws_vpc_security_group_ingress_rule.office',
    ]);
    expect(state.resources[1]?.instances[0]?.index_key).toBe('ssh');
  });

  it('tolerates identity, identity_schema_version, provider v6 region, check_results and unknown fields', () => {
    const state = networkState();
    const withExtras = { ...state, some_future_field: { x: 1 } };
    const parsed = parseTerraformState(withExtras, { origin });
    const bastion = parsed.resources.find((r) => r.name === 'bastion' && r.type === 'aws_security_group');
    expect(bastion?.instances[0]?.identity).toEqual({ account_id: '111122223333', id: 'sg-0b0000000000000a1', region: 'eu-west-1' });
    expect(bastion?.instances[0]?.attributes?.['region']).toBe('eu-west-1');
    expect(parsed.check_results).toEqual(state['check_results']);
  });

  it('accepts a state without resources (fresh workspace)', () => {
    expect(parseTerraformState({ version: 4, serial: 0, lineage: 'x' }, { origin }).resources).toEqual([]);
  });

  it('rejects format version 3 with a clear, permanent error naming the stack', () => {
    const err = formatError(() => parseTerraformState(JSON.stringify(V3_STATE), { origin, stack: 'legacy' }));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.code).toBe('terraform_state_unsupported_version');
    expect(err.message).toBe(
      `stack "legacy": Terraform state ${origin} has format version 3; driftwarden reads state format version 4 only ` +
        '(written by Terraform 0.12 and later; run "terraform state pull" with a current Terraform to upgrade)',
    );
    expect(formatError(() => parseTerraformState({ serial: 1 }, { origin })).message).toContain('has no format version');
    expect(formatError(() => parseTerraformState({ version: '4' }, { origin })).code).toBe('terraform_state_unsupported_version');
  });

  it('rejects malformed JSON and non-objects as permanent, keeping the parser error', () => {
    const err = formatError(() => parseTerraformState('{"version": 4,', { origin, stack: 'network' }));
    expect(err.code).toBe('terraform_state_malformed');
    expect(err.message).toMatch(/^stack "network": Terraform state s3:\/\/tf-state\/network\/terraform\.tfstate is not valid JSON: /);
    expect(err.cause).toBeInstanceOf(SyntaxError);
    expect(formatError(() => parseTerraformState('[]', { origin })).code).toBe('terraform_state_malformed');
  });

  it('names the JSON path of a shape problem', () => {
    const bad = {
      ...E2_STATE,
      resources: [{ mode: 'managed', type: 'aws_security_group', name: 'x', provider: 'p', instances: [{ index_key: true }] }],
    };
    const err = formatError(() => parseTerraformState(bad, { origin }));
    expect(err.code).toBe('terraform_state_invalid');
    expect(err.path).toBe('resources[0].instances[0].index_key');
    expect(err.message).toContain('at resources[0].instances[0].index_key');
  });
});

describe('addresses (CONTRACTS.md §E1)', () => {
  it.each([
    [{ mode: 'managed' as const, type: 'aws_security_group', name: 'workers' }, undefined, 'aws_security_group.workers'],
    [
      { module: 'module.net', mode: 'managed' as const, type: 'aws_security_group', name: 'workers' },
      undefined,
      'module.net.aws_security_group.workers',
    ],
    [{ mode: 'data' as const, type: 'aws_vpc', name: 'main' }, undefined, 'data.aws_vpc.main'],
    [{ module: 'module.a', mode: 'data' as const, type: 'aws_vpc', name: 'main' }, 0, 'module.a.data.aws_vpc.main[0]'],
    [{ mode: 'managed' as const, type: 'aws_security_group', name: 'this' }, 2, 'aws_security_group.this[2]'],
    [
      { module: 'module.web', mode: 'managed' as const, type: 'aws_vpc_security_group_ingress_rule', name: 'office' },
      'ssh',
      'module.web.aws_vpc_security_group_ingress_rule.office["ssh"]',
    ],
    [
      { module: 'module.app["blue"].module.sg[1]', mode: 'managed' as const, type: 'aws_security_group', name: 'this' },
      null,
      'module.app["blue"].module.sg[1].aws_security_group.this',
    ],
  ])('%j %p → %s', (resource, key, expected) => {
    expect(instanceAddress(resource, key)).toBe(expected);
  });

  it('HCL-quotes string keys like Terraform', () => {
    expect(hclQuote('from "lb"')).toBe('"from \\"lb\\""');
    expect(hclQuote('a\\b\n\t')).toBe('"a\\\\b\\n\\t"');
    expect(hclQuote('${x} %{y} $z')).toBe('"$${x} %%{y} $z"');
    expect(hclQuote('\u0001')).toBe('"\\u0001"');
    expect(hclQuote('')).toBe('""');
    expect(resourceAddress({ mode: 'managed', type: 't', name: 'n', module: null })).toBe('t.n');
  });
});
