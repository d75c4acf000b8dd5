import { Module, type DynamicModule } from '@nestjs/common';
import type { PoliciesConfig } from '@driftwarden/config';
import type { Logger } from '@driftwarden/observability';
import { NoPolicies, PolicyPort } from '@driftwarden/pipeline';
import { CedarPolicies, PolicyLoadError } from '@driftwarden/policy';

/**
 * Loads the Cedar files named by `policies.files` (a file that is missing, does not parse or does
 * not validate throws `PolicyLoadError` naming its file and line). No files: no policies.
 */
export function loadPolicies(config: PoliciesConfig, logger?: Logger): PolicyPort {
  if (config.files.length === 0) return new NoPolicies();
  const policies = CedarPolicies.load(config);
  const files = config.files.length === 1 ? 'file' : 'files';
  logger?.info(
    { policies: policies.policies.map((p) => ({ id: p.id, source: `${p.file}:${p.line}` })), timeZones: config.timeZones },
    `loaded ${policies.size} ${policies.size === 1 ? 'policy' : 'policies'} from ${config.files.length} ${files} (policies.files): they can only make decisions stricter`,
  );
  return policies;
}

export { PolicyLoadError };

/**
 * Guardrails as policy (`policies`, issue 16 §4). The policies are loaded before the application
 * is built (bootstrap: a broken file stops start-up before anything connects) and handed in here.
 * Policies only ever make a decision stricter (domain `applyPolicies`). Global: the evaluation
 * (core/pipeline.module.ts) is built with them.
 */
@Module({})
export class PolicyModule {
  static forRoot(policies: PolicyPort): DynamicModule {
    return {
      module: PolicyModule,
      global: true,
      providers: [{ provide: PolicyPort, useValue: policies }],
      exports: [PolicyPort],
    };
  }
}
