import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { GitHubStackCode } from '@driftwarden/backport';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { createGitHubRepoClient, gitHubClientOptionsFromConfig } from '@driftwarden/github';
import type { KindRegistration } from '@driftwarden/kinds';
import { KINDS } from '../core/tokens';

/**
 * Gives the resource kinds the stacks' Terraform code (DESIGN §5: attributes in a resource's
 * `lifecycle { ignore_changes }` are not drift), read through GitHub and cached per commit. Without
 * GitHub configured the kinds get no reader: they say so on their records and decide conservatively.
 */
@Injectable()
export class StackCodeConnector implements OnModuleInit {
  constructor(
    @Inject(KINDS) private readonly kinds: KindRegistration[],
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
  ) {}

  onModuleInit(): void {
    const c = this.config;
    if (!c.github || !this.kinds.some((k) => k.useStackCode)) return;
    const stacks = c.stacks
      .filter((s) => s.repo)
      .map((s) => ({
        stack: s.name,
        repo: { owner: s.repo!.owner, name: s.repo!.name },
        baseBranch: s.repo!.baseBranch,
        path: s.repo!.path,
      }));
    const code = new GitHubStackCode(createGitHubRepoClient(gitHubClientOptionsFromConfig(c.github)), stacks);
    for (const k of this.kinds) k.useStackCode?.(code);
  }
}

@Module({ providers: [StackCodeConnector] })
export class KindsCodeModule {}
