/**
 * What an AWS account id, region, resource type, resource id and ARN may look like where they
 * enter driftwarden (HTTP, SQS, replay, freeze scopes, exceptions). These values become parts of
 * Redis keys, log lines and AWS client set-up, so anything else is refused at the edge (with the
 * JSON path of the value), never normalised or passed on.
 *
 * The rules admit every real value we know of and nothing that could change a key's meaning:
 * - account: 12 digits;
 * - region: every partition's form (`eu-west-1`, `ap-southeast-5`, `cn-northwest-1`,
 *   `us-gov-west-1`, `us-iso-east-1`, `us-isob-east-1`, `eu-isoe-west-1`, `eusc-de-east-1`);
 * - resource type: three `::`-separated alphanumeric parts (`AWS::EC2::SecurityGroup`, and the
 *   third-party types Config can record);
 * - resource id: see `resourceIdProblem`.
 */

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const REGION_PATTERN = /^[a-z]{2,4}(?:-[a-z]{2,10}){1,3}-\d{1,2}$/;
export const RESOURCE_TYPE_PATTERN = /^[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$/;

export const ACCOUNT_ID_EXPECTED = 'a 12-digit AWS account id';
export const REGION_EXPECTED = 'an AWS region such as eu-west-1 (or us-gov-west-1, cn-north-1, us-iso-east-1)';
export const RESOURCE_TYPE_EXPECTED = 'a resource type such as AWS::EC2::SecurityGroup';

/** AWS Config's own limit on a resource id (`ResourceIdentifier.resourceId`: 1 to 768 characters). */
export const MAX_RESOURCE_ID_LENGTH = 768;
/** The longest ARN any AWS service documents. */
export const MAX_ARN_LENGTH = 2048;

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID_PATTERN.test(value);
}

export function isRegion(value: string): boolean {
  return REGION_PATTERN.test(value);
}

/** AWS Config records global resources (IAM users, roles, policies, …) with the region `global`. */
export const CONFIG_GLOBAL_REGION = 'global';

export function isResourceType(value: string): boolean {
  return RESOURCE_TYPE_PATTERN.test(value);
}

/**
 * C0 and C1 control characters (tab, newline, NUL, ESC, …), DEL and the Unicode line and
 * paragraph separators: no AWS id or name needs them, and they forge log lines and keys.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** An unpaired UTF-16 surrogate: not a character; Redis would store it as U+FFFD (two ids, one key). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Problems every identifier-like value is checked for; null when none. */
export function unsafeTextProblem(value: string): string | null {
  if (CONTROL.test(value)) return 'control characters (tab, newline, NUL, …) are not allowed';
  if (LONE_SURROGATE.test(value)) return 'an unpaired UTF-16 surrogate is not a character';
  return null;
}

/** A `.` or `..` path segment (`/` or `\` separated): `a/../b`, `../x`, `x/.`. */
function hasDotSegment(value: string): boolean {
  return value.split(/[/\\]/).some((s) => s === '.' || s === '..');
}

const ARN_PATTERN = /^arn:aws(?:-[a-z]+)*:[a-z0-9-]{1,64}:(?:[a-z]{2,4}(?:-[a-z]{2,10}){1,3}-\d{1,2})?:(?:\d{12}|aws)?:[^]+$/;
export const ARN_EXPECTED = 'an ARN such as arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1234def567890';

/**
 * Why `value` is not an acceptable ARN, or null: `arn:<partition>:<service>:<region>:<account>:<resource>`
 * with a known partition form (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, …), a region or nothing,
 * 12 digits, `aws` or nothing as the account, at most 2,048 characters, and a resource part
 * without control characters or `.`/`..` path segments.
 */
export function arnProblem(value: string): string | null {
  if (value.length > MAX_ARN_LENGTH) return `expected at most ${MAX_ARN_LENGTH} characters, got ${value.length}`;
  if (!ARN_PATTERN.test(value)) return `expected ${ARN_EXPECTED}`;
  const unsafe = unsafeTextProblem(value);
  if (unsafe) return unsafe;
  if (hasDotSegment(value)) return 'a "." or ".." path segment is not allowed in an ARN';
  return null;
}

interface IdRule {
  test: (id: string) => boolean;
  expected: string;
}

/** EC2-style ids: the type's prefix, `-`, lowercase letters and digits (real ones: 8 or 17 hex digits). */
function ec2Id(prefix: string, example: string): IdRule {
  const re = new RegExp(`^${prefix}-[0-9a-z]{1,32}$`);
  return { test: (id) => re.test(id), expected: `an id such as ${example} (${prefix}- and letters or digits, no "/")` };
}

/**
 * S3 bucket names: 3 to 63 lowercase letters, digits, `.` and `-` today; buckets created in
 * us-east-1 before March 2018 may have up to 255 characters, upper case and `_`. Never `/`.
 */
const S3_BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/**
 * Resource types whose ids have a known form. Every other type gets the general rule only
 * (see `resourceIdProblem`), so a type we do not model yet is never refused for its id's form.
 */
const ID_RULES: Record<string, IdRule> = {
  'AWS::EC2::SecurityGroup': ec2Id('sg', 'sg-0abc1234def567890'),
  'AWS::EC2::SecurityGroupRule': ec2Id('sgr', 'sgr-0abc1234def567890'),
  'AWS::EC2::NetworkAcl': ec2Id('acl', 'acl-0abc1234def567890'),
  'AWS::EC2::Instance': ec2Id('i', 'i-0abc1234def567890'),
  'AWS::EC2::VPC': ec2Id('vpc', 'vpc-0abc1234def567890'),
  'AWS::EC2::Subnet': ec2Id('subnet', 'subnet-0abc1234def567890'),
  'AWS::EC2::Volume': ec2Id('vol', 'vol-0abc1234def567890'),
  'AWS::EC2::NetworkInterface': ec2Id('eni', 'eni-0abc1234def567890'),
  'AWS::EC2::RouteTable': ec2Id('rtb', 'rtb-0abc1234def567890'),
  'AWS::EC2::InternetGateway': ec2Id('igw', 'igw-0abc1234def567890'),
  'AWS::EC2::NatGateway': ec2Id('nat', 'nat-0abc1234def567890'),
  'AWS::S3::Bucket': {
    test: (id) => S3_BUCKET.test(id),
    expected: 'an S3 bucket name (3 to 255 letters, digits, ".", "_" or "-", no "/")',
  },
};

/** The id forms of the types in `ID_RULES`, for documentation and tests. */
export const KNOWN_RESOURCE_ID_TYPES: readonly string[] = Object.keys(ID_RULES);

/**
 * Why `id` is not an acceptable id for a resource of `type`, or null. The rule:
 * - every id: 1 to 768 characters (Config's limit), no control characters or unpaired
 *   surrogates, and no `.` or `..` path segment (`sg-1/../x`, `../etc/passwd`);
 * - the types with a known id form must have it: EC2 ids (`sg-…`, `acl-…`, `i-…`, `vpc-…`, …)
 *   are a prefix, `-` and letters or digits; S3 buckets follow S3's naming rules (legacy
 *   names included); neither ever has a `/`;
 * - for other types, an ARN (`arn:…`, as Config uses for Auto Scaling groups, load balancers,
 *   stacks, …) must be a well-formed ARN (see `arnProblem`);
 * - every other id may contain anything else, spaces and `/` included (an Auto Scaling group's
 *   name may have both; so may ids of types we do not model yet).
 */
export function resourceIdProblem(type: string, id: string): string | null {
  if (id.length === 0) return 'expected a non-empty resource id';
  if (id.length > MAX_RESOURCE_ID_LENGTH) return `expected a resource id of at most ${MAX_RESOURCE_ID_LENGTH} characters, got ${id.length}`;
  const unsafe = unsafeTextProblem(id);
  if (unsafe) return unsafe;
  if (hasDotSegment(id)) return 'a "." or ".." path segment is not allowed in a resource id';
  const rule = ID_RULES[type];
  if (rule) return rule.test(id) ? null : `expected ${rule.expected} for ${type}`;
  if (id.startsWith('arn:')) return arnProblem(id);
  return null;
}
