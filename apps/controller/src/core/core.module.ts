import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { PrincipalClassifier, webhookIncidentProvider, type IncidentProvider, type Scope } from '@driftwarden/domain';
import { AwsConfigItemFetcher, ConfigItemFetcher, createConfigServiceClientProvider, createS3Client } from '@driftwarden/ingest';
import { Metrics, type Logger } from '@driftwarden/observability';
import {
  AnalyzerRegistry,
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
  ResourceAnalyzers,
} from '@driftwarden/pipeline';
import { JobProducer } from '@driftwarden/queue';
import { RedisConnectionMonitor, RedisKeys, createRedis } from '@driftwarden/redis';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger, QuarantineStore } from '@driftwarden/store';
import { TokenRegistry } from '@driftwarden/auth';
import { CloudTrailAttribution, CloudTrailLookup, SharedRateLimiter, createCloudTrailClientFor } from '@driftwarden/attribution';
import { FreezeFence, FreezeService, FreezeStore, IncidentPoller, type FreezeSettings, type IncidentSource } from '@driftwarden/freeze';
import { createIncidentProviders } from '@driftwarden/incidents';
import { IncidentNoteLog } from '@driftwarden/notifications';
import { ExceptionsStore } from '@driftwarden/exceptions';
import { Ec2Remediation, assumedRoleCredentialsFor, createEc2ClientProvider, type CredentialsFor } from '@driftwarden/ec2';
import { GitHubBackport } from '@driftwarden/backport';
import { createGitHubRepoClient, gitHubClientOptionsFromConfig } from '@driftwarden/github';
import { SecurityGroupAnalyzer, TerraformDesiredState } from '@driftwarden/resources';
import { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { PortOverrides } from './port-overrides';
import { AWS_CREDENTIALS_FOR, CLOCK, INCIDENT_SOURCES, LOGGER, REDIS, REDIS_BLOCKING } from './tokens';

type Clock = () => Date;

export function freezeSettings(c: DriftwardenConfig): FreezeSettings {
  return {
    windows: c.freezeWindows.map((w) => ({ name: w.name, schedule: w.schedule, durationMs: w.durationMs, timeZone: w.timeZone, ...(w.scope ? { scope: w.scope } : {}) })),
    providers: [...(c.incidents.pagerduty ? (['pagerduty'] as const) : []), ...(c.incidents.opsgenie ? (['opsgenie'] as const) : []), ...incidentSourcesOf(c).providers],
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
      { provide: RedisConnectionMonitor, inject: [LOGGER], useFactory: (l: Logger) => new RedisConnectionMonitor(l.child({ component: 'redis' })) },
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
        useFactory: (c: DriftwardenConfig, m: RedisConnectionMonitor) => createRedis({ url: c.redis.url, name: 'driftwarden:queue', blocking: true, monitor: m }),
      },
      { provide: TokenRegistry, inject: [DRIFTWARDEN_CONFIG], useFactory: (c: DriftwardenConfig) => new TokenRegistry(c.api.tokens) },
      {
        provide: PrincipalClassifier,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig) => new PrincipalClassifier(c.principals),
      },
      { provide: AuditLog, inject: [REDIS, RedisKeys], useFactory: (r: Redis, k: RedisKeys) => new AuditLog(r, k) },
      {
        provide: DriftStore,
        inject: [REDIS, RedisKeys, AuditLog],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new DriftStore(r, k, a),
      },
      {
        provide: ItemLedger,
        inject: [REDIS, RedisKeys, AuditLog],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new ItemLedger(r, k, a),
      },
      { provide: CloudTrailStore, inject: [REDIS, RedisKeys], useFactory: (r: Redis, k: RedisKeys) => new CloudTrailStore(r, k) },
      {
        provide: QuarantineStore,
        inject: [REDIS, RedisKeys, AuditLog],
        useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new QuarantineStore(r, k, a),
      },
      {
        provide: JobProducer,
        inject: [REDIS_BLOCKING, RedisKeys, DRIFTWARDEN_CONFIG, RedisConnectionMonitor],
        useFactory: (r: Redis, k: RedisKeys, c: DriftwardenConfig, m: RedisConnectionMonitor) =>
          new JobProducer({ connection: r, prefix: k.bullPrefix, coalesceMs: c.ingest.coalesceMilliseconds, onError: (err, queue) => m.report(`queue:${queue}`, err) }),
      },
      // Ports: the real adapters built from the configuration, unless a test replaces them.
      { provide: ResourceAnalyzers, useValue: o.analyzers ?? new AnalyzerRegistry([new SecurityGroupAnalyzer()]) },
      {
        // What Terraform last applied, per configured stack (file or S3, ETag-cached).
        provide: DesiredStatePort,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig) =>
          o.desiredState ??
          new TerraformDesiredState(
            DesiredStateIndex.fromConfig(c.stacks, { s3ClientFor: (region: string) => createS3Client({ region, requestTimeoutMs: 10_000 }) }),
          ),
      },
      { provide: FreezeStore, inject: [REDIS, RedisKeys, AuditLog], useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new FreezeStore(r, k, a) },
      // Notes on incident timelines: what became of each, kept beside the drift records (issue 14 §4).
      { provide: IncidentNoteLog, inject: [REDIS, RedisKeys], useFactory: (r: Redis, k: RedisKeys) => new IncidentNoteLog(r, k) },
      // The polled incident sources, built once: the poller lists them, the webhooks read back through them.
      { provide: INCIDENT_SOURCES, inject: [DRIFTWARDEN_CONFIG], useFactory: (c: DriftwardenConfig): IncidentSource[] => o.incidentSources ?? createIncidentProviders(c.incidents) },
      {
        provide: IncidentPoller,
        inject: [FreezeStore, DRIFTWARDEN_CONFIG, CLOCK, INCIDENT_SOURCES],
        useFactory: (store: FreezeStore, c: DriftwardenConfig, clock: Clock, sources: IncidentSource[]) =>
          new IncidentPoller(sources, store, { pagerduty: c.incidents.pagerduty?.scopes, opsgenie: c.incidents.opsgenie?.scopes, ...incidentSourcesOf(c).scopes }, clock, c.incidents.maxStalenessSeconds * 1000),
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
        useFactory: (c: DriftwardenConfig): CredentialsFor | null => (c.aws.assumeRole ? assumedRoleCredentialsFor(c.aws.assumeRole) : null),
      },
      {
        // CloudTrail events ingested on the event paths, correlated by resource and time.
        provide: AttributionPort,
        inject: [CloudTrailStore, PrincipalClassifier, DRIFTWARDEN_CONFIG, REDIS, RedisKeys, AWS_CREDENTIALS_FOR],
        useFactory: (ct: CloudTrailStore, pc: PrincipalClassifier, c: DriftwardenConfig, r: Redis, k: RedisKeys, credentialsFor: CredentialsFor | null) =>
          o.attribution ??
          new CloudTrailAttribution(ct, pc, {
            waitForDeliveryMs: c.attribution.cloudTrailWaitSeconds * 1000,
            ...(c.attribution.lookupEvents
              ? {
                  lookup: new CloudTrailLookup(
                    createCloudTrailClientFor(10_000, credentialsFor ?? undefined),
                    new SharedRateLimiter(r, k),
                  ),
                }
              : {}),
          }),
      },
      { provide: FreezePort, inject: [FreezeService], useFactory: (f: FreezeService) => o.freeze ?? f },
      { provide: FencePort, inject: [FreezeStore, FreezeService, CLOCK], useFactory: (store: FreezeStore, f: FreezeService, clock: Clock) => o.fence ?? new FreezeFence(store, f, clock) },
      { provide: ExceptionsStore, inject: [REDIS, RedisKeys, AuditLog], useFactory: (r: Redis, k: RedisKeys, a: AuditLog) => new ExceptionsStore(r, k, a) },
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
        inject: [DRIFTWARDEN_CONFIG, AWS_CREDENTIALS_FOR],
        useFactory: (c: DriftwardenConfig, credentialsFor: CredentialsFor | null) =>
          dryRun(c)
            ? new DryRunRemediationGuard()
            : (o.remediation ?? new Ec2Remediation(createEc2ClientProvider({ requestTimeoutMs: 10_000, ...(credentialsFor ? { credentialsFor } : {}) }))),
      },
      {
        provide: BackportPort,
        inject: [DRIFTWARDEN_CONFIG],
        useFactory: (c: DriftwardenConfig) => {
          if (dryRun(c)) return new DryRunBackportGuard();
          if (o.backport) return o.backport;
          const stacks = c.stacks.filter((s) => s.repo).map((s) => ({ stack: s.name, repo: { owner: s.repo!.owner, name: s.repo!.name }, baseBranch: s.repo!.baseBranch, path: s.repo!.path }));
          // Without GitHub there is nowhere to open backports: "not installed" (enforce refuses to start).
          return c.github ? new GitHubBackport(createGitHubRepoClient(gitHubClientOptionsFromConfig(c.github)), stacks) : new NoBackport();
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
          ResourceAnalyzers,
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
          analyzers: ResourceAnalyzers,
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
            { analyzers, desiredState, attribution, freeze, exceptions, fetcher },
            { dryRun: dryRun(c), settleSeconds: c.guardrails.settleSeconds, critical: c.guardrails.critical },
            clock,
          ),
      },
      {
        provide: RemediateService,
        inject: [DriftStore, ItemLedger, FreezePort, FencePort, RemediationPort, ExceptionsPort, CLOCK],
        useFactory: (d: DriftStore, l: ItemLedger, f: FreezePort, fe: FencePort, r: RemediationPort, e: ExceptionsPort, clock: Clock) =>
          new RemediateService(d, l, f, fe, r, e, clock),
      },
      {
        provide: BackportService,
        inject: [DriftStore, BackportPort, CLOCK],
        useFactory: (d: DriftStore, b: BackportPort, clock: Clock) => new BackportService(d, b, clock),
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
