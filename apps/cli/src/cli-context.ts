import { DriftwardenClient } from './api-client';
import type { ConfigToolkit } from './commands/config.command';
import { colourWanted, createPalette, type Palette } from './output/colour';
import { UsageError } from './cli.errors';

/** A place to write text: process.stdout/stderr, or a capturing fake in tests. */
export interface CliStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything the CLI touches outside itself, injected so tests run commands in-process. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: Readonly<Record<string, string | undefined>>;
  /** The clock (relative times, progress pacing). */
  now(): Date;
  /** Waiting between retries. */
  sleep(ms: number): Promise<void>;
  /** Defaults to Node's global fetch. */
  fetch?: typeof fetch;
}

/** Collaborators from other libraries, injectable for the same reason. */
export interface CliDeps {
  config: ConfigToolkit;
}

/** Options every command accepts (before or after the command name). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  timeout?: string;
  color?: boolean;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_TIMEOUT_SECONDS = 30;

export const ExitCode = {
  ok: 0,
  /** The operation ran and something in it failed: rejected lines, invalid config, an API refusal. */
  failed: 1,
  /** Could not run at all: bad usage, controller unreachable, token missing or rejected. */
  usage: 2,
} as const;

/**
 * Per-run state shared by all commands: IO, the parsed global options, the API client and the
 * exit code. Commands print through it so colour and JSON rules are applied in one place.
 */
export class CliContext {
  exitCode: number = ExitCode.ok;
  private globals: GlobalOptions = {};

  constructor(
    readonly io: CliIo,
    readonly deps: CliDeps,
  ) {}

  /** Called before every action with the merged global and command options. */
  configure(globals: GlobalOptions): void {
    this.globals = globals;
  }

  /** Colours for stdout (tables, reports). */
  get palette(): Palette {
    return createPalette(colourWanted(this.io.stdout, this.io.env, this.globals.color !== false));
  }

  /** Colours for stderr (errors, warnings). */
  get errPalette(): Palette {
    return createPalette(colourWanted(this.io.stderr, this.io.env, this.globals.color !== false));
  }

  /** The controller's base URL as given (`--url`, `DRIFTWARDEN_URL`, default). */
  get apiUrl(): string {
    return this.globals.url ?? nonEmpty(this.io.env.DRIFTWARDEN_URL) ?? DEFAULT_URL;
  }

  /** The base URL safe to print: no user name or password. */
  get displayUrl(): string {
    try {
      const url = new URL(this.apiUrl);
      url.username = '';
      url.password = '';
      return url.toString().replace(/\/+$/, '');
    } catch {
      return this.apiUrl;
    }
  }

  get hasToken(): boolean {
    return this.token !== undefined;
  }

  private get token(): string | undefined {
    return nonEmpty(this.globals.token) ?? nonEmpty(this.io.env.DRIFTWARDEN_TOKEN);
  }

  get timeoutMs(): number {
    const raw = this.globals.timeout ?? nonEmpty(this.io.env.DRIFTWARDEN_TIMEOUT);
    if (raw === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
    const seconds = Number(raw);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new UsageError(`--timeout must be a positive number of seconds, got "${raw}"`);
    }
    return seconds * 1000;
  }

  client(): DriftwardenClient {
    let url: URL;
    try {
      url = new URL(this.apiUrl);
    } catch {
      throw new UsageError(`"${this.apiUrl}" is not a URL: set DRIFTWARDEN_URL or --url (e.g. ${DEFAULT_URL})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`"${this.displayUrl}" is not an http(s) URL: set DRIFTWARDEN_URL or --url`);
    }
    if (url.username !== '' || url.password !== '') {
      throw new UsageError(`the URL ${this.displayUrl} must not carry a user name or password: put the token in DRIFTWARDEN_TOKEN`);
    }
    return new DriftwardenClient({
      baseUrl: this.apiUrl,
      token: this.token,
      timeoutMs: this.timeoutMs,
      fetch: this.io.fetch,
    });
  }

  /** One line on stdout. */
  print(line = ''): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Machine-readable output on stdout (`--json`). */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for people on stderr (never mixed into stdout, which scripts read). */
  note(line: string): void {
    this.io.stderr.write(`${this.redact(line)}\n`);
  }

  error(message: string): void {
    this.io.stderr.write(`${this.errPalette.red('error:')} ${this.redact(message)}\n`);
  }

  /** Errors quote text from elsewhere (servers, the network stack): the token never gets out through them. */
  private redact(text: string): string {
    const token = this.token;
    return token === undefined || token.length < 4 ? text : text.split(token).join('***');
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
