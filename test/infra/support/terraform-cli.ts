/**
 * The `terraform` binary, when this machine has one. Tests that use it run only what needs no
 * provider and no network (`terraform fmt`, `terraform console` on built-in functions) and
 * are skipped, saying why, when it is absent.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, constants, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { coerce, gte } from 'semver';

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

/** Terraform's implied local mirror directories on Linux and macOS (CLI configuration docs). */
const IMPLIED_MIRRORS = (home: string): string[] => [
  join(home, '.terraform.d', 'plugins'),
  join(home, '.local', 'share', 'terraform', 'plugins'),
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
];

/**
 * A directory holding the hashicorp/aws provider (`registry.terraform.io/hashicorp/aws/...`),
 * for `terraform init -plugin-dir` without a network: DRIFTWARDEN_TERRAFORM_PLUGIN_DIR, or one
 * of Terraform's implied local mirrors. Null when there is none (then `terraform validate`
 * cannot run: it needs the provider's schema).
 */
export function terraformProviderDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [env.DRIFTWARDEN_TERRAFORM_PLUGIN_DIR, ...IMPLIED_MIRRORS(env.HOME ?? '')].filter((d): d is string => !!d);
  for (const dir of candidates) {
    try {
      if (statSync(join(dir, 'registry.terraform.io', 'hashicorp', 'aws')).isDirectory()) return dir;
    } catch {
      // not here
    }
  }
  return null;
}

/** The hashicorp/aws provider versions in a plugin directory (`registry.terraform.io/hashicorp/aws/<version>`). */
export function awsProviderVersions(pluginDir: string): string[] {
  try {
    return readdirSync(join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws')).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
  } catch {
    return [];
  }
}

/**
 * The lowest hashicorp/aws version the configuration in `dir` accepts: its `required_providers`
 * `aws` block's `version = ">= X.Y"` (the only form infra/ uses), "0.0" without one.
 */
export function awsProviderMinimum(dir: string): string {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const m = /aws\s*=\s*\{[^}]*source\s*=\s*"hashicorp\/aws"[^}]*version\s*=\s*">=\s*(\d+(?:\.\d+){0,2})"/.exec(text);
    if (m) return m[1];
  }
  return '0.0';
}

/** Whether version `v` (X.Y.Z) is at least `min` (X, X.Y or X.Y.Z). */
export function versionAtLeast(v: string, min: string): boolean {
  const floor = coerce(min);
  if (!floor) throw new Error(`versionAtLeast: ${JSON.stringify(min)} is not a version`);
  return gte(v, floor);
}

/**
 * Runs `body` in a throw-away copy of `infra` (with `beside` directories copied next to it, by
 * name), in its directory `dir`, once `terraform init` has installed the provider from
 * `plugins`: .terraform and the lock file never land in the repository. `run` runs terraform
 * there; init failing throws with its output.
 */
export async function inInitialisedCopy<T>(
  opts: { terraform: string; plugins: string; infra: string; dir: string; beside?: Record<string, string> },
  body: (run: (args: string[]) => SpawnSyncReturns<string>) => T | Promise<T>,
): Promise<T> {
  const copy = mkdtempSync(join(tmpdir(), 'dw-tf-'));
  try {
    cpSync(opts.infra, join(copy, 'infra'), { recursive: true, filter: (src) => !src.includes('.terraform') });
    for (const [name, src] of Object.entries(opts.beside ?? {})) cpSync(src, join(copy, name), { recursive: true });
    const cwd = join(copy, opts.dir);
    const run = (args: string[]) => spawnSync(opts.terraform, args, { ...TERRAFORM_OPTIONS, cwd });
    const init = run(['init', '-backend=false', '-input=false', `-plugin-dir=${opts.plugins}`]);
    if (init.status !== 0) throw new Error(`terraform init failed in ${opts.dir}: ${init.stdout}\n${init.stderr}`);
    return await body(run);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
