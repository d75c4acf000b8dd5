import { ConfigError, loadRuntime } from '@driftwarden/config';
import { StartupError, startController } from './bootstrap';

async function main(): Promise<void> {
  let runtime;
  try {
    runtime = loadRuntime();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  try {
    await startController({ runtime });
  } catch (e) {
    process.stderr.write(`driftwarden: ${e instanceof StartupError ? e.message : e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}

void main();
