/**
 * Runs the `driftwarden` CLI in-process (runCli) against a real, running controller over real
 * HTTP, with captured stdout/stderr. Every run is remembered so a suite can check afterwards
 * that no output ever contained a bearer token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/src/main';
import { CapturedStream } from '../../apps/cli/src/testing/terminal.fake';
import { ALICE_TOKEN, TOKENS } from '../support/test-controller';

export interface CliRun {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
  /** Waits the CLI asked for between retries (ms); none is actually waited. */
  sleeps: number[];
}

export type Env = Record<string, string | undefined>;

/** Every token a test could have handed to the CLI: none may ever be printed. */
export const ALL_TOKENS: readonly string[] = [...Object.values(TOKENS), ALICE_TOKEN, 'not-a-real-token-5f2c'];

export class CliRunner {
  readonly runs: CliRun[] = [];

  /** `env` is the whole environment the CLI sees (DRIFTWARDEN_URL, DRIFTWARDEN_TOKEN, …). */
  constructor(private readonly env: Env) {}

  /** Runs one command line; `extraEnv` is merged over the runner's environment. */
  async run(argv: string[], extraEnv: Env = {}): Promise<CliRun> {
    const stdout = new CapturedStream(false);
    const stderr = new CapturedStream(false);
    const sleeps: number[] = [];
    const code = await runCli(argv, {
      stdout,
      stderr,
      env: { ...this.env, ...extraEnv },
      now: () => new Date(),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const run: CliRun = { argv, code, stdout: stdout.text, stderr: stderr.text, sleeps };
    this.runs.push(run);
    return run;
  }

  /** The runs whose output contains a token (there must be none). */
  leaks(): { argv: string[]; token: string }[] {
    const found: { argv: string[]; token: string }[] = [];
    for (const run of this.runs) {
      for (const token of ALL_TOKENS) {
        if (run.stdout.includes(token) || run.stderr.includes(token)) found.push({ argv: run.argv, token });
      }
    }
    return found;
  }
}

/** A runner pointed at `url` with `token` in DRIFTWARDEN_TOKEN. */
export function cliFor(url: string, token?: string): CliRunner {
  return new CliRunner({ DRIFTWARDEN_URL: url, ...(token === undefined ? {} : { DRIFTWARDEN_TOKEN: token }) });
}

/** A temporary folder for files the CLI reads; `cleanup` removes it. */
export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'driftwarden-cli-int-'));
  return {
    dir,
    write(name, text) {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A URL on which nothing listens: a port bound, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return `http://127.0.0.1:${address.port}`;
}

/** Parses the CLI's `--json` output. */
export function parseJson<T>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    throw new Error(
      `expected JSON on stdout of \`${run.argv.join(' ')}\` (exit ${run.code}), got:\n${run.stdout}\nstderr:\n${run.stderr}`,
      { cause: error },
    );
  }
}

/** Lines of a text output, without the trailing newline. */
export function lines(text: string): string[] {
  return text.replace(/\n$/, '').split('\n');
}
