/** One thing wrong with the configuration, named by its key path (or environment variable). */
export interface ConfigProblem {
  /** Dotted key path with array indexes (`stacks[0].state.s3.bucket`), an environment variable name, or `''` for the whole file. */
  path: string;
  /** What was expected and what was found; never a secret value. */
  message: string;
  /** Where the problem is, when it differs from the error's source: a file, or `environment`. */
  source?: string;
  /** 1-based position in the YAML file, when known. */
  line?: number;
  column?: number;
}

/** The configuration cannot be used; `problems` lists everything found in one pass. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';

  constructor(
    readonly problems: ConfigProblem[],
    /** The file the problems are in, as shown to the user (e.g. `driftwarden.yaml`). */
    readonly source?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `invalid driftwarden configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        formatConfigProblems(problems, source),
      options,
    );
    this.name = 'ConfigError';
  }
}

/**
 * One line per problem: `driftwarden.yaml: stacks[0].state: expected exactly one of s3 or file, found neither`.
 * A problem's own `source` wins over `source`.
 */
export function formatConfigProblems(problems: readonly ConfigProblem[], source?: string): string {
  return problems
    .map((problem) => {
      const where = problem.source ?? source;
      const prefix = where ? `${where}: ` : '';
      const path = problem.path ? `${problem.path}: ` : '';
      return `${prefix}${path}${problem.message}`;
    })
    .join('\n');
}
