/**
 * What a process needs before it starts: the validated config plus the environment overrides.
 * This is the only place in driftwarden that reads `process.env`.
 */
import * as path from 'node:path';
import { ConfigError, type ConfigProblem } from './config.errors';
import { parseUrl, type DriftwardenConfig } from './config.schema';
import type { Env } from './env-references';
import { displayPath, loadConfigFile, parseConfig } from './load-config';
import { closestMatch } from './suggest';

export const ROLES = ['api', 'worker', 'scheduler'] as const;
/** What a process runs: the HTTP API, the queue workers, the scheduler (polls, windows, timers). */
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONFIG_PATH = './driftwarden.yaml';
/** The config as text in the environment (containers: an ECS task, a Kubernetes ConfigMap). */
export const CONFIG_TEXT_VARIABLE = 'DRIFTWARDEN_CONFIG_YAML';
export const ENVIRONMENT_SOURCE = 'environment';

export interface DriftwardenRuntime {
  config: DriftwardenConfig;
  /** Distinct, in the order of `ROLES`. */
  roles: Role[];
  /** Absolute path of the config file; `null` when it came from DRIFTWARDEN_CONFIG_YAML or was built in memory (tests). */
  configPath: string | null;
  logLevel: LogLevel;
}

/**
 * Loads `DRIFTWARDEN_CONFIG` [./driftwarden.yaml], or the YAML text of `DRIFTWARDEN_CONFIG_YAML`
 * (one or the other: both set is an error; relative `state.file` paths then resolve against
 * the working directory), and applies `PORT` (→ api.port), `REDIS_URL`
 * (→ redis.url), `DRIFTWARDEN_ROLES` [api,worker,scheduler] and `LOG_LEVEL` [info]. An empty
 * variable counts as unset. Throws one `ConfigError` with every problem, in the file and in
 * the environment.
 */
export function loadRuntime(env: Env = process.env): DriftwardenRuntime {
  const problems: ConfigProblem[] = [];
  const envProblem = (name: string, message: string) => problems.push({ path: name, message, source: ENVIRONMENT_SOURCE });

  const port = readPort(value(env, 'PORT'), envProblem);
  const redisUrl = readRedisUrl(value(env, 'REDIS_URL'), envProblem);
  const roles = readRoles(value(env, 'DRIFTWARDEN_ROLES'), envProblem);
  const logLevel = readLogLevel(value(env, 'LOG_LEVEL'), envProblem);

  const namedFile = value(env, 'DRIFTWARDEN_CONFIG');
  const text = value(env, CONFIG_TEXT_VARIABLE);
  const configPath = text === undefined ? path.resolve(namedFile ?? DEFAULT_CONFIG_PATH) : null;
  let config: DriftwardenConfig | undefined;
  if (text !== undefined && namedFile !== undefined) {
    envProblem(CONFIG_TEXT_VARIABLE, 'set either DRIFTWARDEN_CONFIG (a file) or DRIFTWARDEN_CONFIG_YAML (its text), not both');
  } else {
    try {
      config =
        configPath === null
          ? parseConfig(env[CONFIG_TEXT_VARIABLE] ?? '', { env, source: CONFIG_TEXT_VARIABLE, baseDir: process.cwd() })
          : loadConfigFile(configPath, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const source = err.source ?? (configPath === null ? CONFIG_TEXT_VARIABLE : displayPath(configPath));
      problems.unshift(...err.problems.map((p) => ({ ...p, source: p.source ?? source })));
    }
  }

  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  return {
    config: {
      ...config,
      api: { ...config.api, port: port ?? config.api.port },
      redis: { ...config.redis, url: redisUrl ?? config.redis.url },
    },
    roles,
    configPath,
    logLevel,
  };
}

type Report = (name: string, message: string) => void;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function readPort(raw: string | undefined, report: Report): number | undefined {
  if (raw === undefined) return undefined;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    report('PORT', `expected a port number from 0 to 65535, found ${JSON.stringify(raw.slice(0, 40))}`);
    return undefined;
  }
  return port;
}

function readRedisUrl(raw: string | undefined, report: Report): string | undefined {
  if (raw === undefined) return undefined;
  const url = parseUrl(raw);
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    // the value may hold a password: not shown
    report('REDIS_URL', 'expected a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (value hidden)');
    return undefined;
  }
  return raw;
}

function readRoles(raw: string | undefined, report: Report): Role[] {
  if (raw === undefined) return [...ROLES];
  const wanted = new Set<Role>();
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    const role = ROLES.find((r) => r === name.toLowerCase());
    if (role) {
      wanted.add(role);
      continue;
    }
    const suggestion = closestMatch(name, ROLES);
    report(
      'DRIFTWARDEN_ROLES',
      `unknown role ${JSON.stringify(name.slice(0, 40))}${suggestion ? ` — did you mean \`${suggestion}\`?` : ''} ` +
        `(expected a comma-separated list of ${ROLES.join(', ')})`,
    );
  }
  if (names.length === 0) {
    report('DRIFTWARDEN_ROLES', `expected a comma-separated list of ${ROLES.join(', ')}, found no role`);
  }
  return ROLES.filter((role) => wanted.has(role));
}

function readLogLevel(raw: string | undefined, report: Report): LogLevel {
  if (raw === undefined) return 'info';
  const level = LOG_LEVELS.find((l) => l === raw.toLowerCase());
  if (level) return level;
  report('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, found ${JSON.stringify(raw.slice(0, 40))}`);
  return 'info';
}
