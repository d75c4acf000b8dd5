/**
 * The GitHub sandbox (the demo's "GitHub stand-in"): a real HTTP server backed by a real git
 * repository. The testing entry point `@driftwarden/github/testing` (never the product entry).
 */
export {
  GitHubSandbox,
  GitHubApiError,
  DEFAULT_SANDBOX_TOKEN,
  GITHUB_TREE_ENTRY_LIMIT,
  GITHUB_INLINE_CONTENT_MAX_BYTES,
  sandboxFailures,
  type GitHubSandboxOptions,
  type SandboxCall,
  type SandboxFailure,
  type SandboxMatch,
  type SandboxProblem,
  type WebhookDelivery,
} from './github-sandbox.server';
export {
  GitRepository,
  GitCommandError,
  type GitIdentity,
  type GitTreeItem,
  type GitCommitInfo,
  type GitTreeChange,
} from './git-repository';
export type { SandboxComment, SandboxIssue, SandboxLabel, SandboxPull, SandboxUser } from './github-sandbox.resources';
