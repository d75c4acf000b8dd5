import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';

/** What `npm run build` writes the console to (apps/console/vite.config.ts `build.outDir`). */
export const CONSOLE_DIR_NAME = 'console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface ConsoleFile {
  body: Buffer;
  type: string;
}

/**
 * The built console, read once into memory (a few hundred kilobytes): only files that are in
 * the build folder when the controller starts can be served, by their exact relative path, so
 * no request path is ever joined onto the file system.
 */
export class ConsoleAssets {
  private constructor(
    readonly dir: string | null,
    private readonly files: ReadonlyMap<string, ConsoleFile>,
  ) {}

  /** From the first folder that holds an index.html; none: the console is not built. */
  static load(candidates: string[] = defaultConsoleDirs()): ConsoleAssets {
    const dir = candidates.find((d) => existsSync(join(d, 'index.html'))) ?? null;
    const files = new Map<string, ConsoleFile>();
    if (dir) {
      for (const path of walk(dir)) {
        const type = TYPES[extname(path).toLowerCase()];
        if (!type) continue;
        files.set(relative(dir, path).split(sep).join('/'), { body: readFileSync(path), type });
      }
    }
    return new ConsoleAssets(dir, files);
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  get(path: string): ConsoleFile | undefined {
    return this.files.get(path);
  }
}

/** dist/console beside the compiled controller (dist/apps/controller/src/console), or from the sources (tests). */
export function defaultConsoleDirs(): string[] {
  const root = resolve(__dirname, '..', '..', '..', '..');
  return [join(root, CONSOLE_DIR_NAME), join(root, 'dist', CONSOLE_DIR_NAME)];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}
