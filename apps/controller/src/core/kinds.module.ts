import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { GitHubBackport, editorsOf } from '@driftwarden/backport';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { assumedRoleCredentialsFor, type CredentialsFor } from '@driftwarden/ec2';
import { createGitHubRepoClient, gitHubClientOptionsFromConfig } from '@driftwarden/github';
import { createS3Client } from '@driftwarden/ingest';
import { KindRemediation, KindsDesiredState, registeredKinds, type KindRegistration } from '@driftwarden/kinds';
import {
  BackportPort,
  DesiredStatePort,
  DryRunBackportGuard,
  DryRunRemediationGuard,
  KindRegistry,
  NoBackport,
  RemediationPort,
  ResourceKinds,
} from '@driftwarden/pipeline';
import { DesiredStateIndex } from '@driftwarden/terraform-state';
import { tokenOf, withOverrides, type PortOverrides } from './port-overrides';
import { AWS_CREDENTIALS_FOR, BACKPORT_ADAPTER, DRY_RUN, KINDS, REMEDIATION_ADAPTER } from './tokens';

/**
 * The resource kinds (libs/kinds registry.ts is the only place they are listed) and what the
 * pipeline reaches through them: desired state from Terraform, the revert executors and the
 * backport editors. The two write ports sit under the one dry-run guard.
 */
@Module({})
export class KindsModule {
  static forRoot(overrides: PortOverrides): DynamicModule {
    const providers: Provider[] = withOverrides(
      [
        { provide: DRY_RUN, inject: [DRIFTWARDEN_CONFIG], useFactory: (c: DriftwardenConfig) => c.mode === 'dry-run' },
        { provide: KINDS, useFactory: () => registeredKinds() },
        {
          provide: ResourceKinds,
          inject: [KINDS],
          useFactory: (kinds: KindRegistration[]) => new KindRegistry(kinds.map((k) => k.kind)),
        },
        {
          // Cross-account: one assumed-role session per account, shared by the AWS clients.
          provide: AWS_CREDENTIALS_FOR,
          inject: [DRIFTWARDEN_CONFIG],
          useFactory: (c: DriftwardenConfig): CredentialsFor | null =>
            c.aws.assumeRole ? assumedRoleCredentialsFor(c.aws.assumeRole) : null,
        },
        {
          // What Terraform last applied, per configured stack (file or S3, version-cached), read by each kind.
          provide: DesiredStatePort,
          inject: [DRIFTWARDEN_CONFIG, KINDS],
          useFactory: (c: DriftwardenConfig, kinds: KindRegistration[]) =>
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
          // Each kind's executor, with its own AWS clients (one assumed-role session per account when configured).
          provide: REMEDIATION_ADAPTER,
          inject: [AWS_CREDENTIALS_FOR, KINDS],
          useFactory: (credentialsFor: CredentialsFor | null, kinds: KindRegistration[]) => {
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
          provide: BACKPORT_ADAPTER,
          inject: [DRIFTWARDEN_CONFIG, KINDS],
          useFactory: (c: DriftwardenConfig, kinds: KindRegistration[]) => {
            const stacks = c.stacks.flatMap((s) =>
              s.repo
                ? [{ stack: s.name, repo: { owner: s.repo.owner, name: s.repo.name }, baseBranch: s.repo.baseBranch, path: s.repo.path }]
                : [],
            );
            // Without GitHub there is nowhere to open backports: "not installed" (enforce refuses to start).
            return c.github
              ? new GitHubBackport(createGitHubRepoClient(gitHubClientOptionsFromConfig(c.github)), stacks, editorsOf(kinds))
              : new NoBackport();
          },
        },
        // The write ports: in dry-run mode, guards that refuse every write, whatever adapter is underneath.
        {
          provide: RemediationPort,
          inject: [DRY_RUN, REMEDIATION_ADAPTER],
          useFactory: (dryRun: boolean, adapter: RemediationPort) => (dryRun ? new DryRunRemediationGuard() : adapter),
        },
        {
          provide: BackportPort,
          inject: [DRY_RUN, BACKPORT_ADAPTER],
          useFactory: (dryRun: boolean, adapter: BackportPort) => (dryRun ? new DryRunBackportGuard() : adapter),
        },
      ],
      overrides,
    );
    return { module: KindsModule, global: true, providers, exports: providers.map(tokenOf) as NonNullable<DynamicModule['exports']> };
  }
}
