import { ApiError, type Endpoint } from './api-client';
import { explainApiError } from './cli.errors';

const endpoint: Endpoint = { method: 'POST', path: '/v1/drifts/d-1/approve', role: 'operator', what: 'approving a drift' };

describe('explainApiError', () => {
  it("reads a 403 with a role code as the token's role being too low (exit 2)", () => {
    const error = new ApiError('requires operator', { status: 403, code: 'forbidden', endpoint });

    expect(explainApiError(error, 'http://x', true)).toEqual({
      lines: [
        "your token's role is too low for approving a drift (POST /v1/drifts/d-1/approve needs the operator role or higher): requires operator",
      ],
      exitCode: 2,
    });
  });

  it('prints any other 403 as the API refusal it is (exit 1)', () => {
    const error = new ApiError('alice made this change and cannot approve it', { status: 403, code: 'self_approval', endpoint });

    expect(explainApiError(error, 'http://x', true)).toEqual({
      lines: ['self_approval (403): alice made this change and cannot approve it'],
      exitCode: 1,
    });
  });

  it('names the ingest role for POST /v1/events', () => {
    const events: Endpoint = { method: 'POST', path: '/v1/events', role: 'ingest', what: 'posting events' };
    const error = new ApiError('no', { status: 403, code: 'forbidden', endpoint: events });

    expect(explainApiError(error, 'http://x', true).lines[0]).toContain('POST /v1/events needs the ingest or admin role');
  });
});
