/**
 * The HTTP plumbing shared by the provider fakes: a real `node:http` server on 127.0.0.1 (port
 * chosen by the OS), an optional base path (to stand in for EU hosts, proxies and path prefixes),
 * a log of every request, and scripted failures consumed one per request.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the next request(s) get instead of the normal answer:
 * - `{ status, body?, headers?, delayMs? }`: that status; `body` as JSON (object), as is (string),
 *   or the provider's error shape when omitted; sent after `delayMs`;
 * - `'malformed'`: 200 with a JSON body that is not the documented shape;
 * - `'timeout'`: never answers (the connection stays open until the client gives up or `stop()`);
 * - `'reset'`: the TCP connection is reset without an answer.
 */
export type FakeFailure =
  { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | 'malformed' | 'timeout' | 'reset';

export interface FakeRequestRecord {
  method: string;
  /** Path as received (with the base path), without the query string. */
  path: string;
  /** The raw query string, without `?`. */
  search: string;
  /** Decoded query parameters; a repeated key keeps every value in order. */
  query: Record<string, string[]>;
  headers: IncomingHttpHeaders;
  /** The request body as received (UTF-8); empty when there was none. */
  bodyText: string;
  /** What the fake did: an HTTP status, or how it failed the connection. */
  outcome: number | 'timeout' | 'reset';
  /** Why the request breaks the API's contract (it was answered 4xx unless a failure was scripted); empty when valid. */
  problems: string[];
}

export interface FakeReply {
  status: number;
  /** Object: JSON; string: sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ParsedFakeRequest {
  method: string;
  /** Path relative to the base path (`/incidents`), or undefined when outside it. */
  path: string | undefined;
  url: URL;
  query: Record<string, string[]>;
  headers: IncomingHttpHeaders;
  /** The raw request body (empty when there was none). */
  body: Buffer;
}

export interface HttpFakeOptions {
  /** Path prefix the API is served under, e.g. `/pagerduty` (default: none). */
  basePath?: string;
}

export abstract class HttpFake {
  /** Every request received, in order. */
  readonly requests: FakeRequestRecord[] = [];
  private server: Server | undefined;
  private port: number | undefined;
  private readonly failures: FakeFailure[] = [];
  private readonly standingFailures: { matches: (request: ParsedFakeRequest) => boolean; failure: FakeFailure }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters: Array<(request: FakeRequestRecord) => void> = [];
  /** Path prefix the API is served under ('' or `/prefix`). */
  protected readonly basePath: string;

  protected constructor(options: HttpFakeOptions = {}) {
    const base = (options.basePath ?? '').replace(/\/+$/, '');
    this.basePath = base === '' || base.startsWith('/') ? base : `/${base}`;
  }

  /** Starts listening on 127.0.0.1 (random port). Resolves to the fake itself. */
  async start(): Promise<this> {
    if (this.server) return this;
    await this.prepare();
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify(this.errorBody(500, `fake failed: ${err instanceof Error ? err.message : String(err)}`)));
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** `http://127.0.0.1:<port><basePath>`: the `apiUrl` to configure. */
  get url(): string {
    return `${this.origin}${this.basePath}`;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    if (this.port === undefined) throw new Error('fake not started: call start() first');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Closes every connection (including requests held by `'timeout'`) and the server. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.port = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` requests get `failure` (queued after failures already scripted). */
  failNext(failure: FakeFailure, times = 1): this {
    for (let i = 0; i < times; i++) this.failures.push(failure);
    return this;
  }

  /**
   * Every request `matches` accepts gets `failure` until `reset()`: one endpoint or query down
   * while the others answer (checked before the failures of `failNext`, which it leaves queued).
   */
  failWhen(matches: (request: ParsedFakeRequest) => boolean, failure: FakeFailure): this {
    this.standingFailures.push({ matches, failure });
    return this;
  }

  /**
   * Resolves with the next request the fake receives (after it is logged and validated, before it
   * is answered): lets a test act while a request is in flight without sleeping.
   */
  nextRequest(): Promise<FakeRequestRecord> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Number of requests received. */
  get callCount(): number {
    return this.requests.length;
  }

  /** Forgets the request log, any scripted failures not yet used, and standing failures. */
  reset(): this {
    this.requests.length = 0;
    this.failures.length = 0;
    this.standingFailures.length = 0;
    return this;
  }

  /** Loads what the fake needs before it listens (specs, validators). */
  protected abstract prepare(): Promise<void>;

  /**
   * Answers a request (with its contract problems); called for every request, failure or not. A
   * request that changes the fake's state (a note, a comment) returns that change as `commit`:
   * it is applied only when the normal answer is sent, never when a failure was scripted.
   */
  protected abstract handle(request: ParsedFakeRequest): { reply: FakeReply; problems: string[]; commit?: () => void };

  /** The provider's error body for a status. */
  protected abstract errorBody(status: number, message: string): unknown;

  /** A 200 body that breaks the documented shape. */
  protected abstract malformedBody(): unknown;

  /** Headers the provider sends on every response. */
  protected commonHeaders(): Record<string, string> {
    return {};
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Read the request body (GET has none, but a client may send one).
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.origin);
    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
    const relative =
      this.basePath === ''
        ? url.pathname
        : url.pathname === this.basePath || url.pathname.startsWith(`${this.basePath}/`)
          ? url.pathname.slice(this.basePath.length) || '/'
          : undefined;
    const parsed: ParsedFakeRequest = { method: req.method ?? 'GET', path: relative, url, query, headers: req.headers, body };

    const record: FakeRequestRecord = {
      method: parsed.method,
      path: url.pathname,
      search: url.search.replace(/^\?/, ''),
      query,
      headers: req.headers,
      bodyText: body.toString('utf8'),
      outcome: 0,
      problems: [],
    };
    this.requests.push(record);

    const { reply, problems, commit } = this.handle(parsed);
    record.problems = problems;
    const failure = this.standingFailures.find((f) => f.matches(parsed))?.failure ?? this.failures.shift();
    for (const notify of this.waiters.splice(0)) notify(record);
    if (failure === undefined) {
      commit?.();
      record.outcome = reply.status;
      this.send(res, reply);
      return;
    }
    if (failure === 'timeout') {
      record.outcome = 'timeout';
      return; // held open until the client aborts or stop() closes it
    }
    if (failure === 'reset') {
      record.outcome = 'reset';
      req.socket.resetAndDestroy();
      return;
    }
    const scripted: FakeReply =
      failure === 'malformed'
        ? { status: 200, body: this.malformedBody() }
        : {
            status: failure.status,
            body: failure.body === undefined ? this.errorBody(failure.status, defaultMessage(failure.status)) : failure.body,
            headers: failure.headers,
          };
    record.outcome = scripted.status;
    const delayMs = typeof failure === 'object' ? (failure.delayMs ?? 0) : 0;
    if (delayMs <= 0) {
      this.send(res, scripted);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.send(res, scripted);
    }, delayMs);
    this.timers.add(timer);
  }

  private send(res: ServerResponse, reply: FakeReply): void {
    if (res.destroyed) return;
    const body = reply.body;
    const isText = typeof body === 'string';
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(reply.status, {
      ...this.commonHeaders(),
      ...(body === undefined ? {} : { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8' }),
      'content-length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    res.end(payload);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  422: 'Unprocessable Entity',
  429: 'Rate Limit Exceeded',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function defaultMessage(status: number): string {
  return STATUS_TEXT[status] ?? `HTTP ${status}`;
}
