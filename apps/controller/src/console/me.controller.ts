import { Controller, Get, Req } from '@nestjs/common';
import { RequireRole, roleSatisfies, type TokenRole } from '@driftwarden/auth';
import type { ApiRequest } from '../http/request-context';

export interface Me {
  /** The token's configured name (what the audit log records). */
  name: string;
  role: TokenRole;
  identity: string | null;
  /** What this role may do: the console shows only the controls a caller may use (the API still checks each call). */
  can: { decide: boolean; freeze: boolean; override: boolean; exceptions: boolean };
}

/** `GET /v1/me`: who the bearer token is, for the console's sign-in. */
@Controller('v1/me')
export class MeController {
  @Get()
  @RequireRole('viewer')
  me(@Req() req: ApiRequest): Me {
    const p = req.principal!;
    const operator = roleSatisfies(p.role, 'operator');
    return {
      name: p.name,
      role: p.role,
      identity: p.identity ?? null,
      can: { decide: operator, freeze: operator, override: roleSatisfies(p.role, 'admin'), exceptions: operator },
    };
  }
}
