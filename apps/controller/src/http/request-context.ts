import type { Principal } from '@driftwarden/auth';

/** What the HTTP layer knows about a request after auth and logging middleware. */
export interface ApiRequest {
  id?: string | number;
  principal?: Principal;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
}

export function actorOf(req: ApiRequest): string {
  return req.principal ? `token:${req.principal.name}` : 'anonymous';
}

export function correlationIdOf(req: ApiRequest): string {
  return String(req.id ?? '');
}
