import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DESIGN_EXAMPLE, SECRET_ENV, parse } from '../test/config-fixtures';
import { ConfigError } from './config.errors';
import { loadConfigFile } from './load-config';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

/** The keys written under `retention:` in a YAML block (two-space indented). */
function yamlRetention(block: string): Record<string, true> {
  return Object.fromEntries(
    block
      .split('\n')
      .filter((l) => /^ {2}[a-zA-Z]+:/.test(l))
      .map((l) => [l.trim().split(':')[0], true]),
  );
}
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('examples/driftwarden.yaml', () => {
  const file = path.join(EXAMPLES, 'driftwarden.yaml');

  it('is the DESIGN.md §8 example, valid, with secrets from the environment', () => {
    const config = loadConfigFile(file, SECRET_ENV);
    const design = parse(DESIGN_EXAMPLE, SECRET_ENV);
    expect({ ...config, api: { ...config.api, tokens: [] } }).toEqual({ ...design, api: { ...design.api, tokens: [] } });
    expect(config.api.tokens).toEqual([{ ...design.api.tokens[0], sha256: sha256('oncall-token') }]);
  });

  it('shows the retention keys with their defaults (the commented block, uncommented, is the default)', () => {
    const text = readFileSync(file, 'utf8');
    const block = text
      .slice(text.indexOf('# retention:'))
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) => l.slice(2))
      .join('\n');
    expect(block).toMatch(/^retention:/);
    expect(parse(block).retention).toEqual(parse('{}').retention);
    expect(
      Object.keys(parse(block).retention)
        .filter((k) => !k.endsWith('Ms'))
        .sort(),
    ).toEqual(Object.keys(yamlRetention(block)).sort());
  });

  it('needs the secrets it references', () => {
    try {
      loadConfigFile(file, {});
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.message)).toEqual([
        'environment variable REDIS_URL is not set',
        'environment variable PAGERDUTY_TOKEN is not set',
        'environment variable PAGERDUTY_WEBHOOK_SECRET is not set',
        'environment variable OPSGENIE_API_KEY is not set',
        'environment variable OPSGENIE_WEBHOOK_TOKEN is not set',
        'environment variable GITHUB_TOKEN is not set',
        'environment variable GITHUB_WEBHOOK_SECRET is not set',
      ]);
    }
  });
});

describe('examples/driftwarden.dry-run.yaml', () => {
  const file = path.join(EXAMPLES, 'driftwarden.dry-run.yaml');

  it('is a dry-run config with no providers and a local state file', () => {
    const config = loadConfigFile(file, {});
    expect(config.mode).toBe('dry-run');
    expect(config.incidents.pagerduty).toBeUndefined();
    expect(config.incidents.opsgenie).toBeUndefined();
    expect(config.github).toBeUndefined();
    expect(config.stacks.map((s) => s.state)).toEqual([{ file: path.join(EXAMPLES, 'demo/state/network.tfstate') }]);
  });

  it('has one demo token per role, each the sha256 of "<role>-token"', () => {
    const config = loadConfigFile(file, {});
    expect(config.api.tokens.map((t) => [t.role, t.sha256])).toEqual(
      (['viewer', 'ingest', 'operator', 'admin'] as const).map((role) => [role, sha256(`${role}-token`)]),
    );
    expect(readFileSync(file, 'utf8')).toMatch(/DEMO TOKENS ONLY/);
  });
});
