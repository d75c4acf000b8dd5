import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { PrincipalClassifier } from '@driftwarden/domain';
import { ExceptionsStore } from '@driftwarden/exceptions';
import { ConfigItemFetcher } from '@driftwarden/ingest';
import {
  AttributionPort,
  BackportPort,
  BackportService,
  DesiredStatePort,
  EvaluateService,
  ExceptionsPort,
  FencePort,
  FreezePort,
  IngestService,
  PolicyPort,
  RemediateService,
  RemediationPort,
  ResourceKinds,
} from '@driftwarden/pipeline';
import { JobProducer } from '@driftwarden/queue';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger } from '@driftwarden/store';
import { tokenOf, withOverrides, type PortOverrides } from './port-overrides';
import { CLOCK, DRY_RUN } from './tokens';

type Clock = () => Date;

/** The use cases: ingest, evaluate (the decision table), remediate and backport, over the ports the other modules provide. */
@Module({})
export class PipelineModule {
  static forRoot(overrides: PortOverrides): DynamicModule {
    const providers: Provider[] = withOverrides(
      [
        { provide: ExceptionsPort, useExisting: ExceptionsStore },
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
            PolicyPort,
            DRIFTWARDEN_CONFIG,
            DRY_RUN,
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
            policies: PolicyPort,
            c: DriftwardenConfig,
            dryRun: boolean,
            clock: Clock,
          ) =>
            new EvaluateService(
              l,
              d,
              audit,
              p,
              { kinds, desiredState, attribution, freeze, exceptions, fetcher, policies },
              { dryRun, settleSeconds: c.guardrails.settleSeconds, critical: c.guardrails.critical },
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
      ],
      overrides,
    );
    return { module: PipelineModule, global: true, providers, exports: providers.map(tokenOf) as NonNullable<DynamicModule['exports']> };
  }
}
