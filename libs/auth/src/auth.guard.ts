import { SetMetadata, type CanActivate, type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthFailureLimiter } from './auth-failure-limiter';
import { TokenRegistry, roleSatisfies, type Principal, type TokenRole } from './token-registry';

export const REQUIRED_ROLE = 'driftwarden:requiredRole';
/** `public` routes (health, webhooks checked by signature) skip bearer auth. */
export type RouteAccess = TokenRole | 'public';

/** Declares the role a route needs. Every controller route must declare one (checked at start-up). */
export const RequireRole = (role: RouteAccess): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
  /** The client's address as Express sees it (after `trust proxy`). */
  ip?: string;
  socket?: { remoteAddress?: string };
}

/** Why a bearer authentication failed (the `reason` label of `driftwarden_auth_failures_total`). */
export type AuthFailureReason = 'missing_token' | 'malformed_header' | 'invalid_token' | 'rate_limited';

export interface BearerAuthOptions {
  /** Failed authentications per client; past the limit the client gets 429 without its token being looked at. */
  limiter?: AuthFailureLimiter;
  /** Every failure, for the metric. */
  onFailure?: (reason: AuthFailureReason) => void;
  /** A client that has just reached the limit, for the log. */
  onLimited?: (client: string) => void;
}

export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly problems?: { path: string; message: string }[],
    readonly extraHeaders?: Record<string, string>,
  ) {
    super({ error: { code, message, ...(problems ? { problems } : {}) } }, status);
  }
}

@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenRegistry,
    private readonly opts: BearerAuthOptions = {},
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    // Fail closed: a route that forgot to declare its role is not served.
    if (access === undefined) throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'this route declares no role');
    if (access === 'public') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const client = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    // A client over the limit is refused before its token is looked at: guessing gets no answer.
    const wait = this.opts.limiter?.retryAfterSeconds(client) ?? 0;
    if (wait > 0) {
      this.opts.onFailure?.('rate_limited');
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'too_many_auth_failures',
        `too many failed authentications from this client: try again in ${wait} s`,
        undefined,
        {
          'Retry-After': String(wait),
        },
      );
    }
    const header = req.headers['authorization'];
    const value = Array.isArray(header) ? header[0] : header;
    const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
    if (!match) {
      // No credential is not a guess (not counted towards the limit); a malformed one is.
      this.fail(value ? 'malformed_header' : 'missing_token', client);
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"', undefined, {
        'WWW-Authenticate': 'Bearer realm="driftwarden"',
      });
    }
    const principal = this.tokens.resolve(match[1]);
    if (!principal) {
      this.fail('invalid_token', client);
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', 'the bearer token is not valid', undefined, {
        'WWW-Authenticate': 'Bearer realm="driftwarden", error="invalid_token"',
      });
    }
    if (!roleSatisfies(principal.role, access)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'insufficient_role',
        `this call needs the ${access} role; token "${principal.name}" has ${principal.role}`,
      );
    }
    req.principal = principal;
    return true;
  }

  private fail(reason: AuthFailureReason, client: string): void {
    this.opts.onFailure?.(reason);
    if (reason !== 'missing_token' && this.opts.limiter?.recordFailure(client)) this.opts.onLimited?.(client);
  }
}
