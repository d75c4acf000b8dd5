/** A fake terminal for running the CLI in-process: captured stdout/stderr, a fixed clock, instant sleeps. */
import type { CliDeps, CliStream } from '../cli-context';
import { runCli, type CommandRegistrar } from '../main';

export class CapturedStream implements CliStream {
  text = '';

  constructor(
    readonly isTTY = false,
    readonly columns = 120,
  ) {}

  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface TestRunOptions {
  env?: Record<string, string | undefined>;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  now?: Date;
  /** Advances the clock by this much on every reading (progress pacing). */
  tickMs?: number;
  deps?: CliDeps;
  extraCommands?: CommandRegistrar[];
}

export interface TestRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every wait the CLI asked for (retries), in ms; none actually waited. */
  sleeps: number[];
}

export async function runTestCli(argv: string[], options: TestRunOptions = {}): Promise<TestRun> {
  const stdout = new CapturedStream(options.stdoutTTY ?? false);
  const stderr = new CapturedStream(options.stderrTTY ?? false);
  const sleeps: number[] = [];
  let clock = (options.now ?? new Date('2025-03-04T12:00:00Z')).getTime();
  const code = await runCli(
    argv,
    {
      stdout,
      stderr,
      env: options.env ?? {},
      now: () => {
        const reading = new Date(clock);
        clock += options.tickMs ?? 0;
        return reading;
      },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    { deps: options.deps, extraCommands: options.extraCommands },
  );
  return { code, stdout: stdout.text, stderr: stderr.text, sleeps };
}
