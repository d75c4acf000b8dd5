import fc from 'fast-check';
import { PermanentError } from '@driftwarden/domain';
import { compileIncidentSearch, type SearchableIncident } from '../testing/opsgenie-search.fake';
import { buildOpsgenieMajorQuery, quoteOpsgenieTerm } from './opsgenie-query';

function searchable(overrides: Partial<SearchableIncident> = {}): SearchableIncident {
  return {
    status: 'open',
    priority: 'P1',
    message: 'm',
    tinyId: '1',
    tags: [],
    teams: [],
    services: [],
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}

describe('buildOpsgenieMajorQuery', () => {
  it('asks for open incidents only when no criterion is configured', () => {
    expect(buildOpsgenieMajorQuery({})).toBe('status: open');
  });

  it('joins every configured criterion with AND, values of one criterion with OR', () => {
    expect(buildOpsgenieMajorQuery({ priorities: ['P1', 'P2'] })).toBe('status: open AND priority: (P1 OR P2)');
    expect(buildOpsgenieMajorQuery({ priorities: ['P1'], teams: ['Platform', 'SRE'], services: ['Checkout'] })).toBe(
      'status: open AND priority: P1 AND teams: ("Platform" OR "SRE") AND services: "Checkout"',
    );
  });

  it('quotes names so that they cannot change the query', () => {
    expect(quoteOpsgenieTerm('a "b" \\ c OR priority: P5')).toBe('"a \\"b\\" \\\\ c OR priority: P5"');
  });

  it('refuses values that cannot be expressed', () => {
    expect(() => buildOpsgenieMajorQuery({ teams: ['line\nbreak'] })).toThrow(PermanentError);
    expect(() => buildOpsgenieMajorQuery({ services: ['  '] })).toThrow(PermanentError);
    expect(() => buildOpsgenieMajorQuery({ priorities: ['P9' as 'P1'] })).toThrow(/P1…P5/);
  });

  it('selects exactly the incidents whose team has the configured name, whatever the name (property)', () => {
    const name = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0 && !/[\u0000-\u001f\u007f]/.test(s));
    fc.assert(
      fc.property(name, name, (wanted, other) => {
        const matches = compileIncidentSearch(buildOpsgenieMajorQuery({ priorities: ['P1'], teams: [wanted] }));
        expect(matches(searchable({ teams: [wanted] }))).toBe(true);
        expect(matches(searchable({ teams: [wanted], priority: 'P3' }))).toBe(false);
        expect(matches(searchable({ teams: [wanted], status: 'resolved' }))).toBe(false);
        if (other.toLowerCase() !== wanted.toLowerCase()) expect(matches(searchable({ teams: [other] }))).toBe(false);
      }),
    );
  });
});

describe('buildOpsgenieMajorQuery for the history read after a state rebuild', () => {
  it('replaces the open filter by a creation-time bound, keeping every criterion', () => {
    expect(buildOpsgenieMajorQuery({ priorities: ['P1', 'P2'], teams: ['SRE'] }, { createdAfter: new Date(1_700_000_000_000) })).toBe(
      'createdAt > 1700000000000 AND priority: (P1 OR P2) AND teams: "SRE"',
    );
  });
});
