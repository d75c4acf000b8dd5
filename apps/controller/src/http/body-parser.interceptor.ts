import { Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import express from 'express';
import type { Observable } from 'rxjs';
import { REQUIRED_ROLE, type RouteAccess } from '@driftwarden/auth';

/** What is read as a JSON body (and, for webhooks, kept as raw bytes). */
export const JSON_BODY_TYPES = ['application/json', 'application/*+json', 'text/plain'];

/**
 * A signed route whose sender posts `application/x-www-form-urlencoded` (Slack's interactivity
 * and slash commands): its raw bytes are kept too, since the signature covers them exactly.
 */
export const ACCEPTS_FORM = 'driftwarden:acceptsForm';
export const AcceptsForm = (): MethodDecorator => SetMetadata(ACCEPTS_FORM, true);

type BodyRequest = express.Request & { rawBody?: Buffer; [BODY_NOT_JSON]?: boolean };

/**
 * Set on a raw-body (webhook) request whose body is not JSON: a handler that parses the body it
 * has verified then fails with a SyntaxError, which ApiErrorFilter answers 400 invalid_json.
 */
export const BODY_NOT_JSON = Symbol('driftwarden:bodyNotJson');

/**
 * Reads the request body after authentication: Nest runs interceptors after guards, so a request
 * without a valid token is answered 401 (or 429) without its body being read or parsed at all,
 * and a malformed body is a 400 only for a caller who may send one.
 *
 * Routes authenticated by a signature over the body (`public` routes: the webhooks) get the raw
 * bytes only (`req.rawBody`), never a JSON parse: an unsigned or badly signed delivery is refused
 * as such by its handler, whatever its body holds, and the handler parses what it has verified.
 */
@Injectable()
export class BodyParserInterceptor implements NestInterceptor {
  private readonly json: express.RequestHandler;
  private readonly raw: express.RequestHandler;
  private readonly rawForm: express.RequestHandler;

  constructor(
    private readonly reflector: Reflector,
    limit: number,
  ) {
    // The exact bytes are kept for the handlers that need them (signatures, "was anything sent").
    const verify = (req: BodyRequest, _res: unknown, buf: Buffer) => {
      req.rawBody = buf;
    };
    this.json = express.json({ limit, type: JSON_BODY_TYPES, strict: false, verify });
    this.raw = express.raw({ limit, type: JSON_BODY_TYPES, verify });
    this.rawForm = express.raw({ limit, type: [...JSON_BODY_TYPES, 'application/x-www-form-urlencoded'], verify });
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http') {
      const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
      const http = context.switchToHttp();
      const req = http.getRequest<BodyRequest>();
      const form = this.reflector.get<boolean | undefined>(ACCEPTS_FORM, context.getHandler()) === true;
      await run(access === 'public' ? (form ? this.rawForm : this.raw) : this.json, req, http.getResponse<express.Response>());
      if (access === 'public' && req.rawBody) req[BODY_NOT_JSON] = !isJson(req.rawBody);
    }
    return next.handle();
  }
}

function run(parser: express.RequestHandler, req: express.Request, res: express.Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void parser(req, res, (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
