/**
 * jira.js (about 24 MB of RSS with axios and form-data) and Cedar's WebAssembly (about 10 MB)
 * are loaded only by a controller that uses them: a JSM incident source, policies. Here both
 * throw when loaded (jest hoists the mocks above the imports), so loading the whole controller
 * module graph proves that nothing else pulls them in, and using each proves where it is loaded.
 */
import { JSM_DEFAULT_JQL } from '@driftwarden/config';
import { JsmIncidentAdapter } from '@driftwarden/incidents';
import { CedarPolicies } from '@driftwarden/policy';
import { AppModule } from './app.module';

jest.mock('jira.js', () => {
  throw new Error('jira.js was loaded');
});
jest.mock('@cedar-policy/cedar-wasm/nodejs', () => {
  throw new Error('cedar-wasm was loaded');
});

describe('modules only some configurations use are loaded when used', () => {
  it('the controller module graph (every lib, the JSM adapter and the policy engine included) loads neither', () => {
    expect(AppModule).toBeDefined();
  });

  it('building a JSM source loads jira.js; reading a policy loads Cedar', () => {
    expect(
      () =>
        new JsmIncidentAdapter({
          apiUrl: 'https://example.atlassian.net',
          email: 'oncall@example.com',
          apiToken: 'not-a-real-token',
          jql: JSM_DEFAULT_JQL,
          scopeFields: [],
          requestTimeoutMs: 1_000,
        }),
    ).toThrow('jira.js was loaded');
    expect(() => CedarPolicies.fromSources([{ file: 'p.cedar', text: 'permit(principal, action, resource);' }], [])).toThrow(
      'cedar-wasm was loaded',
    );
  });
});
