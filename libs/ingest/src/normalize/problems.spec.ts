import { z } from 'zod';
import { formatPath, joinPath, zodErrorToProblems } from './problems';

describe('formatPath / joinPath', () => {
  it.each([
    { segments: [], path: '' },
    { segments: ['detail', 'configurationItem', 'resourceId'], path: 'detail.configurationItem.resourceId' },
    {
      segments: ['detail', 'configurationItem', 'relationships', 0, 'resourceId'],
      path: 'detail.configurationItem.relationships[0].resourceId',
    },
    { segments: ['detail-type'], path: 'detail-type' },
    { segments: [2, 'detail'], path: '[2].detail' },
    { segments: ['changedProperties', 'Configuration.IpPermissions.1'], path: 'changedProperties["Configuration.IpPermissions.1"]' },
  ])('$path', ({ segments, path }) => {
    expect(formatPath(segments)).toBe(path);
  });

  it.each([
    { prefix: '', path: 'a.b', joined: 'a.b' },
    { prefix: '[3]', path: '', joined: '[3]' },
    { prefix: '[3]', path: 'detail.x', joined: '[3].detail.x' },
    { prefix: 'Message', path: '[0]', joined: 'Message[0]' },
    { prefix: '[1]', path: 'Message.detail', joined: '[1].Message.detail' },
  ])('join($prefix, $path) = $joined', ({ prefix, path, joined }) => {
    expect(joinPath(prefix, path)).toBe(joined);
  });
});

describe('zodErrorToProblems', () => {
  const schema = z.looseObject({
    s: z.string(),
    n: z.number().int(),
    list: z.array(z.string()).min(1),
    when: z.iso.datetime({ offset: true }),
    kind: z.literal('A'),
  });
  it('says what was expected and what was found, per path', () => {
    const parsed = schema.safeParse({ s: 1, n: 1.5, list: [], when: 'x', kind: 'B' }, { reportInput: true });
    if (parsed.success) throw new Error('expected the parse to fail');
    expect(zodErrorToProblems(parsed.error, 'detail')).toEqual([
      { path: 'detail.s', message: 'expected string, got number' },
      { path: 'detail.n', message: 'expected int, got number' },
      { path: 'detail.list', message: 'expected at least 1 element(s), got an empty array' },
      { path: 'detail.when', message: 'expected an ISO 8601 date-time such as 2025-03-04T10:15:28.502Z, got string "x"' },
      { path: 'detail.kind', message: 'expected "A", got string "B"' },
    ]);
  });
});

describe('unknown keys', () => {
  it('are reported at their own path, __proto__ included, not at the object holding them', () => {
    const schema = z.strictObject({ a: z.strictObject({ b: z.string() }) });
    const parsed = schema.safeParse(JSON.parse('{"a":{"b":"x","__proto__":{"polluted":true},"c.d":1},"e":2}'), { reportInput: true });
    if (parsed.success) throw new Error('expected the parse to fail');
    expect(zodErrorToProblems(parsed.error)).toEqual([
      { path: 'a.__proto__', message: 'unexpected key' },
      { path: 'a["c.d"]', message: 'unexpected key' },
      { path: 'e', message: 'unexpected key' },
    ]);
  });
});
