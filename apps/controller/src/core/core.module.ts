import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { PrincipalClassifier, webhookIncidentProvider, type IncidentProvider, type Scope } from '@driftwarden/domain';
import { AwsConfigItemFetcher, ConfigItemFetcher, createConfigServiceClientProvider, createS3Client } from '@driftwarden/ingest';
import { Metrics, type Logger } from '@driftwarden/observability';
import {
  KindRegistry,
  AttributionPort,
  BackportPort,
  BackportService,
  DesiredStatePort,
  DryRunBackportGuard,
  DryRunRemediationGuard,
  EvaluateService,
  ExceptionsPort,
  FencePort,
  FreezePort,
  IngestService,
  NoBackport,
  RemediateService,
  RemediationPort,
  ResourceKinds,
} from '@driftwarden/pipeline';
import { JobProducer, type JobRetention } from '@driftwarden/queue';
import { RedisConnectionMonitor, RedisKeys, createRedis } from '@driftwarden/redis';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger, QuarantineStore, type StoreRetention } from '@driftwarden/store';
import { TokenRegistry } from '@driftwarden/auth';
import { CloudTrailAttribution, CloudTrailWindowWalker, SharedRateLimiter, createCloudTrailClientFor } from '@driftwarden/attribution';
import { FreezeFence, FreezeService, FreezeStore, IncidentPoller, type FreezeSettings, type IncidentSource } from '@driftwarden/freeze';
import { createIncidentProviders } from '@driftwarden/incidents';
import { IncidentNoteLog } from '@driftwarden/notifications';
import { ExceptionsStore } from '@driftwarden/exceptions';
import { assumedRoleCredentialsFor, type CredentialsFor } from '@driftwarden/ec2';
import { GitHubBackport, editorsOf } from '@driftwarden/backport';
import { createGitHubRepoClient, gitHubClientOptionsFromConfig } from '@driftwarden/github';
import { KindRemediation, KindsDesiredState, registeredKinds, type KindRegistration } from '@driftwarden/kinds';
import { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { PortOverrides } from './port-overrides';
import { AWS_CREDENTIALS_FOR, CLOCK, INCIDENT_SOURCES, KINDS, LOGGER, REDIS, REDIS_BLOCKING } from './tokens';

type Clock = () => Date;

export function freezeSettings(c: DriftwardenConfig): FreezeSettings {
  return {
    windows: c.freezeWindows.map((w) => ({
      name: w.name,
      schedule: w.schedule,
      durationMs: w.durationMs,
      timeZone: w.timeZone,
      ...(w.scope ? { scope: w.scope } : {}),
    })),
    providers: [
      ...(c.incidents.pagerduty ? (['pagerduty'] as const) : []),
      ...(c.incidents.opsgenie ? (['opsgenie'] as const) : []),
      ...incidentSourcesOf(c).providers,
    ],
    cooldownMs: c.incidents.cooldownMinutes * 60_000,
    lookbackMs: c.incidents.lookbackMinutes * 60_000,
    maxStalenessMs: c.incidents.maxStalenessSeconds * 1000,
    ...(Object.keys(incidentSourcesOf(c).stalenessMs).length > 0 ? { stalenessMs: incidentSourcesOf(c).stalenessMs } : {}),
  };
}

/**
 * The incident sources beyond PagerDuty and Opsgenie (issue 14): Jira Service Management and
 * incident.io (polled), and each signed generic webhook source (`webhook.<name>`, push-only,
 * with its own staleness limit). Their scope maps, keyed by provider, for the poller.
 */
export function incidentSourcesOf(c: DriftwardenConfig): {
  providers: IncidentProvider[];
  stalenessMs: Partial<Record<IncidentProvider, number>>;
  scopes: Partial<Record<IncidentProvider, Record<string, Scope>>>;
} {
  const providers: IncidentProvider[] = [];
  const stalenessMs: Partial<Record<IncidentProvider, number>> = {};
  const scopes: Partial<Record<IncidentProvider, Record<string, Scope>>> = {};
  if (c.incidents.jsm) {
    providers.push('jsm');
    if (c.incidents.jsm.scopes) scopes.jsm = c.incidents.jsm.scopes;
  }
  if (c.incidents.incidentio) {
    providers.push('incidentio');
    if (c.incidents.incidentio.scopes) scopes.incidentio = c.incidents.incidentio.scopes;
  }
  for (const [name, source] of Object.entries(c.incidents.webhook?.sources ?? {})) {
    const provider = webhookIncidentProvider(name);
    providers.push(provider);
    stalenessMs[provider] = (source.maxStalenessSeconds ?? c.incidents.maxStalenessSeconds) * 1000;
    if (source.scopes) scopes[provider] = source.scopes;
  }
  return { providers, stalenessMs, scopes };
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Config `retention` as the stores take it (README "Retention"). */
export function storeRetentionOf(c: DriftwardenConfig): StoreRetention {
  const r = c.retention;
  return {
    itemSeconds: seconds(r.itemsMs),
    resourceSeconds: seconds(r.resourcesMs),
    closedDriftSeconds: seconds(r.closedDriftsMs),
    ignoredDriftSeconds: seconds(r.ignoredDriftsMs),
    cloudTrailSeconds: seconds(r.cloudTrailEventsMs),
    auditMaxEntries: r.audit.maxEntries,
    auditMaxAgeSeconds: seconds(r.audit.maxAgeMs),
    quarantineMaxEntries: r.quarantine.maxEntries,
  };
}

/** Config `retention.completedJobs`/`failedJobs` as the job producer takes them. */
export function jobRetentionOf(c: DriftwardenConfig): JobRetention {
  const r = c.retention;
  return {
    completed: { ageSeconds: seconds(r.completedJobs.maxAgeMs), count: r.completedJobs.maxCount },
    failed: { ageSeconds: seconds(r.failedJobs.maxAgeMs), count: r.failedJobs.maxCount },
  };
}

/** The composition root: Redis, stores, queue producer, ports and use cases. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(opts: { overrides: PortOverrides; logger: Logger; clock?: Clock; metrics?: Metrics }): DynamicModule {
    const o = opts.overrides;
    const dryRun = (c: DriftwardenConfig) => c.mode === 'dry-run';
    const providers: Provider[] = [
      { provide: LOGGER, useValue: opts.logger },
      { provide: CLOCK, useValue: opts.clock ?? (() => new Date()) },
      { provide: Metrics, useValue: opts.metrics ?? new Metrics() },
      {
        provide: RedisKeys,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig) => new RedisKeys(c.redis.prefix),
      },
      // Every Redis connection's errors go into the log through this one (rate-limited), never raw on stderr.
      {
        provide: RedisConnectionMonitor,
        inject: [LOGGER],
        useFactory: (l: Logger) => new RedisConnectionMonitor(l.child({ component: 'redis' })),
      },
      {
        // Request/response: fails fast while Redis is unreachable (the API answers 503 redis_unavailable).
        provide: REDIS,
        inject: [DRIFTWARDEN_CONFIG, RedisConnectionMonitor],
        useFactory: (c: DriftwardenConfig, m: RedisConnectionMonitor) => createRedis({ url: c.redis.url, name: 'driftwarden', monitor: m }),
      },
      {
        // Queue producers and workers need a connection that retries forever.
        provide: REDIS_BLOCKING,
        inject: [DRIFTWARDEN_CONFIG, RedisConnectionMonitor],
        useFactory: (c: DriftwardenConfig, m: RedisConnectionMonitor) =>
          createRedis({ url: c.redis.url, name: 'driftwarden:queue', blocking: true, monitor: m }),
      },
      { provide: TokenRegistry, inject: [DRIFTWARDEN_CONFIG], useFactory: (c: DriftwardenConfig) => new TokenRegistry(c.api.tokens) },
      {
        provide: PrincipalClassifier,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig) => new PrincipalClassifier(c.principals),
      },
      {
        provide: AuditLog,
        inject: [REDIS, RedisKeys, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, c: DriftwardenConfig) => new AuditLog(r, k, storeRetentionOf(c)),
      },
      {
        provide: DriftStore,
        inject: [REDIS, RedisKeys, AuditLog, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog, c: DriftwardenConfig) => new DriftStore(r, k, a, storeRetentionOf(c)),
      },
      {
        provide: ItemLedger,
        inject: [REDIS, RedisKeys, AuditLog, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog, c: DriftwardenConfig) => new ItemLedger(r, k, a, storeRetentionOf(c)),
      },
      {
        provide: CloudTrailStore,
        inject: [REDIS, RedisKeys, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, c: DriftwardenConfig) => new CloudTrailStore(r, k, storeRetentionOf(c)),
      },
      {
        provide: QuarantineStore,
        inject: [REDIS, RedisKeys, AuditLog, DRIFTWARDEN_CONFIG],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog, c: DriftwardenConfig) => new QuarantineStore(r, k, a, storeRetentionOf(c)),
      },
      {
        provide: JobProducer,
        inject: [REDIS_BLOCKING, RedisKeys, DRIFTWARDEN_CONFIG, RedisConnectionMonitor],
        useFactory: (r: Redis, k: RedisKeys, c: DriftwardenConfig, m: RedisConnectionMonitor) =>
          new JobProducer({
            connection: r,
            prefix: k.bullPrefix,
            coalesceMs: c.ingest.coalesceMilliseconds,
            jobRetention: jobRetentionOf(c),
            onError: (err, queue) => m.report(`queue:${queue}`, err),
          }),
      },
      // Ports: the real adapters built from the configuration, unless a test replaces them.
      // The resource kinds (libs/kinds/src/registry.ts is the only place they are listed).
      { provide: KINDS, useFactory: () => registeredKinds() },
      {
        provide: ResourceKinds,
        inject: [KINDS],
        useFactory: (kinds: KindRegistration[]) => o.kinds ?? new KindRegistry(kinds.map((k) => k.kind)),
      },
      {
        // What Terraform last applied, per configured stack (file or S3, version-cached), read by each kind.
        provide: DesiredStatePort,
        inject: [DRIFTWARDEN_CONFIG, KINDS],
        useFactory: (c: DriftwardenConfig, kinds: KindRegistration[]) =>
          o.desiredState ??
          new KindsDesiredState(
            DesiredStateIndex.fromConfig(
              c.stacks,
              { s3ClientFor: (region: string) => createS3Client({ region, requestTimeoutMs: 10_000 }) },
              { kinds: kinds.map((k) => k.state) },
            ),
            kinds,
          ),
      },
      {
        provide: FreezeStore,
        inject: [REDIS, RedisKeys, AuditLog],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new FreezeStore(r, k, a),
      },
      // Notes on incident timelines: what became of each, kept beside the drift records (issue 14 §4).
      { provide: IncidentNoteLog, inject: [REDIS, RedisKeys], useFactory: (r: Redis, k: RedisKeys) => new IncidentNoteLog(r, k) },
      // The polled incident sources, built once: the poller lists them, the webhooks read back through them.
      {
        provide: INCIDENT_SOURCES,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig): IncidentSource[] => o.incidentSources ?? createIncidentProviders(c.incidents),
      },
      {
        provide: IncidentPoller,
        inject: [FreezeStore, DRIFTWARDEN_CONFIG, CLOCK, INCIDENT_SOURCES],
        useFactory: (store: FreezeStore, c: DriftwardenConfig, clock: Clock, sources: IncidentSource[]) =>
          new IncidentPoller(
            sources,
            store,
            { pagerduty: c.incidents.pagerduty?.scopes, opsgenie: c.incidents.opsgenie?.scopes, ...incidentSourcesOf(c).scopes },
            clock,
            c.incidents.maxStalenessSeconds * 1000,
          ),
      },
      {
        provide: FreezeService,
        inject: [FreezeStore, DRIFTWARDEN_CONFIG],
        useFactory: (store: FreezeStore, c: DriftwardenConfig) => new FreezeService(store, freezeSettings(c)),
      },
      {
        // Cross-account: one assumed-role session per account, shared by the EC2, CloudTrail and Config clients.
        provide: AWS_CREDENTIALS_FOR,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig): CredentialsFor | null =>
          c.aws.assumeRole ? assumedRoleCredentialsFor(c.aws.assumeRole) : null,
      },
      {
        // CloudTrail events ingested on the event paths, correlated by resource and time.
        provide: AttributionPort,
        inject: [CloudTrailStore, PrincipalClassifier, DRIFTWARDEN_CONFIG, REDIS, RedisKeys, AWS_CREDENTIALS_FOR, LOGGER, ResourceKinds],
        useFactory: (
          ct: CloudTrailStore,
          pc: PrincipalClassifier,
          c: DriftwardenConfig,
          r: Redis,
          k: RedisKeys,
          credentialsFor: CredentialsFor | null,
          logger: Logger,
          kinds: ResourceKinds,
        ) => {
          if (o.attribution) return o.attribution;
          // LookupEvents given up on for a decision: said once per distinct reason, not per item.
          const said = new Set<string>();
          // Each kind names the calls that change its resources: attribution reads only those.
          const calls = new Map(
            kinds.all().flatMap((kind) => kind.configTypes.map((type) => [type, new Set(kind.cloudTrailEventNames)] as const)),
          );
          const relevant = new Set(kinds.all().flatMap((kind) => kind.cloudTrailEventNames));
          return new CloudTrailAttribution(ct, pc, {
            callsFor: (type) => calls.get(type),
            waitForDeliveryMs: c.attribution.cloudTrailWaitSeconds * 1000,
            onLookupUnavailable: (err) => {
              const key = `${err.name}:${err.message}`.slice(0, 300);
              if (said.has(key)) return;
              said.add(key);
              logger.error(
                { err: { name: err.name, message: err.message } },
                'CloudTrail LookupEvents is unavailable: decisions go ahead with what is known (a principal not found is treated as not the IaC pipeline)',
              );
            },
            ...(c.attribution.lookupEvents
              ? {
                  walker: new CloudTrailWindowWalker(
                    r,
                    k,
                    createCloudTrailClientFor(10_000, credentialsFor ?? undefined),
                    new SharedRateLimiter(r, k),
                    ct,
                    (e) => relevant.has(e.eventName),
                    {
                      lagMs: c.attribution.cloudTrailWaitSeconds * 1000,
                      retentionSeconds: storeRetentionOf(c).cloudTrailSeconds,
                    },
                  ),
                }
              : {}),
          });
        },
      },
      { provide: FreezePort, inject: [FreezeService], useFactory: (f: FreezeService) => o.freeze ?? f },
      {
        provide: FencePort,
        inject: [FreezeStore, FreezeService, CLOCK],
        useFactory: (store: FreezeStore, f: FreezeService, clock: Clock) => o.fence ?? new FreezeFence(store, f, clock),
      },
      {
        provide: ExceptionsStore,
        inject: [REDIS, RedisKeys, AuditLog],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new ExceptionsStore(r, k, a),
      },
      { provide: ExceptionsPort, inject: [ExceptionsStore], useFactory: (e: ExceptionsStore) => o.exceptions ?? e },
      {
        provide: ConfigItemFetcher,
        inject: [AWS_CREDENTIALS_FOR, DRIFTWARDEN_CONFIG],
        useFactory: (credentialsFor: CredentialsFor | null, c: DriftwardenConfig) =>
          o.fetcher ??
          new AwsConfigItemFetcher(
            {
              configService: createConfigServiceClientProvider({ requestTimeoutMs: 10_000, ...(credentialsFor ? { credentialsFor } : {}) }),
              s3: createS3Client({ region: 'us-east-1', requestTimeoutMs: 10_000 }),
            },
            { allowedBuckets: c.ingest.configDeliveryBuckets },
          ),
      },
      // Write ports: in dry-run mode they are replaced by guards that refuse every write.
      {
        provide: RemediationPort,
        inject: [DRIFTWARDEN_CONFIG, AWS_CREDENTIALS_FOR, KINDS],
        useFactory: (c: DriftwardenConfig, credentialsFor: CredentialsFor | null, kinds: KindRegistration[]) => {
          if (dryRun(c)) return new DryRunRemediationGuard();
          if (o.remediation) return o.remediation;
          // Each kind's executor, with its own AWS clients (one assumed-role session per account when configured).
          const deps = { requestTimeoutMs: 10_000, ...(credentialsFor ? { credentialsFor } : {}) };
          const executors = new Map<string, RemediationPort>();
          for (const k of kinds) {
            const executor = k.executor?.(deps);
            if (executor) for (const type of k.kind.configTypes) executors.set(type, executor);
          }
          return new KindRemediation(executors);
        },
      },
      {
        provide: BackportPort,
        inject: [DRIFTWARDEN_CONFIG, KINDS],
        useFactory: (c: DriftwardenConfig, kinds: KindRegistration[]) => {
          if (dryRun(c)) return new DryRunBackportGuard();
          if (o.backport) return o.backport;
          const stacks = c.stacks
            .filter((s) => s.repo)
            .map((s) => ({
              stack: s.name,
              repo: { owner: s.repo!.owner, name: s.repo!.name },
              baseBranch: s.repo!.baseBranch,
              path: s.repo!.path,
            }));
          // Without GitHub there is nowhere to open backports: "not installed" (enforce refuses to start).
          return c.github
            ? new GitHubBackport(createGitHubRepoClient(gitHubClientOptionsFromConfig(c.github)), stacks, editorsOf(kinds))
            : new NoBackport();
        },
      },
      {
        provide: IngestService,
        inject: [ItemLedger, CloudTrailStore, JobProducer, AuditLog, PrincipalClassifier, DriftStore],
        useFactory: (l: ItemLedger, ct: CloudTrailStore, p: JobProducer, a: AuditLog, pc: PrincipalClassifier, d: DriftStore) =>
          new IngestService(l, ct, p, a, pc, d),
      },
      {
        provide: EvaluateService,
        inject: [
          ItemLedger,
          DriftStore,
          AuditLog,
          JobProducer,
          ResourceKinds,
          DesiredStatePort,
          AttributionPort,
          FreezePort,
          ExceptionsPort,
          ConfigItemFetcher,
          DRIFTWARDEN_CONFIG,
          CLOCK,
        ],
        useFactory: (
          l: ItemLedger,
          d: DriftStore,
          audit: AuditLog,
          p: JobProducer,
          kinds: ResourceKinds,
          desiredState: DesiredStatePort,
          attribution: AttributionPort,
          freeze: FreezePort,
          exceptions: ExceptionsPort,
          fetcher: ConfigItemFetcher,
          c: DriftwardenConfig,
          clock: Clock,
        ) =>
          new EvaluateService(
            l,
            d,
            audit,
            p,
            { kinds, desiredState, attribution, freeze, exceptions, fetcher },
            { dryRun: dryRun(c), settleSeconds: c.guardrails.settleSeconds, critical: c.guardrails.critical },
            clock,
          ),
      },
      {
        provide: RemediateService,
        inject: [DriftStore, ItemLedger, FreezePort, FencePort, RemediationPort, ExceptionsPort, ResourceKinds, CLOCK],
        useFactory: (
          d: DriftStore,
          l: ItemLedger,
          f: FreezePort,
          fe: FencePort,
          r: RemediationPort,
          e: ExceptionsPort,
          kinds: ResourceKinds,
          clock: Clock,
        ) => new RemediateService(d, l, f, fe, r, e, kinds, clock),
      },
      {
        provide: BackportService,
        inject: [DriftStore, ItemLedger, BackportPort, CLOCK],
        useFactory: (d: DriftStore, l: ItemLedger, b: BackportPort, clock: Clock) => new BackportService(d, l, b, clock),
      },
      RedisLifecycle,
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => (typeof p === 'function' ? p : p.provide)) };
  }
}

/** Closes the shared Redis clients last, after workers and queues. */
@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_BLOCKING) private readonly blocking: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.redis, this.blocking].map((c) => c.quit().catch(() => c.disconnect())));
  }
}
