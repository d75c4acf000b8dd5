import type { ApiError } from './api-client';

/** Wrong flags or arguments, or a setting that cannot work: exit code 2, no API call made. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/**
 * 403 codes that mean "role too low". Any other 403 (say, an approval refused because the
 * approver made the change) is the API's own refusal and is printed as code and message.
 */
const ROLE_CODES = new Set(['forbidden', 'insufficient_role', 'role_too_low', 'http_403']);

export interface ErrorExplanation {
  /** First line is the error, the rest are details (problems, hints). */
  lines: string[];
  exitCode: number;
}

/**
 * Turns an API failure into what a person needs to read: unreachable controller, rejected
 * token, a role too low, or the API's own error code and message with each problem's path.
 * `url` must already be safe to print.
 */
export function explainApiError(error: ApiError, url: string, hasToken: boolean): ErrorExplanation {
  const call = `${error.endpoint.method} ${error.endpoint.path}`;
  if (error.code === 'unreachable') {
    return {
      lines: [`cannot reach driftwarden at ${url}: ${error.message} — is the controller running? set DRIFTWARDEN_URL`],
      exitCode: 2,
    };
  }
  if (error.code === 'timeout') {
    return {
      lines: [
        `driftwarden at ${url} did not answer ${call} (${error.message}) — is the controller running and reachable? set DRIFTWARDEN_URL, or raise --timeout`,
      ],
      exitCode: 2,
    };
  }
  if (error.status === 401) {
    return {
      lines: [
        hasToken
          ? 'the token was rejected (401): set DRIFTWARDEN_TOKEN'
          : 'no token was sent and the API requires one (401): set DRIFTWARDEN_TOKEN',
      ],
      exitCode: 2,
    };
  }
  if (error.status === 403 && ROLE_CODES.has(error.code)) {
    return {
      lines: [
        `your token's role is too low for ${error.endpoint.what} (${call} needs ${roleNeeded(error.endpoint.role)}): ${error.message}`,
      ],
      exitCode: 2,
    };
  }
  const status = error.status === 200 ? '' : ` (${error.status})`;
  return {
    lines: [`${error.code}${status}: ${error.message}`, ...error.problems.map(formatProblem)],
    exitCode: 1,
  };
}

export function formatProblem(problem: { path: string; message: string }): string {
  return problem.path === '' ? `  ${problem.message}` : `  ${problem.path}: ${problem.message}`;
}

function roleNeeded(role: ApiError['endpoint']['role']): string {
  switch (role) {
    case 'ingest':
      return 'the ingest or admin role';
    case 'viewer':
      return 'the viewer role or higher';
    default:
      return `the ${role} role${role === 'admin' ? '' : ' or higher'}`;
  }
}

/** A file system error in words: `no such file (ENOENT)`. Duck-typed: such errors may come from another realm. */
export function describeFileError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent is not a directory',
  };
  if (known[code]) return `${known[code]} (${code})`;
  return errorMessage(error);
}

/** The message of anything thrown (errors from another realm fail `instanceof Error`). */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  return String(error);
}
