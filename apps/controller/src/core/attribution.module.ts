import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CloudTrailAttribution, CloudTrailWindowWalker, SharedRateLimiter, createCloudTrailClientFor } from '@driftwarden/attribution';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { PrincipalClassifier } from '@driftwarden/domain';
import type { CredentialsFor } from '@driftwarden/ec2';
import { AwsConfigItemFetcher, ConfigItemFetcher, createConfigServiceClientProvider, createS3Client } from '@driftwarden/ingest';
import type { Logger } from '@driftwarden/observability';
import { AttributionPort, ResourceKinds } from '@driftwarden/pipeline';
import { RedisKeys } from '@driftwarden/redis';
import { CloudTrailStore } from '@driftwarden/store';
import { tokenOf, withOverrides, type PortOverrides } from './port-overrides';
import { storeRetentionOf } from './settings';
import { AWS_CREDENTIALS_FOR, LOGGER, REDIS } from './tokens';

/** Who made a change (CloudTrail, per kind's calls) and the complete Config item (oversized items fetched from AWS Config or S3). */
@Module({})
export class AttributionModule {
  static forRoot(overrides: PortOverrides): DynamicModule {
    const providers: Provider[] = withOverrides(
      [
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
        {
          provide: ConfigItemFetcher,
          inject: [AWS_CREDENTIALS_FOR, DRIFTWARDEN_CONFIG],
          useFactory: (credentialsFor: CredentialsFor | null, c: DriftwardenConfig) =>
            new AwsConfigItemFetcher(
              {
                configService: createConfigServiceClientProvider({
                  requestTimeoutMs: 10_000,
                  ...(credentialsFor ? { credentialsFor } : {}),
                }),
                s3: createS3Client({ region: 'us-east-1', requestTimeoutMs: 10_000 }),
              },
              { allowedBuckets: c.ingest.configDeliveryBuckets },
            ),
        },
      ],
      overrides,
    );
    return { module: AttributionModule, global: true, providers, exports: providers.map(tokenOf) as NonNullable<DynamicModule['exports']> };
  }
}
