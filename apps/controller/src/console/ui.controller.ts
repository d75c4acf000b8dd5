import { Controller, Get, HttpStatus, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequireRole } from '@driftwarden/auth';
import { ConsoleAssets } from './console-assets';

/**
 * The web console's Content-Security-Policy: everything from the controller itself, no inline
 * script or style, no third-party origin, no framing; the API (and the freeze stream) is the
 * same origin.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/**
 * `GET /ui/`: the web console (apps/console, built by `npm run build` into dist/console). Public:
 * the page itself holds no data; it signs in with an API token and calls the v1 API with it.
 */
@Controller('ui')
export class UiController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get()
  @RequireRole('public')
  index(@Res() res: Response): void {
    // The page is tiny and names the hashed bundles: never cached, so a new build is picked up at once.
    this.send(res, 'index.html', 'no-cache');
  }

  @Get('assets/:file')
  @RequireRole('public')
  asset(@Param('file') file: string, @Res() res: Response): void {
    // Vite names every bundle by its content hash: cached for good.
    this.send(res, `assets/${file}`, 'public, max-age=31536000, immutable');
  }

  private send(res: Response, path: string, cacheControl: string): void {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    // Errors in the API's shape: a stable code and a message.
    if (!this.assets.built) {
      res.status(HttpStatus.NOT_FOUND).json({
        error: {
          code: 'console_not_built',
          message: 'the web console is not part of this build: run `npm run build` (it writes dist/console) and restart',
        },
      });
      return;
    }
    const file = this.assets.get(path);
    if (!file) {
      res.status(HttpStatus.NOT_FOUND).json({ error: { code: 'not_found', message: 'no such file in the web console' } });
      return;
    }
    res.status(HttpStatus.OK).setHeader('Cache-Control', cacheControl);
    res.type(file.type).send(file.body);
  }
}
