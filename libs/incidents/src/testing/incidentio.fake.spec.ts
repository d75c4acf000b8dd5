import { IncidentioFake, INCIDENTIO_FAKE_API_KEY } from './incidentio.fake';

/** The fake refuses what incident.io's OpenAPI description (and its documentation) refuses. */
describe('IncidentioFake', () => {
  let fake: IncidentioFake;
  beforeAll(async () => {
    fake = await new IncidentioFake().start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset().setIncidents([{ id: '01A' }]);
  });
  const get = (query: string, key = INCIDENTIO_FAKE_API_KEY) =>
    fetch(`${fake.url}/v2/incidents?${query}`, { headers: { authorization: `Bearer ${key}` } });

  it('answers a valid listing', async () => {
    const res = await get('page_size=10&status_category%5Bone_of%5D=live');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { incidents: unknown[] }).incidents).toHaveLength(1);
    expect(fake.requests[0].problems).toEqual([]);
  });

  it.each([
    ['an unknown parameter', 'status=live', /operator/],
    ['an operator the filter does not take', 'status_category%5Bgte%5D=live', /not an accepted operator/],
    ['a filter without operator', 'severity=01A', /must name an operator/],
    ['an unknown name', 'limit=10', /not a parameter/],
    ['a page_size that is not a number', 'page_size=ten', /page_size/],
    ['a page_size over 250', 'page_size=251', /between 1 and 250/],
  ])('refuses %s with 400 invalid_request_error', async (_what, query, problem) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'invalid_request_error', status: 400, errors: [{ code: 'invalid_request_error' }] });
    expect(fake.requests[0].problems.join('\n')).toMatch(problem);
  });

  it('refuses a wrong key with 401 authentication_error', async () => {
    const res = await get('page_size=1', 'nope');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'authentication_error' });
  });
});
