/** One problem in a policy file: where (file, line, column) and what. */
export interface PolicyProblem {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/**
 * The policies cannot be loaded (a file is missing, does not parse, is not a `forbid`, or does not
 * validate against driftwarden's Cedar schema). Start-up stops with this message: every problem
 * with its file and line.
 */
export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
  constructor(
    readonly problems: PolicyProblem[],
    options?: { cause?: unknown },
  ) {
    super(`invalid policies (policies.files):\n${problems.map((p) => `  - ${where(p)}: ${p.message}`).join('\n')}`, options);
  }
}

export function where(p: Pick<PolicyProblem, 'file' | 'line' | 'column'>): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : ''}`;
}
