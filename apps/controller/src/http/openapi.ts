import { ACCOUNT_ID_PATTERN, MAX_RESOURCE_ID_LENGTH, REGION_PATTERN, RESOURCE_TYPE_PATTERN } from '@driftwarden/domain';
import { WEBHOOK_DEDUPE_MS } from '@driftwarden/freeze';
import { registeredKinds } from '@driftwarden/kinds';
import { GENERIC_WEBHOOK_JSON_SCHEMA } from '@driftwarden/incidents';

/**
 * The OpenAPI description of the v1 API (served at GET /docs). Written by hand from DESIGN §7;
 * `openapi.spec` checks that every route the controller serves is described here.
 */
const dedupeHours = WEBHOOK_DEDUPE_MS / 3_600_000;
// Each kind's record shapes (libs/kinds registrations): the record's `diff` and a difference's
// `detail` are unions keyed by `resource.kind`.
const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase());
const kindSchemas = registeredKinds().flatMap((k): Array<[string, Record<string, unknown>]> => [
  [`${pascal(k.kind.name)}Diff`, k.schemas.diff],
  [`${pascal(k.kind.name)}Detail`, k.schemas.detail],
]);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const kindNames = registeredKinds().map((k) => k.kind.name);
const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const errors = {
  '400': {
    description:
      'invalid request (validation_failed with the path of each problem, or invalid_json); the body is read only after the token is accepted',
    ...json(error),
  },
  '401': { description: 'missing or bad token (checked before the body is read)', ...json(error) },
  '403': { description: 'role too low', ...json(error) },
  '429': {
    description:
      'too_many_auth_failures: this client (its address; see api.trustProxy) had api.authFailureLimit failed authentications within the window; every authenticated request of it is refused, without its token being looked at, until the window ends',
    headers: { 'Retry-After': { description: 'seconds until the client may try again', schema: { type: 'integer', minimum: 1 } } },
    ...json(error),
  },
  '503': { description: 'Redis is unreachable or does not answer (code `redis_unavailable`, with Retry-After): try again', ...json(error) },
};
const activeLimit = (key: string) => ({
  description: `active_limit_reached: as many are active as ${key} allows; lift or remove one, or raise the limit`,
  ...json(error),
});
const page = (item: unknown) => ({
  type: 'object',
  required: ['items', 'next'],
  properties: { items: { type: 'array', items: item }, next: { type: 'string', nullable: true } },
});
const bearer = (role: string) => ({ security: [{ bearer: [] }], 'x-driftwarden-role': role });
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const q = (name: string, description: string, schema: unknown = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const comment = {
  required: true,
  ...json({
    type: 'object',
    required: ['comment'],
    properties: {
      comment: { type: 'string', minLength: 1 },
      confirmSuspicious: {
        type: 'boolean',
        description: 'adopt only: true to keep a difference flagged suspicious (400 confirmation_required otherwise)',
      },
    },
  }),
};
const scope = {
  type: 'object',
  description:
    'Which resources a source covers; every listed dimension must match. Known keys only, and not empty: leave the scope out to cover everything. ' +
    'Tag keys have 1 to 128 characters and are not __proto__, constructor or prototype; values at most 256; no control characters. The scope stored is exactly the scope given.',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    accounts: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', pattern: ACCOUNT_ID_PATTERN.source } },
    regions: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: { type: 'string', pattern: REGION_PATTERN.source, example: 'eu-west-1' },
    },
    resourceTypes: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: { type: 'string', pattern: RESOURCE_TYPE_PATTERN.source, example: 'AWS::EC2::SecurityGroup' },
    },
    tags: { type: 'object', minProperties: 1, maxProperties: 50, additionalProperties: { type: 'string', maxLength: 256 } },
  },
};
const isoTime =
  'an ISO 8601 date (2025-03-04, UTC midnight) or date-time with Z or an offset (2025-03-04T10:15:00Z); a date that does not exist (2026-02-30) is a 400, never normalised';
/** The generic webhook body (docs/incident-webhook.schema.json) in OpenAPI 3.0 terms: no `$schema`, `$id`, `const` or `if`/`then`. */
const GENERIC_WEBHOOK_JSON_SCHEMA_30 = {
  description: GENERIC_WEBHOOK_JSON_SCHEMA.description,
  oneOf: GENERIC_WEBHOOK_JSON_SCHEMA.oneOf.map((variant) => {
    const { if: _if, then: _then, ...rest } = variant as typeof variant & { if?: unknown; then?: unknown };
    const properties = Object.fromEntries(
      Object.entries(rest.properties).map(([key, value]) => {
        const v = value as Record<string, unknown>;
        if (!('const' in v)) return [key, v];
        const { const: only, ...others } = v;
        return [key, { ...others, type: 'string', enum: [only] }];
      }),
    );
    return { ...rest, properties };
  }),
};
const webhookAccepted = {
  type: 'object',
  required: ['accepted', 'duplicate'],
  properties: {
    accepted: { type: 'boolean' },
    duplicate: {
      type: 'boolean',
      description: 'true: this event was already received (see the deduplication key above); nothing was done again',
    },
    applied: { type: 'boolean', description: 'the event changed the freeze state' },
    stale: { type: 'boolean', description: 'older than the state already known: not applied' },
    ignored: { type: 'string', description: 'why nothing was applied' },
    drifts: { type: 'array', items: { type: 'string' } },
  },
};
/**
 * A signed provider webhook (POST): answered 202 with `webhookAccepted` (`accepted`: what its body
 * may hold), or one of `refusals` (status → why) with the error body; 503 when Redis does not answer.
 */
const webhook = (o: {
  summary: string;
  description: string;
  accepted: string;
  refusals: Record<string, string>;
  parameters?: unknown[];
  requestBody?: unknown;
}) => ({
  post: {
    summary: o.summary,
    description: o.description,
    ...(o.parameters ? { parameters: o.parameters } : {}),
    ...(o.requestBody ? { requestBody: o.requestBody } : {}),
    responses: {
      '202': { description: o.accepted, ...json(webhookAccepted) },
      ...Object.fromEntries(Object.entries(o.refusals).map(([status, description]) => [status, { description, ...json(error) }])),
      '503': errors['503'],
    },
  },
});
const freezeBody = {
  required: true,
  ...json({
    type: 'object',
    required: ['reason', 'ttl'],
    properties: { reason: { type: 'string' }, ttl: { type: 'string', example: '2h' }, scope },
  }),
};

export const OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'driftwarden',
    version: '1',
    description:
      'Incident-aware remediation controller for Terraform-managed AWS infrastructure. Bearer tokens have a role: viewer < operator < admin; ingest only posts events.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      DecisionPolicy: {
        type: 'object',
        description:
          "Set when policies (policies.files, Cedar) made the decision table's decision stricter: they can only move it down its ladder (revert → await_approval → hold; backport → tracking_issue → hold), never loosen it. `tracking_issue` is recorded with action `backport`: the backport opens an issue instead of a pull request.",
        additionalProperties: false,
        required: ['proposed', 'outcome', 'matched'],
        properties: {
          proposed: {
            type: 'string',
            enum: ['revert', 'await_approval', 'backport', 'tracking_issue', 'hold'],
            description: "the decision table's decision",
          },
          outcome: {
            type: 'string',
            enum: ['revert', 'await_approval', 'backport', 'tracking_issue', 'hold'],
            description: 'after the policies',
          },
          matched: {
            type: 'array',
            minItems: 1,
            description: 'every policy that forbade a rung on the way',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'source'],
              properties: {
                id: { type: 'string', description: "the policy's @id annotation, else file:line" },
                source: { type: 'string', description: 'where it is written, file:line' },
                error: { type: 'string', description: 'the policy failed to evaluate and counted as forbidding (fail closed)' },
              },
            },
          },
        },
      },
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
            },
          },
        },
      },
      FreezeSource: {
        type: 'object',
        required: ['id', 'type', 'reason', 'scope', 'since', 'until'],
        properties: {
          id: { type: 'string' },
          type: { type: 'string', enum: ['incident', 'manual', 'window', 'cooldown', 'unknown'] },
          reason: { type: 'string' },
          scope: { ...scope, nullable: true, description: 'null: the source covers everything' },
          since: { type: 'string', format: 'date-time' },
          until: { type: 'string', nullable: true },
          actor: { type: 'string' },
          incident: {
            type: 'object',
            properties: {
              provider: { type: 'string' },
              id: { type: 'string' },
              number: { type: 'integer' },
              title: { type: 'string' },
              url: { type: 'string' },
            },
          },
        },
      },
      DriftRecord: {
        type: 'object',
        required: [
          'id',
          'status',
          'dryRun',
          'resource',
          'decision',
          'principal',
          'changedAt',
          'detectedAt',
          'updatedAt',
          'diff',
          'evidence',
          'links',
        ],
        properties: {
          id: { type: 'string' },
          status: {
            type: 'string',
            enum: [
              'detected',
              'held',
              'awaiting_approval',
              'reverting',
              'reverted',
              'backport_open',
              'backport_merged',
              'backport_closed',
              'rejected',
              'resolved',
              'ignored',
              'failed',
            ],
          },
          dryRun: { type: 'boolean' },
          resource: {
            type: 'object',
            properties: {
              type: { type: 'string' },
              kind: { type: 'string', description: 'the resource kind that handles the type, e.g. security-group' },
              id: { type: 'string' },
              account: { type: 'string' },
              region: { type: 'string' },
              address: { type: 'string' },
              stack: { type: 'string' },
            },
          },
          decision: {
            type: 'object',
            properties: {
              action: {
                type: 'string',
                enum: ['ignore', 'noop', 'backport', 'hold', 'await_approval', 'revert', 'observe'],
                description:
                  "`observe`: a resource of the `observed` kind (in a stack's state, of a type no kind models) changed outside any freeze: recorded and listed, never reverted",
              },
              rule: { type: 'integer', nullable: true },
              reason: { type: 'string' },
              policy: ref('DecisionPolicy'),
            },
          },
          principal: {
            type: 'object',
            properties: {
              arn: { type: 'string', nullable: true },
              class: { type: 'string', enum: ['iac', 'breakGlass', 'self', 'other', 'unknown'] },
              session: { type: 'string' },
            },
          },
          changedAt: { type: 'string' },
          detectedAt: { type: 'string' },
          updatedAt: { type: 'string' },
          flags: {
            type: 'array',
            description:
              '`suspicious`: a door opened during a freeze, not by break-glass; `overdue`: the backport pull request is still open `backport.expiryDays` after it was opened (since `links.pullRequest.overdueSince`)',
            items: { type: 'string', enum: ['suspicious', 'overdue'] },
          },
          diff: {
            description: `Live vs desired, all of it, in the shape of the resource's kind (\`resource.kind\`: ${kindNames.join(', ')}); a record rebuilt from GitHub after a Redis loss has only \`equal\`.`,
            anyOf: [...kindNames.map((n) => ref(`${pascal(n)}Diff`)), ref('KindNeutralDiff')],
          },
          differences: {
            type: 'array',
            description:
              "The drift as differences (DESIGN §4), each attributed to the change that made it and decided on its own. The record's status and decision are those of the group handled next (revert, then approval, then hold, then backport); a backport codifies only the differences decided `backport`. Absent on records written before differences existed.",
            items: { $ref: '#/components/schemas/DriftDifference' },
          },
          evidence: { type: 'object' },
          links: {
            type: 'object',
            properties: {
              pullRequest: {
                type: 'object',
                required: ['url'],
                properties: {
                  url: { type: 'string' },
                  number: { type: 'integer' },
                  repo: { type: 'string' },
                  branch: { type: 'string' },
                  merged: { type: 'boolean', description: 'true once GitHub reported the PR merged' },
                  overdueSince: { type: 'string', format: 'date-time', description: 'set while the PR is overdue (backport.expiryDays)' },
                },
              },
              issue: {
                type: 'object',
                required: ['url'],
                properties: { url: { type: 'string' }, number: { type: 'integer' }, repo: { type: 'string' } },
              },
              incident: {
                type: 'object',
                description:
                  'The incident the decision was made under (open when the change was made, else freezing the resource at decision time).',
                required: ['provider', 'id'],
                properties: {
                  provider: { type: 'string' },
                  id: { type: 'string' },
                  number: { type: 'integer' },
                  title: { type: 'string' },
                  url: { type: 'string' },
                },
              },
            },
          },
          approval: { type: 'object' },
          incidentNotes: {
            type: 'array',
            description:
              'Notes on the incident timeline about this record (incidents.notes), oldest first: one per transition, posted or failed for good.',
            items: {
              type: 'object',
              required: ['transition', 'provider', 'incidentId', 'status', 'at', 'attempts'],
              properties: {
                transition: { type: 'string', enum: ['held', 'suspicious', 'backport_opened', 'backport_merged', 'reverted'] },
                provider: { type: 'string' },
                incidentId: { type: 'string' },
                status: { type: 'string', enum: ['posted', 'failed'] },
                at: { type: 'string', format: 'date-time' },
                attempts: { type: 'integer' },
                error: { type: 'string' },
                noteId: { type: 'string' },
              },
            },
          },
          failure: {
            type: 'object',
            description: 'Why the record is `failed` when a job failed for good; `replay --failed` decides an evaluation failure again.',
            properties: {
              stage: { type: 'string', enum: ['evaluate', 'remediate', 'backport'] },
              code: { type: 'string' },
              message: { type: 'string' },
              at: { type: 'string' },
              eventId: { type: 'string' },
              replays: { type: 'integer' },
            },
          },
        },
      },
      ...Object.fromEntries(kindSchemas),
      KindNeutralDiff: {
        type: 'object',
        required: ['equal'],
        description: 'what every diff has, whatever the kind',
        properties: {
          equal: { type: 'boolean' },
          attributes: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, live: {}, desired: {} } } },
        },
      },
      DriftDifference: {
        type: 'object',
        required: ['id', 'key', 'side', 'sentence', 'direction', 'detail', 'madeBy', 'decision', 'firstSeen'],
        properties: {
          id: { type: 'string', description: 'stable within the resource: the side and the key' },
          key: {
            type: 'string',
            description: 'what differs (for a security group: the rule key, e.g. `ingress|tcp|22|22|ipv4:0.0.0.0/0`)',
          },
          side: { type: 'string', enum: ['added', 'removed', 'changed'], description: 'what live has compared with the code' },
          sentence: { type: 'string', description: 'plain English, e.g. `opened ingress tcp/22 from 0.0.0.0/0 (the internet)`' },
          direction: {
            type: 'object',
            required: ['axis', 'change', 'revert'],
            properties: {
              axis: { type: 'string', enum: ['exposure', 'capacity', 'protection'] },
              change: { type: 'string', enum: ['widens', 'narrows', 'raises', 'lowers', 'weakens', 'strengthens', 'neutral'] },
              revert: { type: 'string', enum: ['widens', 'narrows', 'raises', 'lowers', 'weakens', 'strengthens', 'neutral'] },
            },
          },
          detail: {
            description: "the kind's own description of what differs, keyed by the record's `resource.kind` (a security group: the rule)",
            anyOf: [...kindNames.map((n) => ref(`${pascal(n)}Detail`)), { type: 'object' }],
          },
          madeBy: {
            type: 'object',
            description: 'who made it: the CloudTrail call whose request names it, else the Config item in which it first appeared',
            required: ['source', 'principal', 'at', 'configEventId'],
            properties: {
              source: { type: 'string', enum: ['cloudtrail-event', 'cloudtrail-lookup', 'config-item'] },
              principal: {
                type: 'object',
                properties: {
                  arn: { type: 'string', nullable: true },
                  class: { type: 'string', enum: ['iac', 'breakGlass', 'self', 'other', 'unknown'] },
                  session: { type: 'string' },
                },
              },
              at: { type: 'string', format: 'date-time' },
              cloudTrailEventId: { type: 'string' },
              eventName: { type: 'string' },
              configEventId: { type: 'string' },
              unattributable: {
                type: 'string',
                description: 'why no single change can be named; such a difference is never an emergency patch',
              },
            },
          },
          changeRisky: { type: 'boolean', description: 'the call that made it widened exposure (in any of its parts)' },
          decision: {
            type: 'object',
            required: ['action', 'rule', 'reason', 'at'],
            properties: {
              action: {
                type: 'string',
                enum: ['backport', 'hold', 'await_approval', 'revert', 'observe', 'leave'],
                description:
                  '`backport` on an observed resource: a tracking issue (codify or undo by hand), never a pull request; `observe`: recorded, never reverted',
              },
              rule: { type: 'integer', nullable: true },
              reason: { type: 'string' },
              at: { type: 'string', format: 'date-time' },
              policy: ref('DecisionPolicy'),
              human: {
                type: 'object',
                properties: {
                  verb: { type: 'string', enum: ['approve', 'adopt', 'reject'] },
                  by: { type: 'string' },
                  identity: { type: 'string' },
                  comment: { type: 'string' },
                  at: { type: 'string' },
                },
              },
            },
          },
          flags: { type: 'array', items: { type: 'string', enum: ['suspicious'] } },
          firstSeen: { type: 'object', properties: { at: { type: 'string' }, eventId: { type: 'string' } } },
        },
      },
    },
  },
  paths: {
    '/v1/events': {
      post: {
        ...bearer('ingest'),
        summary: 'AWS Config / CloudTrail EventBridge event (or SNS envelope, or bare notification), or an array',
        description:
          'Every identifier is checked before anything is written (400 validation_failed with the JSON path of each problem): accounts are 12 digits; regions have the AWS form of every partition ' +
          '(eu-west-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1; a Config item of a global resource may say "global"); resource types are Service::Kind::Name; ' +
          `resource ids have 1 to ${MAX_RESOURCE_ID_LENGTH} characters, no control characters and no "." or ".." path segment, EC2 ids (sg-, acl-, i-, vpc-, …) and S3 bucket names their own form (never "/"), ARNs the ARN form. ` +
          'A CloudTrail call that succeeded must name well-formed group and rule ids; a failed call (errorCode) records ids as typed, and malformed ones are dropped.',
        requestBody: { required: true, ...json({ oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] }) },
        responses: {
          '202': {
            description: 'accepted',
            ...json({
              type: 'object',
              properties: {
                accepted: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      eventId: { type: 'string' },
                      kind: { type: 'string', enum: ['config_item', 'cloudtrail', 'compliance'] },
                      resourceId: { type: 'string' },
                      duplicate: { type: 'boolean' },
                      status: { type: 'string', enum: ['accepted', 'duplicate', 'stale'] },
                    },
                  },
                },
              },
            }),
          },
          '413': { description: 'body or event count over the limit', ...json(error) },
          ...errors,
        },
      },
    },
    '/v1/freeze': {
      get: {
        ...bearer('viewer'),
        summary: 'The effective freeze with every active source and provider freshness',
        parameters: [q('account', '12-digit account id'), q('region', 'e.g. eu-west-1')],
        responses: {
          '200': {
            description: 'effective freeze',
            ...json({
              type: 'object',
              properties: {
                frozen: { type: 'boolean' },
                sources: { type: 'array', items: { $ref: '#/components/schemas/FreezeSource' } },
                providers: { type: 'object' },
              },
            }),
          },
          ...errors,
        },
      },
    },
    '/v1/freezes': {
      post: {
        ...bearer('operator'),
        summary: 'Manual freeze (reason and TTL required)',
        requestBody: freezeBody,
        responses: {
          '201': { description: 'created', ...json({ $ref: '#/components/schemas/FreezeSource' }) },
          '409': activeLimit('freeze.maxActive'),
          ...errors,
        },
      },
    },
    '/v1/freezes/{id}': {
      delete: {
        ...bearer('operator'),
        summary: 'Lift a manual freeze (409 for incident, window, cooldown and unknown sources)',
        parameters: [idParam('id')],
        responses: {
          '200': { description: 'lifted', ...json({ $ref: '#/components/schemas/FreezeSource' }) },
          '404': { description: 'unknown', ...json(error) },
          '409': { description: 'not a manual freeze', ...json(error) },
          ...errors,
        },
      },
    },
    '/v1/freeze/overrides': {
      post: {
        ...bearer('admin'),
        summary: 'Time-boxed (at most 1h) override of incident freezes, audited',
        requestBody: freezeBody,
        responses: {
          '201': { description: 'created', ...json({ type: 'object' }) },
          '409': activeLimit('freeze.maxActiveOverrides'),
          ...errors,
        },
      },
    },
    '/v1/drifts': {
      get: {
        ...bearer('viewer'),
        summary: 'Drift records, newest first',
        parameters: [
          q('status', 'a drift status'),
          q('resource', 'resource id or account/region/type/id'),
          q('account', 'account id'),
          q(
            'kind',
            `the resource kind (${kindNames.map((n) => `\`${n}\``).join(', ')}) or the resource type, e.g. \`AWS::EC2::SecurityGroup\``,
            {
              type: 'string',
              pattern: `^(?:${RESOURCE_TYPE_PATTERN.source.slice(1, -1)}|[a-z][a-z0-9-]{1,40})$`,
            },
          ),
          q('region', 'e.g. eu-west-1', { type: 'string', pattern: REGION_PATTERN.source }),
          q('suspicious', 'true: only records flagged suspicious; false: only records that are not', {
            type: 'string',
            enum: ['true', 'false'],
          }),
          q(
            'overdue',
            'true: only records whose backport pull request is overdue (backport.expiryDays); false: only records that are not',
            { type: 'string', enum: ['true', 'false'] },
          ),
          q(
            'text',
            "words (case-insensitive), each found in the id, resource, address, reason, a difference's sentence, the principal or the links",
            { type: 'string', maxLength: 200 },
          ),
          q('limit', '1-500', { type: 'integer' }),
          q('cursor', "the previous page's next, unchanged (anything else is a 400)"),
        ],
        responses: { '200': { description: 'a page', ...json(page({ $ref: '#/components/schemas/DriftRecord' })) }, ...errors },
      },
    },
    '/v1/drifts/{id}': {
      get: {
        ...bearer('viewer'),
        summary: 'One drift record with its evidence',
        parameters: [idParam('id')],
        responses: {
          '200': { description: 'the record', ...json({ $ref: '#/components/schemas/DriftRecord' }) },
          '404': { description: 'unknown', ...json(error) },
          ...errors,
        },
      },
    },
    '/v1/drifts/{id}/evidence': {
      get: {
        ...bearer('viewer'),
        summary: "The record's self-contained evidence bundle, sealed",
        description:
          'One JSON document (`format: driftwarden.evidence/v1`): the Config items and CloudTrail records used (those still retained; the others listed in `missing`), the desired-state excerpt with the state serial and lineage, the incident snapshot and freeze view at decision time, the rule that matched and why, each difference with its attribution, every cloud and GitHub call with its request and result, the verified after-state, PR/issue/commit links, and the audit entries about the drift with their chain hashes. `integrity.digest` is SHA-256 over the RFC 8785 canonical JSON of the bundle without `integrity`; `integrity.signature` signs that digest with the `audit.checkpoints` key when one is configured. `driftwarden evidence verify FILE` checks it.',
        parameters: [idParam('id')],
        responses: {
          '200': {
            description: 'the bundle',
            ...json({
              type: 'object',
              required: ['format', 'generatedAt', 'drift', 'decision', 'audit', 'integrity'],
              properties: {
                format: { type: 'string', enum: ['driftwarden.evidence/v1'] },
                generatedAt: { type: 'string', format: 'date-time' },
                drift: { type: 'object' },
                decision: { type: 'object' },
                configItems: { type: 'object' },
                cloudTrail: { type: 'object' },
                desiredState: { type: ['object', 'null'] },
                incidentSnapshot: {},
                freeze: {},
                diff: { type: 'object' },
                differences: { type: 'array', items: { type: 'object' } },
                calls: { type: 'array', items: { type: 'object' } },
                afterState: {},
                links: { type: 'object' },
                audit: { type: 'object', properties: { entries: { type: 'array', items: { type: 'object' } }, head: {} } },
                integrity: {
                  type: 'object',
                  required: ['canonicalization', 'digestAlgorithm', 'digest'],
                  properties: {
                    canonicalization: { type: 'string', enum: ['RFC 8785'] },
                    digestAlgorithm: { type: 'string', enum: ['SHA-256'] },
                    digest: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                    signature: {
                      type: 'object',
                      properties: { alg: { type: 'string' }, keyId: { type: 'string' }, value: { type: 'string' } },
                    },
                  },
                },
              },
            }),
          },
          '404': { description: 'unknown', ...json(error) },
          ...errors,
        },
      },
    },
    ...Object.fromEntries(
      (['approve', 'adopt', 'reject'] as const).map((verb) => [
        `/v1/drifts/{id}/${verb}`,
        {
          post: {
            ...bearer('operator'),
            summary: { approve: 'Approve the revert', adopt: 'Keep the live state and open a backport PR', reject: 'Leave it (recorded)' }[
              verb
            ],
            parameters: [idParam('id')],
            requestBody: comment,
            responses: {
              '201': { description: 'decided', ...json({ $ref: '#/components/schemas/DriftRecord' }) },
              '404': { description: 'unknown', ...json(error) },
              '409': { description: 'not awaiting approval', ...json(error) },
              ...errors,
            },
          },
        },
      ]),
    ),
    '/v1/exceptions': {
      get: {
        ...bearer('viewer'),
        summary: 'Per-resource exceptions, newest first (active ones by default)',
        parameters: [
          q('status', 'active (default), expired, removed or all', { type: 'string', enum: ['active', 'expired', 'removed', 'all'] }),
          q('resource', 'resource id or ARN'),
          q('account', 'account id (matches exceptions given by ARN)'),
          q('limit', '1-500', { type: 'integer' }),
          q('cursor', "the previous page's next"),
        ],
        responses: { '200': { description: 'list', ...json(page({ type: 'object' })) }, ...errors },
      },
      post: {
        ...bearer('operator'),
        summary: 'Exclude a resource until a time (until or ttl)',
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['resource', 'reason'],
            additionalProperties: false,
            properties: {
              resource: {
                type: 'string',
                description:
                  'a resource id as AWS Config names it (e.g. sg-0abc1234def567890, a bucket name) or an ARN with a 12-digit account',
              },
              reason: { type: 'string', minLength: 1, maxLength: 500 },
              until: {
                type: 'string',
                format: 'date-time',
                description: 'at most guardrails.maxExceptionDays (default 30) from now; exactly one of until or ttl',
              },
              ttl: { type: 'string', example: '7d', description: 'at most guardrails.maxExceptionDays days' },
            },
          }),
        },
        responses: {
          '201': { description: 'created', ...json({ type: 'object' }) },
          '409': activeLimit('guardrails.maxActiveExceptions'),
          ...errors,
        },
      },
    },
    '/v1/exceptions/{id}': {
      delete: {
        ...bearer('operator'),
        summary: 'Remove an exception (the resource is evaluated again)',
        parameters: [idParam('id')],
        responses: {
          '200': { description: 'removed', ...json({ type: 'object' }) },
          '404': { description: 'unknown', ...json(error) },
          ...errors,
        },
      },
    },
    '/v1/replay/failed': {
      post: {
        ...bearer('operator'),
        summary: 'Decide again the items whose evaluation failed for good (`driftwarden replay --failed`)',
        description:
          "An evaluation that failed for good (its retries ran out, or a permanent error) leaves a `failed` drift record with `failure: {stage: evaluate, code, message, eventId}`. This puts each such item back among its resource's pending items and queues one evaluation per resource. Items no longer kept (retention) are skipped with the reason. Audited as `api.replay.failed`.",
        requestBody: {
          required: false,
          ...json({ type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } }),
        },
        responses: {
          '200': {
            description: 'what was re-queued and what was skipped',
            ...json({
              type: 'object',
              required: ['requeued', 'skipped'],
              properties: {
                requeued: {
                  type: 'array',
                  items: { type: 'object', properties: { driftId: { type: 'string' }, eventId: { type: 'string' } } },
                },
                skipped: {
                  type: 'array',
                  items: { type: 'object', properties: { driftId: { type: 'string' }, reason: { type: 'string' } } },
                },
              },
            }),
          },
          ...errors,
        },
      },
    },
    '/v1/audit': {
      get: {
        ...bearer('viewer'),
        summary: 'Decision and action log, oldest first',
        parameters: [
          q('since', `${isoTime}; from 1970-01-01T00:00:00Z on`),
          q('type', 'entry type, e.g. decision'),
          q('drift', 'drift id'),
          q('resource', 'resource id or account/region/type/id'),
          q('account', 'account id'),
          q('limit', '1-1000', { type: 'integer' }),
          q('cursor', "the previous page's next, unchanged (anything else is a 400)"),
        ],
        responses: { '200': { description: 'a page', ...json(page({ type: 'object' })) }, ...errors },
      },
    },
    '/v1/audit/verify': {
      get: {
        ...bearer('viewer'),
        summary: 'Checks the audit hash chain and its signed checkpoints; names the first broken entry',
        description:
          "Walks the retained stream from its oldest entry to the chain head: each entry must carry the next seq, its predecessor's hash as `prevHash`, and `hash` = SHA-256 over the RFC 8785 canonical JSON of `{bodyHash, prevHash, seq}` (bodyHash: SHA-256 of the canonical entry without id and chain fields); each `audit.checkpoint` entry must sign its predecessor with a configured key. The oldest retained entry is the anchor when retention trimmed older ones (`anchor: retention`), and must be the oldest seq retention kept.",
        responses: {
          '200': {
            description: '`ok: false` with `firstBroken` when the chain does not verify',
            ...json({
              type: 'object',
              required: ['ok', 'checked', 'anchor', 'checkpoints', 'firstBroken'],
              properties: {
                ok: { type: 'boolean' },
                checked: { type: 'integer' },
                from: {},
                to: {},
                anchor: { type: 'string', enum: ['genesis', 'retention', 'partial', 'empty'] },
                checkpoints: { type: 'object' },
                firstBroken: {
                  oneOf: [
                    { type: 'null' },
                    {
                      type: 'object',
                      properties: {
                        at: { type: 'string' },
                        seq: { type: 'integer' },
                        problem: { type: 'string' },
                        message: { type: 'string' },
                      },
                    },
                  ],
                },
              },
            }),
          },
          ...errors,
        },
      },
    },
    '/v1/webhooks/pagerduty': webhook({
      summary: 'PagerDuty webhooks v3 (X-PagerDuty-Signature), deduplicated on the signed event.id',
      description:
        `Deduplicated on \`event.id\`, which the signature covers (not on \`X-Webhook-Id\`, which it does not: a captured body re-sent under a fresh header is still a replay); deliveries are remembered for ${dedupeHours} h, and an event whose \`occurred_at\` is older than that is not applied. ` +
        'Events of one incident are ordered by `occurred_at`: an event older than the state already known for the incident (a newer event, or a poll that started after it) is stale: answered 202 with `stale: true` and the reason in `ignored`, audited as `freeze.incident_event_stale`, counted in `driftwarden_webhooks_rejected_total{reason="stale"}`, and never applied.',
      accepted: 'accepted: `{accepted, duplicate, applied, stale?, ignored?}`',
      refusals: { '401': 'bad signature' },
    }),
    '/v1/webhooks/opsgenie': {
      post: {
        summary: 'Opsgenie webhooks (shared secret header X-Opsgenie-Token)',
        responses: { '202': { description: 'accepted' }, '401': { description: 'bad token', ...json(error) } },
      },
    },
    '/v1/webhooks/github': webhook({
      summary: 'GitHub webhooks (X-Hub-Signature-256), deduplicated on the SHA-256 of the signed body',
      description: `Deduplicated on the SHA-256 of the raw body, which the signature covers (not on \`X-GitHub-Delivery\`, which it does not: the same body under a fresh delivery id is a replay); deliveries are remembered for ${dedupeHours} h (GitHub redelivers up to 3 days), and a \`pull_request\` or \`issues\` event updated longer ago than that is not applied. A repeat is answered 202 with \`duplicate: true\`. Events: \`pull_request\` closed (a backport PR merged → \`backport_merged\`; closed unmerged → \`awaiting_approval\`) and \`issues\` closed (a driftwarden issue closed as \`completed\` → codified by hand, \`backport_merged\`; \`not_planned\` → \`awaiting_approval\`, or \`rejected\` where the resource is never reverted; \`duplicate\` → no change); others are answered with \`ignored\`.`,
      accepted: 'accepted: `{accepted, duplicate, drifts?, ignored?}`',
      refusals: { '401': 'bad signature' },
    }),
    '/v1/slack/actions': {
      post: {
        summary:
          'Slack interactivity (Approve / Adopt / Reject buttons, the decision dialog) and the /driftwarden slash command (notifications.slack)',
        description:
          'Authenticated by Slack\'s request signature: X-Slack-Signature = v0= + hex(HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + the raw form body)), compared in constant time; a timestamp more than 5 minutes from now is refused (a replay). ' +
          'Refusals are 401 and audited as slack.refused. Slack users are mapped to an identity and a role by notifications.slack.users; an unmapped user, or one whose role is too low, is told privately (chat.postEphemeral) and audited. ' +
          "Decisions follow the API's rules (no self-approval, a comment, confirmSuspicious to adopt a suspicious difference) and are audited as api.drift.<verb> with actor slack:<user id>. " +
          'Slash command: `freeze on <ttl> <reason>` (operator), `freeze off [id]` (operator), `freeze status` (viewer).',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                properties: {
                  payload: { type: 'string', description: 'an interaction (JSON)' },
                  command: { type: 'string' },
                  text: { type: 'string' },
                  user_id: { type: 'string' },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description:
              'acknowledged: {} (a click or a closed dialog), {response_action: "errors", errors} (the dialog shows why), or {response_type, text} (a slash command\'s answer)',
            ...json({ type: 'object' }),
          },
          '400': { description: 'a signed body that is not a Slack interaction or command', ...json(error) },
          '401': { description: 'bad, missing or stale signature', ...json(error) },
          '404': { description: 'Slack is not configured', ...json(error) },
          '503': errors['503'],
        },
      },
    },
    '/v1/me': {
      get: {
        ...bearer('viewer'),
        summary: 'Who this token is: name, role, identity, and what the role may do (the console shows only those controls)',
        responses: {
          '200': {
            description: 'the caller',
            ...json({
              type: 'object',
              required: ['name', 'role', 'identity', 'can'],
              properties: {
                name: { type: 'string' },
                role: { type: 'string', enum: ['viewer', 'ingest', 'operator', 'admin'] },
                identity: { type: 'string', nullable: true },
                can: {
                  type: 'object',
                  properties: {
                    decide: { type: 'boolean' },
                    freeze: { type: 'boolean' },
                    override: { type: 'boolean' },
                    exceptions: { type: 'boolean' },
                  },
                },
              },
            }),
          },
          ...errors,
        },
      },
    },
    '/v1/freeze/stream': {
      get: {
        ...bearer('viewer'),
        summary: "The effective freeze as server-sent events (the console's live banner)",
        description:
          'text/event-stream. Authenticated by the Authorization header like every v1 call: read it with fetch (EventSource cannot send a header; a token in the URL would end up in logs and history). ' +
          'A `freeze` event carries the body of GET /v1/freeze (every source, no account/region filter): one at once, then one after every freeze transition published by any replica (Redis pub/sub), and the whole view again every 60 s. ' +
          'A comment line every 15 s keeps the connection open. 503 too_many_streams when 200 streams are open on the replica.',
        responses: { '200': { description: 'the stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
      },
    },
    '/ui': {
      get: {
        summary: 'The web console (single-page app; it signs in with an API token kept in sessionStorage)',
        description:
          "Served with a strict Content-Security-Policy (default-src 'none'; script, style, image, font and connect sources 'self' only; frame-ancestors 'none'), X-Frame-Options: DENY, nosniff and no-referrer; nothing is loaded from a third party. 404 console_not_built when the console is not part of the build (npm run build).",
        responses: {
          '200': { description: 'index.html', content: { 'text/html': { schema: { type: 'string' } } } },
          '404': {
            description: 'console_not_built: the controller was built without the console (npm run build writes dist/console)',
            ...json(error),
          },
        },
      },
    },
    '/ui/assets/{file}': {
      get: {
        summary: "The console's bundles (content-hashed names, cached for good)",
        parameters: [idParam('file')],
        responses: {
          '200': { description: 'a script, stylesheet or image' },
          '404': { description: 'not part of the build', ...json(error) },
        },
      },
    },
    '/v1/webhooks/jsm': webhook({
      summary:
        'Jira Service Management (Jira admin webhook, X-Hub-Signature: sha256=<hex>): the work item is read back from Jira and applied at once',
      description:
        `Signed with one of \`incidents.jsm.webhookSecrets\` (HMAC-SHA256 of the raw body, constant time). The body only names the work item: it is read back (GET, then the configured JQL) and that answer is applied, as of the read. Deduplicated on \`X-Atlassian-Webhook-Identifier\` (the same on every retry) and on the signed body (remembered ${dedupeHours} h). ` +
        'When Jira cannot be read the delivery is answered 503 `provider_unavailable` and forgotten, so its retry is handled.',
      accepted: 'accepted: `{accepted, duplicate, applied, stale?, ignored?}`',
      refusals: { '400': 'not a Jira webhook', '401': 'bad signature', '404': 'not configured' },
    }),
    '/v1/webhooks/incidentio': webhook({
      summary:
        'incident.io webhooks, signed the Svix way (webhook-id, webhook-timestamp, webhook-signature: v1,<base64>), deduplicated on the signed webhook-id',
      description:
        "Verified as Svix documents it: base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the base64-decoded `whsec_` secret, any `v1,` entry, constant time; a timestamp more than 5 minutes away is refused (`stale_timestamp`). A public incident event is applied at once, ordered by the incident's `updated_at`; a private incident event (only an id) makes the providers be polled again at once (`refresh: queued`).",
      accepted: 'accepted: `{accepted, duplicate, applied?, stale?, ignored?, refresh?}`',
      refusals: { '400': 'not an incident.io webhook', '401': 'bad_signature or stale_timestamp', '404': 'not configured' },
    }),
    '/v1/webhooks/incidents/{source}': webhook({
      summary: 'Signed generic incident webhook of a configured source (incidents.webhook.sources.<source>): an incident or a heartbeat',
      description:
        'Headers: `X-Driftwarden-Timestamp: <unix seconds>` and `X-Driftwarden-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` (several comma-separated `v1=` while a secret rotates). A delivery signed more than 5 minutes away from the controller\'s clock is refused (`stale_timestamp`); a replay within them is a duplicate. ' +
        'Every authentic message keeps the source fresh; a source silent (no incident, no `{"type": "heartbeat"}`) for longer than its `maxStalenessSeconds` is unknown, which freezes, and its open incidents stay open. Messages are applied in the order of their `updatedAt` (else the signing time); a resolved major incident never seen open goes into the freeze history (`backfilled: true`). The body\'s JSON Schema: docs/incident-webhook.schema.json.',
      parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } }],
      requestBody: { required: true, content: { 'application/json': { schema: GENERIC_WEBHOOK_JSON_SCHEMA_30 } } },
      accepted: 'accepted: `{accepted, duplicate, applied?, stale?, ignored?, heartbeat?, backfilled?}`',
      refusals: { '400': 'not the documented body', '401': 'unsigned, bad_signature or stale_timestamp', '404': 'no such source' },
    }),
    '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'alive' } } } },
    '/readyz': {
      get: {
        summary: 'Readiness (Redis, workers); provider freshness and whether the state is rebuilt (DESIGN §9) in the body',
        description:
          'Public: errors are codes (redis.error redis_unavailable; providers.*.error poll_failed, no_data_yet, or stale for a push-only generic webhook source silent for longer than its maxStalenessSeconds, marked push: true); the details are in the controller log and, for providers, in GET /v1/freeze.',
        responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    '/docs': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.0' } } } },
  },
} as const;
