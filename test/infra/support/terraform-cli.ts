/**
 * The `terraform` binary, when this machine has one. Tests that use it run only what needs no
 * provider and no network (`terraform fmt`, `terraform console` on built-in functions) and
 * are skipped, saying why, when it is absent.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of `terraform` on PATH, or null. */
export function terraformBinary(path: string = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, process.platform === 'win32' ? 'terraform.exe' : 'terraform');
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** execFileSync options for terraform: no update check (no network), text out, bounded. */
export const TERRAFORM_OPTIONS = {
  env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
  encoding: 'utf8' as const,
  timeout: 60_000,
  stdio: ['pipe', 'pipe', 'pipe'] as Array<'pipe'>,
};
