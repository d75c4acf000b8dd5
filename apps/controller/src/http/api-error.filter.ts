import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from '@driftwarden/auth';
import { IllegalTransitionError, PermanentError } from '@driftwarden/domain';
import type { Logger } from '@driftwarden/observability';
import { isRedisUnavailableError } from '@driftwarden/redis';
import { BODY_NOT_JSON } from './body-parser.interceptor';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  length?: number;
  message?: string;
  /** http-errors: the message is meant for the client. */
  expose?: boolean;
}

/** Retry-After of a 503 `redis_unavailable`: the reconnect back-off is capped at 5 s. */
const REDIS_RETRY_AFTER_SECONDS = 5;
const REDIS_LOG_MS = 10_000;

/**
 * Every error leaves the API as `{"error": {"code", "message", "problems"?}}` with a stable
 * code. Unexpected errors are logged with their cause and answered 500 without internals.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private redisLoggedAt = 0;
  private redisSuppressed = 0;

  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    // A webhook handler parsing a verified body that is not JSON: the sender's mistake, a 400.
    const notJson =
      exception instanceof SyntaxError && host.switchToHttp().getRequest<{ [BODY_NOT_JSON]?: boolean }>()[BODY_NOT_JSON] === true;
    const { status, body, headers }: { status: number; body: unknown; headers?: Record<string, string> } = notJson
      ? err(HttpStatus.BAD_REQUEST, 'invalid_json', `request body is not valid JSON: ${exception.message}`, [
          { path: '', message: exception.message },
        ])
      : this.map(exception);
    if (isRedisUnavailableError(exception)) this.redisUnavailable(exception);
    else if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(status).json(body);
  }

  /**
   * Redis down or not answering is not a bug: no stack, and one line per REDIS_LOG_MS however
   * many requests fail (the connections' own errors are logged by RedisConnectionMonitor).
   */
  private redisUnavailable(e: unknown): void {
    const now = Date.now();
    if (now - this.redisLoggedAt < REDIS_LOG_MS) {
      this.redisSuppressed++;
      return;
    }
    this.logger.warn(
      { err: { message: e instanceof Error ? e.message : String(e) }, alsoFailed: this.redisSuppressed },
      'request failed: Redis unavailable (503 redis_unavailable)',
    );
    this.redisLoggedAt = now;
    this.redisSuppressed = 0;
  }

  private map(e: unknown): { status: number; body: unknown; headers?: Record<string, string> } {
    if (e instanceof ApiError) return { status: e.getStatus(), body: e.getResponse(), headers: e.extraHeaders };
    // Redis unreachable or not answering (a connection error or a command timeout): the client
    // may try again; the freeze is not known, it is not "internal".
    if (isRedisUnavailableError(e)) {
      return {
        ...err(
          HttpStatus.SERVICE_UNAVAILABLE,
          'redis_unavailable',
          'Redis, where driftwarden keeps its state, is unreachable or not answering: try again shortly',
        ),
        headers: { 'Retry-After': String(REDIS_RETRY_AFTER_SECONDS) },
      };
    }
    // Nest wraps body-parser errors in an HttpException whose cause is the original error.
    const parser = (e instanceof HttpException && e.cause ? e.cause : e) as BodyParserError;
    if (parser && typeof parser === 'object' && typeof parser.type === 'string') {
      if (parser.type === 'entity.too.large') {
        return err(
          HttpStatus.PAYLOAD_TOO_LARGE,
          'payload_too_large',
          `request body is ${parser.length} bytes; the limit is ${parser.limit} bytes (api.maxBodyBytes)`,
        );
      }
      if (parser.type === 'entity.parse.failed') {
        return err(HttpStatus.BAD_REQUEST, 'invalid_json', `request body is not valid JSON: ${parser.message ?? 'parse error'}`, [
          { path: '', message: parser.message ?? 'invalid JSON' },
        ]);
      }
      if (parser.type === 'charset.unsupported' || parser.type === 'encoding.unsupported') {
        return err(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported_encoding', parser.message ?? 'unsupported encoding');
      }
    }
    // Any other 4xx of the body reader (a gzip body that is not gzip, an aborted upload): the client's.
    if (
      parser &&
      typeof parser === 'object' &&
      parser.expose === true &&
      typeof parser.status === 'number' &&
      parser.status >= 400 &&
      parser.status < 500
    ) {
      const code = typeof parser.type === 'string' ? parser.type.replace(/[^a-z0-9]+/gi, '_').toLowerCase() : 'unreadable_body';
      return err(parser.status, code, `request body could not be read: ${parser.message ?? 'error'}`);
    }
    if (e instanceof IllegalTransitionError) return err(HttpStatus.CONFLICT, 'illegal_transition', e.message);
    if (e instanceof PermanentError) return err(HttpStatus.UNPROCESSABLE_ENTITY, e.code, e.message);
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const code = status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : `http_${status}`;
      const message = status === 404 ? 'no such route' : e.message;
      return err(status, code, message);
    }
    return err(HttpStatus.INTERNAL_SERVER_ERROR, 'internal_error', 'internal error; see the controller logs');
  }
}

function err(status: number, code: string, message: string, problems?: { path: string; message: string }[]) {
  return { status, body: { error: { code, message, ...(problems ? { problems } : {}) } } };
}
