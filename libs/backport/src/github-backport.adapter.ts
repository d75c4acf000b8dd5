import { PermanentError, type DecisionRule, type DriftRecord, type PermissionRule } from '@driftwarden/domain';
import { HclDocument, editSecurityGroupRules, initHclParser, readSecurityGroupRules, type RuleStyle } from '@driftwarden/hcl-edit';
import { ruleKey } from '@driftwarden/kinds/security-group';
import type { GitHubRepoClient, RepoRef } from '@driftwarden/github';
import { BackportPort, type BackportResult, type RecoveredBackport, type UnrecoverableBackport } from '@driftwarden/pipeline';
import { BranchCodeReader, locateCode } from './locate-code';
import { backportView, incidentLabel, issueBody, pullRequestBody, pullRequestTitle, summarize, type BackportView } from './pull-request-text';
import { readRecordMarker } from './record-marker';

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
/** On a PR that codifies a break-glass change widening exposure (DESIGN §6). */
export const WIDENS_EXPOSURE_LABEL = 'widens-exposure';

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

  async openOrUpdate(record: DriftRecord): Promise<BackportResult> {
    // Only the differences made by emergency changes (or adopted by a human) are codified.
    const parts = backportView(record);
    const drift = parts.view;
    const stack = this.stacks.find((s) => s.stack === drift.resource.stack);
    if (!stack) throw new PermanentError(`stack ${drift.resource.stack ?? '(none)'} of ${drift.resource.id} has no repo configured (stacks[].repo)`, 'backport_no_repo');
    if (!drift.resource.address) throw new PermanentError(`${drift.resource.id} has no Terraform address`, 'backport_no_address');
    const { repo } = stack;
    const branch = backportBranch(drift.resource.id);
    // One request for both heads and the stack's folder (with its files) on each: whether the
    // resource already has a backport branch is known before anything is written.
    const heads = await this.github.readBranchFolders(repo, stack.path, [stack.baseBranch, branch]);
    const baseHead = heads.get(stack.baseBranch);
    if (!baseHead) throw new PermanentError(`the base branch ${stack.baseBranch} of stack ${stack.stack} does not exist in ${repo.owner}/${repo.name}`, 'github_not_found');
    if (!baseHead.folderExists) {
      return this.fallback(drift, parts, stack, `the stack folder ${stack.path} (stacks[].path) does not exist on ${stack.baseBranch} in ${repo.owner}/${repo.name}`, null);
    }
    const baseSha = baseHead.commitSha;
    const located = await locateCode(new BranchCodeReader(this.github, repo, baseHead), stack.path, drift.resource.address);
    if (!located.ok) return this.fallback(drift, parts, stack, located.reason, null);
    const loc = located.location;

    // Live = what the code (as applied) declares − closed + opened.
    await initHclParser();
    const base = readSecurityGroupRules(HclDocument.parse(loc.text), { target: loc.target, groupId: drift.resource.id });
    if ('unsafe' in base) return this.fallback(drift, parts, stack, base.reason, null);
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
    // branch at that commit; when the branch already exists (a later drift, or another replica
    // that got there first), the edit is made again on the branch's head and added as a new commit.
    let changes: string[] = [];
    let head: { sha: string; created: boolean } | null = null;
    const branchHead = heads.get(branch) ?? null;
    if (!branchHead) {
      const first = await editTo(loc.text, base);
      if (first?.unsafe) return this.fallback(drift, parts, stack, `${first.reason} (${first.code})`, base.rules);
      const commitSha = first ? await this.github.createCommit(repo, baseSha, [{ path: loc.path, content: first.text }], message) : baseSha;
      head = await this.github.ensureBranch(repo, branch, commitSha);
      if (head.created) changes = first?.changes ?? [];
    }
    if (!head?.created) {
      const headSha = head?.sha ?? branchHead!.commitSha;
      const known = branchHead?.commitSha === headSha ? branchHead.entries.find((e) => e.path === loc.path)?.content : undefined;
      // The edit made again on the branch as it is (a reviewer may have pushed to it).
      const editOnBranch = async (text: string): Promise<{ unsafe: string } | { text: string; changes: string[] } | null> => {
        const rules = readSecurityGroupRules(HclDocument.parse(text), { target: loc.target, groupId: drift.resource.id });
        if ('unsafe' in rules) return { unsafe: rules.reason };
        const edit = await editTo(text, rules);
        if (!edit) return null;
        return edit.unsafe ? { unsafe: `${edit.reason} (${edit.code})` } : { text: edit.text, changes: edit.changes };
      };
      const current = known ?? (await this.github.readFile(repo, loc.path, headSha)).content;
      const edit = await editOnBranch(current);
      if (edit && 'unsafe' in edit) return this.fallback(drift, parts, stack, edit.unsafe, base.rules);
      if (edit) {
        changes = edit.changes;
        await this.github.commitFiles(repo, branch, headSha, [{ path: loc.path, content: edit.text }], message, {
          // Someone pushed to the branch meanwhile: edit their version, never write ours over it.
          reapply: async (movedTo) => {
            const again = await editOnBranch((await this.github.readFile(repo, loc.path, movedTo)).content);
            if (again && 'unsafe' in again) {
              throw new PermanentError(`the backport branch ${branch} changed while committing and can no longer be edited safely: ${again.unsafe}`, 'backport_unsafe');
            }
            if (again) changes = again.changes;
            return again ? [{ path: loc.path, content: again.text }] : null;
          },
        });
      }
    }

    const title = pullRequestTitle(drift);
    // The whole change of the branch (base code → live), not just the latest commit.
    const baseKeys = new Set(base.rules.map(ruleKey));
    const codeChange = { removes: base.rules.filter((r) => !liveKeys.has(ruleKey(r))), adds: live.filter((r) => !baseKeys.has(ruleKey(r))) };
    const body = pullRequestBody(drift, loc.path, changes, codeChange, parts);
    // A branch created just now has no pull request yet (openPullRequest still handles GitHub's 422).
    const existing = head?.created ? null : await this.github.findOpenPullRequest(repo, branch);
    const pr = existing
      ? await this.github.updatePullRequest(repo, existing.number, { title, body })
      : await this.github.openPullRequest(repo, { head: branch, base: stack.baseBranch, title, body });
    const incident = incidentLabel(drift);
    await this.github.ensureLabels(repo, pr.number, [...LABELS, ...(incident ? [incident] : []), ...(parts.widening.length ? [WIDENS_EXPOSURE_LABEL] : [])]);
    return { kind: 'pull_request', links: { pullRequest: { url: pr.htmlUrl, number: pr.number, repo: `${repo.owner}/${repo.name}`, branch } } };
  }

  /**
   * Reads back the open backport PRs and issues (label `driftwarden`) of every configured stack
   * repository, each as the `backport_open` record its hidden summary describes. A summary that
   * names a stack this repository does not hold, or a second one for the same resource, is
   * skipped with the reason (bodies are editable by anyone with write access).
   */
  override async recoverOpen(now: Date): Promise<{ recovered: RecoveredBackport[]; skipped: UnrecoverableBackport[] }> {
    const recovered: RecoveredBackport[] = [];
    const skipped: UnrecoverableBackport[] = [];
    const seen = new Set<string>();
    const repos = new Map(this.stacks.map((s) => [`${s.repo.owner}/${s.repo.name}`.toLowerCase(), s.repo]));
    for (const [key, repo] of repos) {
      for (const item of await this.github.listOpenIssues(repo)) {
        const marker = readRecordMarker(item.body);
        if (marker === null) continue; // not one of ours, or opened before summaries existed
        if (!marker.ok) {
          skipped.push({ url: item.htmlUrl, problem: marker.problem });
          continue;
        }
        const s = marker.summary;
        const stack = this.stacks.find((x) => x.stack === s.resource.stack && `${x.repo.owner}/${x.repo.name}`.toLowerCase() === key);
        if (!stack) {
          skipped.push({ url: item.htmlUrl, problem: `stack ${s.resource.stack ?? '(none)'} is not configured with repository ${key}` });
          continue;
        }
        if (seen.has(s.resource.id)) {
          skipped.push({ url: item.htmlUrl, problem: `a second open backport for ${s.resource.id}: the first one found is kept` });
          continue;
        }
        seen.add(s.resource.id);
        const repoName = `${repo.owner}/${repo.name}`;
        const link = { url: item.htmlUrl, number: item.number, repo: repoName };
        recovered.push({
          record: {
            id: s.id,
            status: 'backport_open',
            dryRun: false,
            resource: s.resource,
            decision: { ...s.decision, rule: s.decision.rule as DecisionRule },
            principal: s.principal,
            changedAt: s.changedAt,
            detectedAt: s.detectedAt,
            updatedAt: now.toISOString(),
            // What the PR or issue changes is on GitHub; the record only links the resource to it.
            diff: { equal: false, extra: [], missing: [], attributes: [] },
            evidence: {
              eventIds: [],
              configurationStateId: null,
              captureTime: s.changedAt,
              rule: s.decision.rule as DecisionRule,
              apiCalls: [],
              explanations: [`rebuilt from ${item.htmlUrl} after the controller's state was lost`],
            },
            links: {
              ...(item.isPullRequest ? { pullRequest: { ...link, branch: backportBranch(s.resource.id) } } : { issue: link }),
              ...(s.incident ? { incident: s.incident } : {}),
            },
          },
        });
      }
    }
    return { recovered, skipped };
  }

  private async fallback(drift: DriftRecord, parts: BackportView, stack: StackRepo, reason: string, codeRules: PermissionRule[] | null): Promise<BackportResult> {
    const key = `resource=${drift.resource.id}`;
    const title = `Backport by hand: ${summarize(drift)}`.slice(0, 240);
    const body = issueBody(drift, reason, codeRules, parts);
    const labels = [...LABELS, ...(parts.widening.length ? [WIDENS_EXPOSURE_LABEL] : [])];
    const existing = await this.github.findOpenIssue(stack.repo, key, { label: 'driftwarden' });
    const issue = existing
      ? await this.github.updateIssue(stack.repo, existing.number, { title, body })
      : await this.github.openIssue(stack.repo, { title, body, labels, marker: key });
    return { kind: 'issue', reason, links: { issue: { url: issue.htmlUrl, number: issue.number, repo: `${stack.repo.owner}/${stack.repo.name}` } } };
  }
}
