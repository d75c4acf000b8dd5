import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import type { Logger } from '@driftwarden/observability';
import { EvaluateService, NoPolicies, PolicyPort } from '@driftwarden/pipeline';
import { CedarPolicies } from '@driftwarden/policy';
import { LOGGER } from '../core/tokens';

/**
 * Guardrails as policy (`policies`, issue 16 §4): loads the Cedar files named by the config once
 * at start-up (a file that is missing, does not parse or does not validate stops start-up with
 * its file and line) and installs them in the evaluation, which asks them after the decision
 * table. Policies only ever make a decision stricter.
 */
@Injectable()
export class PolicyInstaller implements OnModuleInit {
  constructor(
    private readonly evaluate: EvaluateService,
    private readonly policies: PolicyPort,
  ) {}

  // Before any worker starts (WorkerHost starts them on application bootstrap).
  onModuleInit(): void {
    this.evaluate.usePolicies(this.policies);
  }
}

@Module({
  providers: [
    {
      provide: PolicyPort,
      inject: [DRIFTWARDEN_CONFIG, LOGGER],
      useFactory: (c: DriftwardenConfig, logger: Logger): PolicyPort => {
        if (c.policies.files.length === 0) return new NoPolicies();
        const policies = CedarPolicies.load(c.policies);
        logger.info(
          { policies: policies.policies.map((p) => ({ id: p.id, source: `${p.file}:${p.line}` })), timeZones: c.policies.timeZones },
          `loaded ${policies.size} ${policies.size === 1 ? 'policy' : 'policies'} from ${c.policies.files.length} ${c.policies.files.length === 1 ? 'file' : 'files'} (policies.files): they can only make decisions stricter`,
        );
        return policies;
      },
    },
    PolicyInstaller,
  ],
  exports: [PolicyPort],
})
export class PolicyModule {}
