import { Controller, Get, HttpStatus, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { QueryReader } from '../http/query';
import type { FreezeViewBody } from '../http/freeze-view';
import { FreezeStream, MAX_FREEZE_STREAMS } from './freeze-stream.service';

/** A comment line this often keeps proxies and the browser from closing an idle stream. */
export const KEEPALIVE_MS = 15_000;
/** The whole view again this often, as a backstop to the pub/sub messages. */
export const RESEND_MS = 60_000;

/**
 * `GET /v1/freeze/stream`: the effective freeze as server-sent events, for the console's live
 * banner. Authenticated like every other v1 call, by the `Authorization: Bearer` header: the
 * console reads the stream with `fetch` (the browser's EventSource cannot send a header, and a
 * token in the URL would end up in logs and history). Each `freeze` event carries the body of
 * `GET /v1/freeze`: one at once, then one after every published transition.
 */
@Controller('v1/freeze')
export class FreezeStreamController {
  constructor(private readonly stream: FreezeStream) {}

  @Get('stream')
  @RequireRole('viewer')
  async open(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    new QueryReader(query).done();
    const first = await this.stream.current();
    let closed = false;
    const send = (view: FreezeViewBody) => {
      if (!closed) res.write(`event: freeze\ndata: ${JSON.stringify(view)}\n\n`);
    };
    const remove = this.stream.add({ send, end: () => res.end() });
    if (!remove) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'too_many_streams',
        `${MAX_FREEZE_STREAMS} freeze streams are open on this replica: poll GET /v1/freeze instead, or try again later`,
        undefined,
        { 'Retry-After': '30' },
      );
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    // The browser reconnects after this long when the stream drops (the console does it itself too).
    res.write('retry: 2000\n\n');
    send(first);
    const keepalive = setInterval(() => !closed && res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    const resend = setInterval(() => void this.stream.current().then(send, () => undefined), RESEND_MS);
    keepalive.unref();
    resend.unref();
    req.on('close', () => {
      closed = true;
      clearInterval(keepalive);
      clearInterval(resend);
      remove();
    });
  }
}
