import {
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenRegistry, roleSatisfies, type Principal, type TokenRole } from './token-registry';

export const REQUIRED_ROLE = 'driftwarden:requiredRole';
/** `public` routes (health, webhooks checked by signature) skip bearer auth. */
export type RouteAccess = TokenRole | 'public';

/** Declares the role a route needs. Every controller route must declare one (checked at start-up). */
export const RequireRole = (role: RouteAccess): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
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
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    // Fail closed: a route that forgot to declare its role is not served.
    if (access === undefined) throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'this route declares no role');
    if (access === 'public') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers['authorization'];
    const value = Array.isArray(header) ? header[0] : header;
    const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
    if (!match) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"', undefined, {
        'WWW-Authenticate': 'Bearer realm="driftwarden"',
      });
    }
    const principal = this.tokens.resolve(match[1]);
    if (!principal) {
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
}
