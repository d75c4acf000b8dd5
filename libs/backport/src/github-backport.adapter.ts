import { PermanentError, type DriftRecord, type PermissionRule } from '@driftwarden/domain';
import { HclDocument, editSecurityGroupRules, initHclParser, readSecurityGroupRules, ruleKey, type RuleStyle } from '@driftwarden/hcl-edit';
import type { GitHubRepoClient, RepoRef } from '@driftwarden/github';
import { BackportPort, type BackportResult } from '@driftwarden/pipeline';
import { locateCode } from './locate-code';
import { incidentLabel, issueBody, pullRequestBody, pullRequestTitle, summarize } from './pull-request-text';

export interface StackRepo {
  stack: string;
  repo: RepoRef;
  baseBranch: string;
  path: string;
}

export function backportBranch(resourceId: string): string {
  return `driftwarden/backport/${resourceId}`;
}

/** Plain names: GitHub creates a missing label when it is added (one API call for all of them). */
const LABELS = ['driftwarden', 'backport'];

/**
 * Opens or updates the backport pull request for a drift (DESIGN §6): one branch and one PR
 * per resource, one commit per update, the HCL edited in place and checked with HashiCorp's
 * parser; when the code cannot be edited safely, one issue per resource instead.
 */
export class GitHubBackport extends BackportPort {
  constructor(
    private readonly github: GitHubRepoClient,
    private readonly stacks: StackRepo[],
  ) {
    super();
  }

  async openOrUpdate(drift: DriftRecord): Promise<BackportResult> {
    const stack = this.stacks.find((s) => s.stack === drift.resource.stack);
    if (!stack) throw new PermanentError(`stack ${drift.resource.stack ?? '(none)'} of ${drift.resource.id} has no repo configured (stacks[].repo)`, 'backport_no_repo');
    if (!drift.resource.address) throw new PermanentError(`${drift.resource.id} has no Terraform address`, 'backport_no_address');
    const { repo } = stack;
    const baseSha = await this.github.getBranchSha(repo, stack.baseBranch);
    const located = await locateCode(this.github, repo, baseSha, stack.path, drift.resource.address);
    if (!located.ok) return this.fallback(drift, stack, located.reason, null);
    const loc = located.location;

    // Live = what the code (as applied) declares − closed + opened.
    await initHclParser();
    const base = readSecurityGroupRules(HclDocument.parse(loc.text), { target: loc.target, groupId: drift.resource.id });
    if ('unsafe' in base) return this.fallback(drift, stack, base.reason, null);
    const missing = new Set(drift.diff.missing.map(ruleKey));
    const live: PermissionRule[] = [...base.rules.filter((r) => !missing.has(ruleKey(r))), ...drift.diff.extra];

    const liveKeys = new Set(live.map(ruleKey));
    const message = `Backport ${summarize(drift)}\n\nKeeps the emergency change recorded as ${drift.id}.`;
    const editTo = (text: string, rules: { rules: PermissionRule[]; style: RuleStyle | null }) => {
      const codeKeys = new Set(rules.rules.map(ruleKey));
      const remove = rules.rules.filter((r) => !liveKeys.has(ruleKey(r)));
      const add = live.filter((r) => !codeKeys.has(ruleKey(r)));
      if (remove.length === 0 && add.length === 0) return Promise.resolve(null);
      return editSecurityGroupRules(text, {
        target: loc.target,
        groupId: drift.resource.id,
        remove,
        add,
        ...(rules.style ? { style: rules.style } : {}),
        reservedNames: loc.reservedNames,
        groupInModule: loc.groupInModule,
        filename: loc.path,
      });
    };

    // One branch per resource. The first backport commits the edit on the base and creates the
    // branch at that commit; when the branch already exists (a later drift), the edit is made
    // again on the branch's head and added as a new commit (the first commit is left unused).
    const branch = backportBranch(drift.resource.id);
    let changes: string[] = [];
    const first = await editTo(loc.text, base);
    if (first?.unsafe) return this.fallback(drift, stack, `${first.reason} (${first.code})`, base.rules);
    const commitSha = first ? await this.github.createCommit(repo, baseSha, [{ path: loc.path, content: first.text }], message) : baseSha;
    const head = await this.github.ensureBranch(repo, branch, commitSha);
    if (head.created) {
      changes = first?.changes ?? [];
    } else {
      const current = (await this.github.readFile(repo, loc.path, head.sha)).content;
      const onBranch = readSecurityGroupRules(HclDocument.parse(current), { target: loc.target, groupId: drift.resource.id });
      if ('unsafe' in onBranch) return this.fallback(drift, stack, onBranch.reason, base.rules);
      const edit = await editTo(current, onBranch);
      if (edit?.unsafe) return this.fallback(drift, stack, `${edit.reason} (${edit.code})`, base.rules);
      if (edit) {
        changes = edit.changes;
        await this.github.commitFiles(repo, branch, head.sha, [{ path: loc.path, content: edit.text }], message);
      }
    }

    const title = pullRequestTitle(drift);
    // The whole change of the branch (base code → live), not just the latest commit.
    const baseKeys = new Set(base.rules.map(ruleKey));
    const codeChange = { removes: base.rules.filter((r) => !liveKeys.has(ruleKey(r))), adds: live.filter((r) => !baseKeys.has(ruleKey(r))) };
    const body = pullRequestBody(drift, loc.path, changes, codeChange);
    // A branch created just now has no pull request yet (openPullRequest still handles GitHub's 422).
    const existing = head.created ? null : await this.github.findOpenPullRequest(repo, branch);
    const pr = existing
      ? await this.github.updatePullRequest(repo, existing.number, { title, body })
      : await this.github.openPullRequest(repo, { head: branch, base: stack.baseBranch, title, body });
    const incident = incidentLabel(drift);
    await this.github.ensureLabels(repo, pr.number, [...LABELS, ...(incident ? [incident] : [])]);
    return { kind: 'pull_request', links: { pullRequest: { url: pr.htmlUrl, number: pr.number, repo: `${repo.owner}/${repo.name}`, branch } } };
  }

  private async fallback(drift: DriftRecord, stack: StackRepo, reason: string, codeRules: PermissionRule[] | null): Promise<BackportResult> {
    const key = `resource=${drift.resource.id}`;
    const title = `Backport by hand: ${summarize(drift)}`.slice(0, 240);
    const body = issueBody(drift, reason, codeRules);
    const existing = await this.github.findOpenIssue(stack.repo, key, { label: 'driftwarden' });
    const issue = existing
      ? await this.github.updateIssue(stack.repo, existing.number, { title, body })
      : await this.github.openIssue(stack.repo, { title, body, labels: LABELS, marker: key });
    return { kind: 'issue', reason, links: { issue: { url: issue.htmlUrl, number: issue.number, repo: `${stack.repo.owner}/${stack.repo.name}` } } };
  }
}
