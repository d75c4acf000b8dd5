/**
 * The shape of `driftwarden.yaml` (DESIGN.md §8), as one zod schema.
 *
 * Conventions:
 * - every object is strict: an unknown key is an error (with a closest-match suggestion);
 * - numbers must be YAML numbers, strings where numbers are expected are errors;
 * - every duration key `x` (a string such as `30m`) gets a parsed sibling `xMs` in the output;
 * - checks that relate several keys (duplicates, exactly-one-of, ordering) run even when a
 *   sibling has its own problem, so one run reports everything it can.
 *
 * Messages: custom issues carry `params.expected` (rendered as "expected …, found <value>" by
 * `config-issues.ts`, which knows which values must stay hidden) or `params.message` (a full
 * message that shows no value).
 */
import { CronExpressionParser } from 'cron-parser';
import picomatch from 'picomatch';
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN, RESERVED_KEYS, RESOURCE_TYPE_PATTERN } from '@driftwarden/domain';
import { DURATION_EXPECTED, tryParseDuration } from './duration';

// ---------------------------------------------------------------------------------------------
// Defaults and limits
// ---------------------------------------------------------------------------------------------

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_API_PORT = 8080;
export const MAX_OVERRIDE_TTL_MS = 3_600_000;

export const MODES = ['enforce', 'dry-run'] as const;
export const TOKEN_ROLES = ['viewer', 'ingest', 'operator', 'admin'] as const;
export const PAGERDUTY_URGENCIES = ['high', 'low'] as const;
export const OPSGENIE_PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

/** Options every ARN pattern is compiled with (validation and any picomatch-based matcher). */
export const ARN_PATTERN_OPTIONS = { strictBrackets: true, dot: true } as const;

// ---------------------------------------------------------------------------------------------
// Issue helpers
// ---------------------------------------------------------------------------------------------

/** Custom issue parameters understood by `config-issues.ts`. */
export interface IssueParams {
  /** Rendered as `expected <expected>, found <value>`. */
  expected?: string;
  /** Appended to the rendered message, e.g. the parser's own explanation. */
  detail?: string;
  /** A complete message, shown as is (it must not contain a configured value). */
  message?: string;
  /** For duplicate names: the index of the first item that uses the name. */
  duplicateOf?: number;
}

function expected(what: string): { params: IssueParams } {
  return { params: { expected: what } };
}

/** Run a cross-key check even when a child already has a problem (it must read defensively). */
const always = { when: () => true };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

// One model of AWS identifiers: the same rules as the API and ingest (libs/domain).
const ACCOUNT_ID = ACCOUNT_ID_PATTERN;
const REGION = REGION_PATTERN;
const RESOURCE_TYPE = RESOURCE_TYPE_PATTERN;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const REDIS_PREFIX = /^[A-Za-z0-9_-]+$/;
const GITHUB_NAME = /^[A-Za-z0-9_.-]+$/;

const text = z.string().min(1);

const email = z.string().refine((v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), expected('an email address such as oncall-bot@example.com'));

/** A secret: never shown in messages (see `SECRET_KEYS`). */
const secret = z.string().min(1);

const name = z
  .string()
  .refine((v) => NAME.test(v), expected('a name of letters, digits, ".", "_" or "-" (starting with a letter or digit)'));

const accountId = z.string().refine((v) => ACCOUNT_ID.test(v), expected('a 12-digit AWS account id'));

const region = z.string().refine((v) => REGION.test(v), expected('an AWS region such as eu-west-1'));

const resourceType = z.string().refine((v) => RESOURCE_TYPE.test(v), expected('a resource type such as AWS::EC2::SecurityGroup'));

/**
 * Tag key → value. `__proto__`, `constructor` and `prototype` are refused: as a key of a plain
 * object `__proto__` silently disappears, and a scope or critical-tag rule would cover more (or
 * other) resources than written.
 */
const tagMap = z
  .unknown()
  // Checked on the input: z.record skips a `__proto__` key without a word.
  .superRefine((tags, ctx) => {
    if (!isRecord(tags)) return;
    for (const key of Object.keys(tags)) {
      if (RESERVED_KEYS.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          params: { message: `expected a tag key other than __proto__, constructor or prototype (reserved object keys), found "${key}"` },
        });
      }
    }
  })
  .pipe(z.record(z.string().min(1), z.string()));

/** A list that, when present, must not be empty ("leave it out" is how to say "all"). */
function nonEmptyList<T extends z.ZodType>(item: T, hint?: string) {
  return z.array(item).refine((list) => list.length > 0, {
    params: { message: `expected at least one item, found an empty list${hint ? ` (${hint})` : ''}` },
  });
}

/** A base URL: http(s), may carry a path prefix, no query or fragment; trailing `/` removed. */
function baseUrl() {
  return z
    .string()
    .superRefine((v, ctx) => {
      const url = parseUrl(v);
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
        ctx.addIssue({
          code: 'custom',
          params: { expected: 'an http:// or https:// base URL without query string, e.g. https://ghe.example.com/api/v3' },
        });
      }
    })
    .transform((v) => v.replace(/\/+$/, ''));
}

const httpUrl = z.string().refine((v) => {
  const url = parseUrl(v);
  return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:');
}, expected('an http:// or https:// URL'));

const redisUrl = z.string().refine((v) => {
  const url = parseUrl(v);
  return url !== undefined && (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
}, expected('a redis:// or rediss:// URL such as redis://127.0.0.1:6379'));

export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** A duration string (`90s`, `30m`, `2h`, `14d`) greater than zero. */
const duration = z.string().superRefine((v, ctx) => {
  const ms = tryParseDuration(v);
  if (ms === undefined) ctx.addIssue({ code: 'custom', params: { expected: DURATION_EXPECTED } });
  else if (ms === 0) ctx.addIssue({ code: 'custom', params: { expected: 'a duration greater than zero' } });
});

function durationMs(value: string): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) throw new Error(`unreachable: duration ${JSON.stringify(value)} was validated`);
  return ms;
}

/** A valid IANA time zone, as `Intl.DateTimeFormat` knows them. */
const timeZone = z.string().refine((v) => isValidTimeZone(v), expected('an IANA time zone such as Europe/Berlin or UTC'));

export function isValidTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const CRON_EXPECTED = 'a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 18 20 12 *"';

/** A classic 5-field cron expression; cron-parser decides whether the fields are valid. */
const cronSchedule = z.string().superRefine((v, ctx) => {
  const fields = v
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== 5) {
    ctx.addIssue({
      code: 'custom',
      params: { expected: CRON_EXPECTED, detail: `it has ${fields.length} field${fields.length === 1 ? '' : 's'}` },
    });
    return;
  }
  try {
    CronExpressionParser.parse(v, { tz: 'UTC' });
  } catch (err) {
    ctx.addIssue({ code: 'custom', params: { expected: CRON_EXPECTED, detail: errorMessage(err) } });
  }
});

/** An ARN glob pattern: starts with `arn:` and compiles with picomatch. */
const arnPattern = z.string().superRefine((v, ctx) => {
  if (!v.startsWith('arn:')) {
    ctx.addIssue({
      code: 'custom',
      params: { expected: 'an ARN glob pattern starting with "arn:", e.g. "arn:aws:sts::*:assumed-role/terraform-apply/*"' },
    });
    return;
  }
  try {
    picomatch(v, ARN_PATTERN_OPTIONS);
  } catch (err) {
    ctx.addIssue({ code: 'custom', params: { expected: 'a valid ARN glob pattern', detail: errorMessage(err) } });
  }
});

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Items of a list whose `name` must be unique: reports every repeat at `[i].name`. */
function uniqueNames(list: unknown, ctx: z.RefinementCtx): void {
  uniqueBy(list, ctx, 'name', (v) => (typeof v === 'string' ? v : undefined));
}

function uniqueBy(list: unknown, ctx: z.RefinementCtx, key: string, normalise: (value: unknown) => string | undefined, what = key): void {
  if (!Array.isArray(list)) return;
  const first = new Map<string, number>();
  list.forEach((item: unknown, index) => {
    if (!isRecord(item)) return;
    const value = normalise(item[key]);
    if (value === undefined) return;
    const seen = first.get(value);
    if (seen === undefined) {
      first.set(value, index);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [index, key],
      params: { message: `duplicate ${what}`, duplicateOf: seen },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/**
 * Which resources something covers; every key optional, an absent scope covers everything. An
 * empty scope (`{}`, or `tags: {}` alone) is refused: it would cover everything while reading as
 * a restriction; leave the scope out instead.
 */
export const scopeSchema = z
  .strictObject({
    accounts: nonEmptyList(accountId, 'leave the key out to cover every account').optional(),
    regions: nonEmptyList(region, 'leave the key out to cover every region').optional(),
    resourceTypes: nonEmptyList(resourceType, 'leave the key out to cover every resource type').optional(),
    tags: tagMap
      .refine((tags) => Object.keys(tags).length > 0, {
        params: { message: 'expected at least one tag, found an empty map (leave the key out to match any tags)' },
      })
      .optional(),
  })
  .superRefine((scope, ctx) => {
    if (isRecord(scope) && Object.keys(scope).length === 0) {
      ctx.addIssue({
        code: 'custom',
        params: {
          message: 'expected accounts, regions, resourceTypes or tags, found an empty scope (leave the scope out to cover everything)',
        },
      });
    }
  }, always);

const scopeMap = z.record(z.string().min(1), scopeSchema);

export const tokenSchema = z.strictObject({
  name,
  sha256: z
    .string()
    .refine((v) => SHA256_HEX.test(v), expected('a SHA-256 hash as 64 hexadecimal characters'))
    .transform((v) => v.toLowerCase()),
  role: z.enum(TOKEN_ROLES),
  identity: text.optional(),
});

export const redisSchema = z
  .strictObject({
    url: redisUrl.default(DEFAULT_REDIS_URL),
    prefix: z
      .string()
      .refine((v) => REDIS_PREFIX.test(v), expected('a key prefix of letters, digits, "-" or "_"'))
      .default('dw'),
    /**
     * Redis Cluster (ElastiCache/MemoryDB cluster mode, Valkey cluster): connect with ioredis
     * Cluster (`url` names one node; the others are discovered) and hash-tag every key
     * (`{<prefix>}:…`) so each Lua script, transaction and BullMQ queue touches one slot.
     */
    cluster: z.boolean().default(false),
  })
  .prefault({});

export const apiSchema = z
  .strictObject({
    port: z.int().min(0).max(65535).default(DEFAULT_API_PORT),
    tokens: z
      .array(tokenSchema)
      .superRefine((list, ctx) => {
        uniqueNames(list, ctx);
        uniqueBy(list, ctx, 'sha256', (v) => (typeof v === 'string' ? v.toLowerCase() : undefined), 'sha256 (the same token twice)');
      }, always)
      .default([]),
    maxBodyBytes: z.int().min(1).default(1_048_576),
    maxEventsPerRequest: z.int().min(1).default(500),
    /**
     * How many reverse proxies (load balancers) stand in front of the API: the client address
     * is then taken from `X-Forwarded-For`, that many hops from the right (Express `trust proxy`).
     * 0: the socket's address. It is what the failed-auth limit counts per client.
     */
    trustProxy: z.int().min(0).max(10).default(0),
    /**
     * Failed bearer authentications (a bad or malformed token) allowed per client address within
     * `windowSeconds`; past that, every request of that client to an authenticated route is
     * answered 429 with Retry-After, without looking at its token, until the window ends.
     * Counted in memory per replica.
     */
    authFailureLimit: z
      .strictObject({
        maxFailures: z.int().min(1).default(20),
        windowSeconds: z.int().min(1).max(3600).default(60),
      })
      .prefault({}),
  })
  .prefault({});

const SQS_HOST_REGION = [
  // https://sqs.eu-west-1.amazonaws.com, sqs.cn-north-1.amazonaws.com.cn, VPC endpoints
  // (vpce-….sqs.us-east-1.vpce.amazonaws.com), LocalStack (sqs.us-east-1.localhost.localstack.cloud)
  /(?:^|\.)sqs\.([a-z]{2}(?:-[a-z]+)+-\d+)\./,
  // legacy https://eu-west-1.queue.amazonaws.com
  /^([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.amazonaws\.com(?:\.cn)?$/,
];

/** The region of a standard SQS queue URL, when its host names one. */
export function regionFromQueueUrl(queueUrl: string): string | undefined {
  const host = parseUrl(queueUrl)?.hostname;
  if (!host) return undefined;
  for (const re of SQS_HOST_REGION) {
    const match = re.exec(host);
    if (match) return match[1];
  }
  return undefined;
}

export const sqsSchema = z
  .strictObject({
    queueUrl: httpUrl,
    region: region.optional(),
    waitTimeSeconds: z.int().min(0).max(20).default(20),
    maxMessages: z.int().min(1).max(10).default(10),
    visibilityTimeoutSeconds: z.int().min(0).max(43_200).default(120),
    maxReceiveCount: z.int().min(1).default(5),
  })
  .transform((sqs, ctx) => {
    const derived = sqs.region ?? regionFromQueueUrl(sqs.queueUrl);
    if (derived === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        params: {
          message:
            'expected a region: the queueUrl is not a standard SQS URL (https://sqs.<region>.amazonaws.com/…), so set ingest.sqs.region',
        },
      });
      return z.NEVER;
    }
    return { ...sqs, region: derived };
  });

export const ingestSchema = z
  .strictObject({
    coalesceMilliseconds: z.int().min(0).default(1000),
    sqs: sqsSchema.optional(),
    /**
     * The AWS Config delivery channel's bucket(s): the only buckets an oversized item's S3 copy
     * is read from (the location comes from the event itself). Empty: S3 copies are not read.
     */
    configDeliveryBuckets: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name')).default([]),
  })
  .prefault({});

export const workersSchema = z
  .strictObject({
    concurrency: z.int().min(1).max(500).default(16),
    /**
     * How long a job stays locked to its worker without a renewal. A replica that dies (crash,
     * OOM kill, lost node) leaves its jobs locked; another replica takes them over after at
     * most twice this (the lock runs out, then the next stalled-job check). Live workers renew
     * their locks every half of it, so long cloud calls are not affected; but a process that
     * stalls longer than the lock (a long GC pause, an overloaded host) loses its jobs while
     * still working on them, hence the floor of 5 s.
     */
    lockDurationSeconds: z.int().min(5).max(600).default(30),
  })
  .prefault({});

/** The reconciling sweep (issue 17 §2): finds drift whose event was lost. */
export const reconcileSchema = z
  .strictObject({
    /** Minutes between sweeps (one replica sweeps); 0 turns the sweep off. */
    intervalMinutes: z.int().min(0).max(10_080).default(60),
    /** Describe calls per second per account and region (EC2's API rate limits are per account and region). */
    callsPerSecond: z.number().positive().max(100).default(5),
    /**
     * Read live configuration from an AWS Config aggregator (`BatchGetAggregateResourceConfig`, in
     * the controller's own account) instead of describe calls in each account: what Config has
     * recorded, so a change Config has not recorded yet is seen by a later sweep.
     */
    aggregator: z
      .strictObject({
        /** The configuration aggregator's name. */
        name: z.string().refine((v) => /^[\w-]{1,256}$/.test(v), expected('an aggregator name of letters, digits, "_" or "-" (1 to 256)')),
        /** The region the aggregator lives in. */
        region,
        /** BatchGetAggregateResourceConfig calls per second (one limit for the aggregator, shared by every account and region). */
        callsPerSecond: z.number().positive().max(50).default(1),
      })
      .optional(),
  })
  .prefault({});

export const attributionSchema = z
  .strictObject({
    /** While a change is younger than this and no CloudTrail call explains it, wait (retry) before deciding "unknown". */
    cloudTrailWaitSeconds: z.int().min(0).max(3600).default(300),
    /** Fall back to CloudTrail LookupEvents (about 2 calls/s per account and region, shared by all replicas). */
    lookupEvents: z.boolean().default(true),
  })
  .prefault({});

/**
 * Cross-account: the role assumed (STS AssumeRole) in each resource's account for the EC2 calls
 * (describe, revoke, authorize), CloudTrail LookupEvents and Config BatchGetResourceConfig;
 * `{account}` in `roleArn` becomes the resource's account id.
 * Without it every account is reached with the controller's own credentials.
 */
export const awsSchema = z
  .strictObject({
    assumeRole: z
      .strictObject({
        roleArn: z
          .string()
          .refine(
            (v) => /^arn:aws[a-z-]*:iam::\{account\}:role\/[\w+=,.@/-]{1,512}$/.test(v),
            expected('an IAM role ARN with {account} for the account id, e.g. arn:aws:iam::{account}:role/driftwarden-remediator'),
          ),
        externalId: secret.optional(),
        sessionName: z
          .string()
          .refine((v) => /^[\w+=,.@-]{2,64}$/.test(v), expected('2 to 64 letters, digits or +=,.@_-'))
          .default('driftwarden'),
        durationSeconds: z.int().min(900).max(43_200).default(3600),
      })
      .optional(),
  })
  .prefault({});

export const pagerdutySchema = z.strictObject({
  token: secret,
  apiUrl: baseUrl().default('https://api.pagerduty.com'),
  webhookSecrets: z.array(secret).default([]),
  /** Every configured criterion must match; an absent criterion is ignored; `{}` = every incident. */
  major: z
    .strictObject({
      priorities: nonEmptyList(text, 'leave the key out to ignore priority').optional(),
      urgencies: nonEmptyList(z.enum(PAGERDUTY_URGENCIES), 'leave the key out to ignore urgency').optional(),
      services: nonEmptyList(text, 'leave the key out to ignore the service').optional(),
    })
    .prefault({}),
  /** Service id → the resources its incidents freeze; a service not listed freezes everything. */
  scopes: scopeMap.optional(),
  requestTimeoutMs: z.int().min(1).default(10_000),
  /**
   * The email of a PagerDuty user of the account: the `From` header PagerDuty requires to add a
   * note to an incident (`incidents.notes.pagerduty`).
   */
  from: email.optional(),
});

export const opsgenieSchema = z.strictObject({
  apiKey: secret,
  apiUrl: baseUrl().default('https://api.opsgenie.com'),
  webhookToken: secret.optional(),
  major: z
    .strictObject({
      priorities: nonEmptyList(z.enum(OPSGENIE_PRIORITIES), 'leave the key out to ignore priority').optional(),
      teams: nonEmptyList(text, 'leave the key out to ignore the team').optional(),
      services: nonEmptyList(text, 'leave the key out to ignore the service').optional(),
    })
    .prefault({}),
  /**
   * Team or service **id** → the resources its incidents freeze. Incidents carry ids (owner team,
   * responder teams, impacted services), not names; an incident no key matches freezes everything.
   */
  scopes: scopeMap.optional(),
  requestTimeoutMs: z.int().min(1).default(10_000),
});

/**
 * Which Jira work items are major incidents, whatever their status (driftwarden adds
 * `statusCategory != Done` to find the open ones, and `created >= …` to read back a gap).
 * Sites with the major-incident field (JSM Premium) can widen it, e.g.
 * `issuetype = Incident AND (priority in (Highest, High) OR "Major incident" IS NOT EMPTY)`.
 */
export const JSM_DEFAULT_JQL = 'issuetype = Incident AND priority in (Highest, High)';
/** Work-item fields whose values are looked up in `incidents.jsm.scopes`. */
const JSM_FIELD = /^(components|labels|customfield_\d+)$/;

/**
 * Jira Service Management (incidents are Jira work items): the enhanced JQL search
 * (`POST /rest/api/3/search/jql`) through jira.js, and Jira admin webhooks signed with a secret.
 * Authentication: `email` + `apiToken` (basic), or `oauthToken` (an OAuth 2.0 bearer; `apiUrl`
 * is then `https://api.atlassian.com/ex/jira/<cloudId>`).
 */
export const jsmSchema = z
  .strictObject({
    /** The site, e.g. https://acme.atlassian.net (or the OAuth gateway URL). */
    apiUrl: baseUrl(),
    /** Where people open a work item (`<webUrl>/browse/OPS-12`); default `apiUrl`. */
    webUrl: baseUrl().optional(),
    email: email.optional(),
    apiToken: secret.optional(),
    oauthToken: secret.optional(),
    jql: text.default(JSM_DEFAULT_JQL),
    /** `components`, `labels` or `customfield_<id>`: their values are the keys looked up in `scopes`. */
    scopeFields: nonEmptyList(
      z.string().refine((v) => JSM_FIELD.test(v), expected('components, labels or customfield_<id> (e.g. customfield_10050)')),
      'leave the key out for components',
    ).default(['components']),
    /** A value of a scope field (component name, label, option value) → the resources its incidents freeze. */
    scopes: scopeMap.optional(),
    /** Secrets of the Jira admin webhook (`X-Hub-Signature: sha256=…`); several while one rotates. */
    webhookSecrets: z.array(secret).default([]),
    requestTimeoutMs: z.int().min(1).default(10_000),
  })
  .superRefine((jsm, ctx) => {
    if (!isRecord(jsm)) return;
    const basic = jsm.email !== undefined || jsm.apiToken !== undefined;
    const bearer = jsm.oauthToken !== undefined;
    if (basic && bearer) {
      ctx.addIssue({
        code: 'custom',
        path: ['oauthToken'],
        params: { message: 'expected either email and apiToken (basic) or oauthToken (bearer), found both' },
      });
    } else if (!basic && !bearer) {
      ctx.addIssue({ code: 'custom', params: { message: 'expected email and apiToken (basic) or oauthToken (bearer), found neither' } });
    } else if (basic && jsm.email === undefined) {
      ctx.addIssue({ code: 'custom', path: ['email'], params: { message: 'expected the email of the account the apiToken belongs to' } });
    } else if (basic && jsm.apiToken === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiToken'],
        params: { message: 'expected the API token of that email (id.atlassian.com → Security → API tokens)' },
      });
    }
  }, always);

/** incident.io's status categories (`incident_status.category`). */
export const INCIDENTIO_STATUS_CATEGORIES = ['triage', 'live', 'paused', 'learning', 'closed', 'declined', 'merged', 'canceled'] as const;

/** A Svix signing secret as incident.io shows it: `whsec_` and base64. */
const svixSecret = secret.refine((v) => /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v.slice(6), 'base64').length >= 16, {
  params: { message: 'expected a webhook signing secret as incident.io shows it: "whsec_" followed by base64 (value hidden)' },
});

/**
 * incident.io: `GET /v2/incidents` (status category and severity filters, cursor paging) with an
 * API key; webhooks signed the Svix way.
 */
export const incidentioSchema = z.strictObject({
  apiKey: secret,
  apiUrl: baseUrl().default('https://api.incident.io'),
  webhookSecrets: z.array(svixSecret).default([]),
  /** Severity names (as in incident.io, e.g. Critical, Major); leave out to take every severity. */
  major: z
    .strictObject({
      severities: nonEmptyList(text, 'leave the key out to ignore the severity').optional(),
    })
    .prefault({}),
  /** Which status categories count as open. */
  statusCategories: nonEmptyList(z.enum(INCIDENTIO_STATUS_CATEGORIES), 'leave the key out for live').default(['live']),
  /**
   * Custom field names whose values (option, text, catalog entry) are looked up in `scopes`,
   * after the incident type's name.
   */
  scopeFields: z.array(text).default([]),
  scopes: scopeMap.optional(),
  requestTimeoutMs: z.int().min(1).default(10_000),
});

/** A generic webhook source name: `POST /v1/webhooks/incidents/<name>`. */
const WEBHOOK_SOURCE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const webhookSourceSchema = z.strictObject({
  /** HMAC-SHA256 keys (`X-Driftwarden-Signature: v1=<hex>` over `<timestamp>.<body>`); several while one rotates. */
  secrets: nonEmptyList(secret),
  /** Severity names that are major (case-insensitive); leave out to take every severity. */
  major: z
    .strictObject({
      severities: nonEmptyList(text, 'leave the key out to ignore the severity').optional(),
    })
    .prefault({}),
  /** A scope key the sender puts in `scopeKeys` → the resources its incidents freeze. */
  scopes: scopeMap.optional(),
  /**
   * No message (incident or heartbeat) for longer than this: the source is stale, which
   * freezes as unknown; its open incidents stay open. Default `incidents.maxStalenessSeconds`.
   */
  maxStalenessSeconds: z.int().min(1).optional(),
});

/** `incidents.webhook`: signed generic incident webhooks, one entry per sending tool. */
export const incidentWebhookSchema = z.strictObject({
  // Names checked beside the sources themselves (`always`), so one run reports both kinds of mistake.
  sources: z.record(z.string(), webhookSourceSchema).superRefine((sources, ctx) => {
    if (!isRecord(sources)) return;
    for (const key of Object.keys(sources)) {
      if (!WEBHOOK_SOURCE.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          params: {
            message: `expected a source name of lower-case letters, digits and "-" (it is the last segment of POST /v1/webhooks/incidents/<name>), found "${key.slice(0, 64)}"`,
          },
        });
      }
    }
    if (Object.keys(sources).length === 0)
      ctx.addIssue({
        code: 'custom',
        params: { message: 'expected at least one source, found none (leave incidents.webhook out instead)' },
      });
  }, always),
});

/**
 * Notes on the incident's timeline (off by default; one key per source). PagerDuty needs
 * `incidents.pagerduty.from`. incident.io's public API has no way to add to a timeline.
 */
export const incidentNotesSchema = z.strictObject({
  pagerduty: z.boolean().default(false),
  opsgenie: z.boolean().default(false),
  jsm: z.boolean().default(false),
  incidentio: z
    .boolean()
    .refine((v) => v === false, {
      params: { message: "expected false: incident.io's public API has no endpoint that adds to an incident's timeline" },
    })
    .default(false),
});

export const incidentsSchema = z
  .strictObject({
    pollIntervalSeconds: z.int().min(1).default(30),
    maxStalenessSeconds: z.int().min(1).default(90),
    cooldownMinutes: z.number().min(0).default(30),
    lookbackMinutes: z.int().min(0).default(15),
    pagerduty: pagerdutySchema.optional(),
    opsgenie: opsgenieSchema.optional(),
    jsm: jsmSchema.optional(),
    webhook: incidentWebhookSchema.optional(),
    incidentio: incidentioSchema.optional(),
    /** Absent: no notes anywhere. */
    notes: incidentNotesSchema.optional(),
  })
  .superRefine((incidents, ctx) => {
    // Notes go to a source that is configured (and PagerDuty needs the From user).
    const notes: unknown = incidents.notes;
    if (isRecord(notes)) {
      for (const source of ['pagerduty', 'opsgenie', 'jsm'] as const) {
        if (notes[source] === true && !isRecord(incidents[source])) {
          ctx.addIssue({
            code: 'custom',
            path: ['notes', source],
            params: { message: `expected incidents.${source} to be configured: notes go to its incidents` },
          });
        }
      }
      const pd: unknown = incidents.pagerduty;
      if (notes.pagerduty === true && isRecord(pd) && pd.from === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['pagerduty', 'from'],
          params: {
            message:
              'expected the email of a PagerDuty user (the From header PagerDuty requires to add a note), because incidents.notes.pagerduty is true',
          },
        });
      }
    }
  }, always)
  .superRefine((incidents, ctx) => {
    const poll: unknown = incidents.pollIntervalSeconds;
    const staleness: unknown = incidents.maxStalenessSeconds;
    if (typeof poll === 'number' && typeof staleness === 'number' && staleness <= poll) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxStalenessSeconds'],
        params: {
          message: `expected more than pollIntervalSeconds (${poll}), found ${staleness} (every poll would already be stale)`,
        },
      });
    }
  }, always)
  .prefault({});

export const freezeSchema = z
  .strictObject({
    maxTtl: duration.default('7d'),
    maxOverrideTtl: duration.default('1h'),
    /** Manual freezes active at once (POST /v1/freezes answers 409 past it). */
    maxActive: z.int().min(1).max(10_000).default(50),
    /** Overrides of incident freezes active at once (POST /v1/freeze/overrides answers 409 past it). */
    maxActiveOverrides: z.int().min(1).max(1_000).default(10),
  })
  .superRefine((freeze, ctx) => {
    const override: unknown = freeze.maxOverrideTtl;
    const ms = typeof override === 'string' ? tryParseDuration(override) : undefined;
    if (ms !== undefined && ms > MAX_OVERRIDE_TTL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxOverrideTtl'],
        params: { expected: 'at most 1h (an override of an incident freeze is time-boxed to one hour)' },
      });
    }
  }, always)
  .transform((freeze) => ({
    ...freeze,
    maxTtlMs: durationMs(freeze.maxTtl),
    maxOverrideTtlMs: durationMs(freeze.maxOverrideTtl),
  }))
  .prefault({});

export const freezeWindowSchema = z
  .strictObject({
    name,
    schedule: cronSchedule,
    duration,
    timeZone: timeZone.default('UTC'),
    scope: scopeSchema.optional(),
  })
  .transform((window) => ({ ...window, durationMs: durationMs(window.duration) }));

export const principalsSchema = z
  .strictObject({
    iac: z.array(arnPattern).default([]),
    breakGlass: z.array(arnPattern).default([]),
    self: z.array(arnPattern).default([]),
  })
  .prefault({});

export const s3StateSchema = z.strictObject({
  bucket: text,
  key: text,
  region,
  workspace: text.optional(),
});

/**
 * Exactly one of `s3` or `file`; `file` is resolved against the config file's folder on load.
 * `maxMegabytes`: a larger state is refused as unreadable (default 1024, in @driftwarden/terraform-state).
 */
export const stateSchema = z
  .strictObject({
    s3: s3StateSchema.optional(),
    file: text.optional(),
    maxMegabytes: z.int().min(1).max(1_048_576).optional(),
  })
  .superRefine((state, ctx) => {
    if (!isRecord(state)) return;
    const s3 = state.s3 !== undefined;
    const file = state.file !== undefined;
    if (s3 === file) {
      ctx.addIssue({
        code: 'custom',
        params: { message: `expected exactly one of s3 or file, found ${s3 ? 'both' : 'neither'}` },
      });
    }
  }, always)
  .transform((state): ({ s3: z.output<typeof s3StateSchema> } | { file: string }) & { maxMegabytes?: number } => {
    const limit = state.maxMegabytes !== undefined ? { maxMegabytes: state.maxMegabytes } : {};
    return state.s3 !== undefined ? { s3: state.s3, ...limit } : { file: state.file ?? '', ...limit };
  });

const repoPath = z
  .string()
  .refine(
    (v) => v !== '' && !v.startsWith('/') && !v.split('/').includes('..'),
    expected('a folder relative to the repository root, without ".."'),
  )
  .transform((v) => v.replace(/^\.\/(?=.)/, '').replace(/\/+$/, '') || '.');

const githubName = z
  .string()
  .refine((v) => GITHUB_NAME.test(v), expected('a GitHub owner or repository name (letters, digits, ".", "_", "-")'));

export const repoSchema = z.strictObject({
  owner: githubName,
  name: githubName,
  baseBranch: text.default('main'),
  path: repoPath.default('.'),
});

export const stackSchema = z.strictObject({
  name,
  accounts: nonEmptyList(accountId),
  regions: nonEmptyList(region),
  state: stateSchema,
  repo: repoSchema.optional(),
});

export const guardrailsSchema = z
  .strictObject({
    settleSeconds: z.int().min(0).default(120),
    approvalTtlMinutes: z.int().min(1).default(60),
    /** The longest a per-resource exception may last (`until` or `ttl` of POST /v1/exceptions). */
    maxExceptionDays: z.int().min(1).max(3650).default(30),
    /** Exceptions active at once (each evaluation reads them all; POST /v1/exceptions answers 409 past it). */
    maxActiveExceptions: z.int().min(1).max(100_000).default(500),
    critical: z
      .strictObject({
        tags: tagMap.optional(),
        /** Resource ids (`sg-…`) or ARNs. */
        resources: z.array(text).optional(),
      })
      .prefault({}),
  })
  .prefault({});

export const githubSchema = z.strictObject({
  apiUrl: baseUrl().default('https://api.github.com'),
  token: secret,
  webhookSecret: secret,
});

/** What an outgoing webhook is told about (see libs/notifications). */
export const NOTIFICATION_EVENTS = [
  'awaiting_approval',
  'suspicious',
  'widens_exposure',
  'remediation_failed',
  'freeze_unknown',
  'backport_overdue',
  'tracking_issue',
] as const;

export const notificationWebhookSchema = z.strictObject({
  name,
  /** Slack's incoming-webhook URLs carry their token: a secret, never printed. */
  url: secret.refine((v) => {
    const u = parseUrl(v);
    return u != null && (u.protocol === 'https:' || u.protocol === 'http:');
  }, expected('an http:// or https:// URL (value hidden)')),
  /** `json`: driftwarden's own body, signed when `secret` is set; `slack`: `{text}` for Slack incoming webhooks. */
  format: z.enum(['json', 'slack']).default('json'),
  /** HMAC-SHA256 key for the `X-Driftwarden-Signature: sha256=…` header (json only). */
  secret: secret.optional(),
  on: nonEmptyList(z.enum(NOTIFICATION_EVENTS), 'leave the key out for the default').default([
    'awaiting_approval',
    'suspicious',
    'widens_exposure',
    'remediation_failed',
    'backport_overdue',
    'tracking_issue',
  ]),
  requestTimeoutMs: z.int().min(100).max(60_000).default(5_000),
});

/** A Slack user id (`U…` or `W…`): who clicked, mapped to who they are here. */
const SLACK_USER = /^[UW][A-Z0-9]{2,20}$/;

/**
 * Slack approvals (`notifications.slack`): Block Kit messages with Approve / Adopt / Reject in a
 * channel, the interactivity endpoint `POST /v1/slack/actions` (buttons, the decision dialog and
 * the `/driftwarden` slash command), and who each Slack user is here (identity and role, as a
 * token has them). A user not listed is refused.
 */
export const slackSchema = z.strictObject({
  /** Bot token (`xoxb-…`): chat.postMessage, chat.update, chat.postEphemeral, views.open. */
  botToken: secret,
  /** The app's signing secret: every request to /v1/slack/actions is verified with it. */
  signingSecret: secret,
  /** The channel id approval requests are posted to (e.g. C0123456789). */
  channel: z.string().refine((v) => /^[CGD][A-Z0-9]{2,20}$/.test(v), expected('a Slack channel id such as C0123456789')),
  /** Slack's Web API base URL (tests point it at a fake). */
  apiUrl: baseUrl().default('https://slack.com/api/'),
  users: z
    .record(
      z.string().refine((v) => SLACK_USER.test(v), expected('a Slack user id such as U0123ABCD')),
      z.strictObject({ identity: text, role: z.enum(['viewer', 'operator', 'admin']) }),
    )
    .default({}),
  on: nonEmptyList(z.enum(NOTIFICATION_EVENTS), 'leave the key out for the default').default([
    'awaiting_approval',
    'suspicious',
    'widens_exposure',
    'remediation_failed',
    'backport_overdue',
    'tracking_issue',
  ]),
  requestTimeoutMs: z.int().min(100).max(60_000).default(5_000),
});

/**
 * DESIGN §4 rule 5 says "notify": who hears about a revert waiting for approval (and about
 * suspicious changes, failures and an unknown incident state).
 */
export const notificationsSchema = z
  .strictObject({
    webhooks: z.array(notificationWebhookSchema).superRefine(uniqueNames, always).default([]),
    /** The API's public base URL, for links to drifts in messages (e.g. https://driftwarden.example.com). */
    linkBaseUrl: baseUrl().optional(),
    slack: slackSchema.optional(),
  })
  .prefault({});

/**
 * Emergency patches expire: a backport pull request still open `expiryDays` after it was opened
 * is overdue (flagged, commented, labelled, the on-call told), again every `expiryDays`.
 */
export const backportSchema = z
  .strictObject({
    expiryDays: z.int().min(1).max(365).default(7),
  })
  .prefault({});

/**
 * Guardrails as policy (issue 16 §4): Cedar files evaluated after the decision table, which can
 * only make a decision stricter. `files` are resolved against the config file's folder on load
 * (each must exist and parse, or start-up stops naming the file and line); `timeZones` are the
 * IANA zones policies read as `context.time.zones["…"]`.
 */
export const policiesSchema = z
  .strictObject({
    files: z
      .array(
        z
          .string()
          .min(1)
          .refine((v) => /\.cedar$/.test(v), expected('a path to a Cedar policy file ending in .cedar, e.g. ./policies/production.cedar')),
      )
      .default([]),
    timeZones: z.array(timeZone).default([]),
  })
  .prefault({});

/** An evaluation retries for about 35 minutes at most (14 attempts, back-off capped at 5 min). */
const MIN_COMPLETED_JOBS_AGE_MS = 3_600_000;

function durationOrUndefined(value: unknown): number | undefined {
  return typeof value === 'string' ? tryParseDuration(value) : undefined;
}

/**
 * How long each kind of Redis data is kept (README "Retention"). Every key driftwarden writes has
 * a retention here or a fixed bound said in the README; open drift records and what a held drift
 * needs to be decided again are kept however long that takes.
 */
export const retentionSchema = z
  .strictObject({
    /** The duplicate window: item ledger entries, event ids of other events, pending items. */
    items: duration.default('14d'),
    /** A resource's hash and its latest decided item, once the resource has nothing open (at least `items`). */
    resources: duration.default('14d'),
    /** Drift records that ended (reverted, backport_merged, rejected, resolved), from their last change. */
    closedDrifts: duration.default('30d'),
    /** Drift records that ended `ignored` (unmanaged, unsupported, excepted, tagged), from their last change. */
    ignoredDrifts: duration.default('7d'),
    /** CloudTrail calls kept for attribution. */
    cloudTrailEvents: duration.default('3d'),
    /** The audit log: entries older than `maxAge` are trimmed, and never more than `maxEntries` are kept. */
    audit: z
      .strictObject({
        maxAge: duration.default('90d'),
        maxEntries: z.int().min(1_000).max(100_000_000).default(1_000_000),
      })
      .transform((audit) => ({ ...audit, maxAgeMs: durationMs(audit.maxAge) }))
      .prefault({}),
    /** Quarantined (poison) messages: the newest `maxEntries` are kept (each at most 256 KiB). */
    quarantine: z.strictObject({ maxEntries: z.int().min(1).max(1_000_000).default(10_000) }).prefault({}),
    /** Lifted or expired manual freezes and overrides, resolved incidents, unknown intervals (at least `items`). */
    freezeHistory: duration.default('30d'),
    /** Finished jobs of the id-deduplicated queues (remediate, backport, notify): kept while both hold. */
    completedJobs: z
      .strictObject({
        maxAge: duration.default('24h'),
        maxCount: z.int().min(1_000).max(10_000_000).default(50_000),
      })
      .superRefine((jobs, ctx) => {
        const ms = durationOrUndefined(jobs.maxAge);
        if (ms !== undefined && ms < MIN_COMPLETED_JOBS_AGE_MS) {
          ctx.addIssue({
            code: 'custom',
            path: ['maxAge'],
            params: {
              expected:
                'at least 1h (a job id deduplicates only while its completed job is kept, and an evaluation that enqueued it can retry for about 35 minutes)',
            },
          });
        }
      }, always)
      .transform((jobs) => ({ ...jobs, maxAgeMs: durationMs(jobs.maxAge) }))
      .prefault({}),
    /** Jobs that failed for good, per queue (their drift record and audit entry stay: this is the BullMQ copy). */
    failedJobs: z
      .strictObject({
        maxAge: duration.default('7d'),
        maxCount: z.int().min(1).max(1_000_000).default(1_000),
      })
      .transform((jobs) => ({ ...jobs, maxAgeMs: durationMs(jobs.maxAge) }))
      .prefault({}),
    /** Expired drift records (and their index entries) the scheduler removes per sweep (every 2 s). */
    sweepBatchSize: z.int().min(1).max(100_000).default(1_000),
  })
  .superRefine((retention, ctx) => {
    const items = durationOrUndefined(retention.items);
    if (items === undefined) return;
    for (const key of ['resources', 'freezeHistory'] as const) {
      const ms = durationOrUndefined(retention[key]);
      if (ms !== undefined && ms < items) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          params: {
            message: `expected at least retention.items (${String(retention.items)}), found ${String(retention[key])}: ${
              key === 'resources'
                ? 'a resource must remember its latest decided item as long as an older item of it can still arrive'
                : 'an item accepted within the duplicate window must still be judged against the freezes at its change'
            }`,
          },
        });
      }
    }
  }, always)
  .transform((r) => ({
    ...r,
    itemsMs: durationMs(r.items),
    resourcesMs: durationMs(r.resources),
    closedDriftsMs: durationMs(r.closedDrifts),
    ignoredDriftsMs: durationMs(r.ignoredDrifts),
    cloudTrailEventsMs: durationMs(r.cloudTrailEvents),
    freezeHistoryMs: durationMs(r.freezeHistory),
  }))
  .prefault({});

// ---------------------------------------------------------------------------------------------
// Audit: signed checkpoints of the hash chain, durable export (README "Tamper-evident audit")
// ---------------------------------------------------------------------------------------------

export const KMS_SIGNING_ALGORITHMS = [
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
] as const;

const auditSchema = z
  .strictObject({
    /** Signed checkpoints of the chain head, written by the scheduler role. */
    checkpoints: z
      .strictObject({
        every: duration.default('5m'),
        /** HMAC-SHA256 with a shared key (at least 32 characters). */
        hmac: z
          .strictObject({
            keyId: name,
            secret: secret.refine((v) => v.length >= 32, { message: 'expected a key of at least 32 characters (value hidden)' }),
          })
          .optional(),
        /** AWS KMS Sign with an asymmetric signing key (used instead of hmac when both are set). */
        kms: z
          .strictObject({
            keyId: text,
            algorithm: z.enum(KMS_SIGNING_ALGORITHMS).default('ECDSA_SHA_256'),
            region: region.optional(),
          })
          .optional(),
      })
      .transform((c) => ({ ...c, everyMs: durationMs(c.every) }))
      .prefault({}),
    export: z
      .strictObject({
        /** Continuous export of audit entries and drift records to S3 (JSON Lines, gzip). */
        s3: z
          .strictObject({
            bucket: text,
            prefix: z.string().default('driftwarden/'),
            region: region.optional(),
            /** One object per this interval at most (entries are batched in between). */
            every: duration.default('5m'),
            /** Path-style addressing (S3-compatible stores, local stand-ins). */
            forcePathStyle: z.boolean().default(false),
          })
          .transform((s3) => ({ ...s3, everyMs: durationMs(s3.every) }))
          .optional(),
      })
      .prefault({}),
  })
  .prefault({});

// ---------------------------------------------------------------------------------------------
// The whole file
// ---------------------------------------------------------------------------------------------

export const configSchema = z
  .strictObject({
    mode: z.enum(MODES).default('enforce'),
    redis: redisSchema,
    api: apiSchema,
    ingest: ingestSchema,
    workers: workersSchema,
    attribution: attributionSchema,
    aws: awsSchema,
    incidents: incidentsSchema,
    freeze: freezeSchema,
    freezeWindows: z.array(freezeWindowSchema).superRefine(uniqueNames, always).default([]),
    principals: principalsSchema,
    stacks: z.array(stackSchema).superRefine(uniqueNames, always).default([]),
    guardrails: guardrailsSchema,
    github: githubSchema.optional(),
    notifications: notificationsSchema,
    retention: retentionSchema,
    backport: backportSchema,
    reconcile: reconcileSchema,
    audit: auditSchema,
    policies: policiesSchema,
  })
  .superRefine((config, ctx) => {
    // An item waits in the ledger until it is decided, at least the CloudTrail delivery wait.
    const wait: unknown = isRecord(config.attribution) ? config.attribution.cloudTrailWaitSeconds : undefined;
    const items = isRecord(config.retention) ? config.retention.items : undefined;
    const ms = durationOrUndefined(items);
    if (typeof wait === 'number' && ms !== undefined && ms < wait * 2_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['retention', 'items'],
        params: {
          message: `expected at least twice attribution.cloudTrailWaitSeconds (${wait * 2} s), found ${String(items)}: an item must outlive its wait for CloudTrail and the queue in front of it`,
        },
      });
    }
  }, always);

/**
 * Keys whose values are secrets: never shown in a message, replaced by `[redacted]` in
 * `redactConfig`. (`sha256` is not secret but is hidden in messages too: a raw token pasted
 * there by mistake must not be printed.)
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'token',
  'apiKey',
  'webhookSecrets',
  'webhookToken',
  'webhookSecret',
  'externalId',
  'secret',
  'url',
  'botToken',
  'signingSecret',
  'apiToken',
  'oauthToken',
  'secrets',
]);
export const HIDDEN_IN_MESSAGES_KEYS: ReadonlySet<string> = new Set([...SECRET_KEYS, 'sha256']);

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type DriftwardenConfig = z.output<typeof configSchema>;
export type Mode = DriftwardenConfig['mode'];
export type RedisConfig = DriftwardenConfig['redis'];
export type ApiConfig = DriftwardenConfig['api'];
export type TokenConfig = z.output<typeof tokenSchema>;
export type AuditConfig = DriftwardenConfig['audit'];
export type TokenRole = TokenConfig['role'];
export type IngestConfig = DriftwardenConfig['ingest'];
export type SqsConfig = z.output<typeof sqsSchema>;
export type WorkersConfig = DriftwardenConfig['workers'];
export type AttributionConfig = DriftwardenConfig['attribution'];
export type AwsConfig = DriftwardenConfig['aws'];
export type AssumeRoleConfig = NonNullable<AwsConfig['assumeRole']>;
export type IncidentsConfig = DriftwardenConfig['incidents'];
export type PagerDutyConfig = z.output<typeof pagerdutySchema>;
export type PagerDutyMajorConfig = PagerDutyConfig['major'];
export type OpsgenieConfig = z.output<typeof opsgenieSchema>;
export type OpsgenieMajorConfig = OpsgenieConfig['major'];
export type JsmConfig = z.output<typeof jsmSchema>;
export type IncidentioConfig = z.output<typeof incidentioSchema>;
export type IncidentWebhookConfig = z.output<typeof incidentWebhookSchema>;
export type WebhookSourceConfig = z.output<typeof webhookSourceSchema>;
export type IncidentNotesConfig = z.output<typeof incidentNotesSchema>;
export type FreezeConfig = DriftwardenConfig['freeze'];
export type ScopeConfig = z.output<typeof scopeSchema>;
export type FreezeWindowConfig = z.output<typeof freezeWindowSchema>;
export type PrincipalsConfig = DriftwardenConfig['principals'];
export type StackConfig = z.output<typeof stackSchema>;
export type StateConfig = StackConfig['state'];
export type S3StateConfig = z.output<typeof s3StateSchema>;
export type FileStateConfig = Extract<StateConfig, { file: string }>;
export type RepoConfig = z.output<typeof repoSchema>;
export type GuardrailsConfig = DriftwardenConfig['guardrails'];
export type CriticalConfig = GuardrailsConfig['critical'];
export type GithubConfig = z.output<typeof githubSchema>;
export type NotificationsConfig = DriftwardenConfig['notifications'];
export type NotificationWebhookConfig = z.output<typeof notificationWebhookSchema>;
export type RetentionConfig = DriftwardenConfig['retention'];
export type BackportConfig = DriftwardenConfig['backport'];
export type ReconcileConfig = DriftwardenConfig['reconcile'];
export type PoliciesConfig = DriftwardenConfig['policies'];
export type SlackConfig = z.output<typeof slackSchema>;
