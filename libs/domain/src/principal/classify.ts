/**
 * Who made a change, by the ARN CloudTrail reports (`userIdentity.arn`), matched against the
 * configured `principals` glob patterns.
 *
 * Glob syntax: `*` matches any run of characters, including none and including `/` and `:`;
 * every other character is literal. Patterns are anchored: they must match the whole ARN, so
 * `…:assumed-role/terraform-apply/*` does not match `…:assumed-role/terraform-apply-evil/x`.
 */
import { PermanentError } from '../errors';
import type { PrincipalClass } from '../decision/decide';

export interface PrincipalPatterns {
  iac: string[];
  breakGlass: string[];
  self: string[];
}

export class InvalidPrincipalPatternError extends PermanentError {
  constructor(
    readonly group: keyof PrincipalPatterns,
    readonly index: number,
    detail: string,
  ) {
    super(`principals.${group}[${index}]: ${detail}`, 'invalid_principal_pattern');
  }
}

/** An anchored RegExp for a glob in which only `*` is special. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((literal) => literal.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${body}$`, 'u');
}

/** Compiles the patterns once; `classify` is then a few anchored RegExp tests. */
export class PrincipalClassifier {
  /** In precedence order: self > iac > breakGlass. */
  private readonly groups: readonly { cls: PrincipalClass; regexps: RegExp[] }[];

  constructor(patterns: PrincipalPatterns) {
    const order: (keyof PrincipalPatterns)[] = ['self', 'iac', 'breakGlass'];
    this.groups = order.map((group) => ({
      cls: group,
      regexps: (patterns[group] ?? []).map((pattern, index) => {
        if (typeof pattern !== 'string' || pattern.trim() === '') {
          throw new InvalidPrincipalPatternError(group, index, 'expected a non-empty ARN glob pattern');
        }
        return globToRegExp(pattern.trim());
      }),
    }));
  }

  classify(arn: string | null | undefined): PrincipalClass {
    if (typeof arn !== 'string' || arn.trim() === '') return 'unknown';
    const value = arn.trim();
    for (const { cls, regexps } of this.groups) {
      if (regexps.some((re) => re.test(value))) return cls;
    }
    return 'other';
  }
}

/** One-off classification; build a `PrincipalClassifier` once to classify many ARNs. */
export function classifyPrincipal(arn: string | null | undefined, patterns: PrincipalPatterns): PrincipalClass {
  return new PrincipalClassifier(patterns).classify(arn);
}

const ASSUMED_ROLE = /^arn:[^:]+:sts::[^:]*:assumed-role\/([^/]+)\/(.+)$/;
const IAM_USER = /^arn:[^:]+:iam::[^:]*:user\/(?:.*\/)?([^/]+)$/;

/** The session name of an assumed-role ARN (its last segment, normally the human), else undefined. */
export function sessionNameOf(arn: string | null | undefined): string | undefined {
  if (typeof arn !== 'string') return undefined;
  const match = ASSUMED_ROLE.exec(arn.trim());
  if (!match) return undefined;
  const session = match[2].split('/').pop();
  return session ? session : undefined;
}

/** The role name of an assumed-role ARN, else undefined. */
export function roleNameOf(arn: string | null | undefined): string | undefined {
  if (typeof arn !== 'string') return undefined;
  return ASSUMED_ROLE.exec(arn.trim())?.[1];
}

/** The user name of an IAM user ARN (`arn:aws:iam::1:user/path/alice` → `alice`), else undefined. */
export function userNameOf(arn: string | null | undefined): string | undefined {
  if (typeof arn !== 'string') return undefined;
  return IAM_USER.exec(arn.trim())?.[1];
}
