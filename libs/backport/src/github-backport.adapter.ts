import { createHash } from 'node:crypto';
import { PermanentError, resourceKey, type DecisionRule, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { hiddenMarker, type GitHubRepoClient, type RepoRef } from '@driftwarden/github';
import {
  backportSubject,
  incidentLabel,
  incidentOf,
  registeredKinds,
  type BackportEditor,
  type BackportSubject,
  type KindRegistration,
  type TrackingIssueTexts,
} from '@driftwarden/kinds';
import { BackportPort, type BackportResult, type RecoveredBackport, type UnrecoverableBackport } from '@driftwarden/pipeline';
import { BranchCodeReader, locateCode } from './locate-code';
import { readRecordMarker, recordMarker } from './record-marker';

export interface StackRepo {
  stack: string;
  repo: RepoRef;
  baseBranch: string;
  path: string;
}

/**
 * `driftwarden/backport/<resource id>`; an id a git ref cannot hold (an Auto Scaling group's ARN has
 * `:`) has every other character than letters, digits, `.`, `_`, `-` and `/` replaced by `-`.
 */
export function backportBranch(resourceId: string): string {
  const safe = resourceId
    .replace(/[^A-Za-z0-9._/-]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/\/{2,}/g, '/');
  return `driftwarden/backport/${safe}`;
}

/** Plain names: GitHub creates a missing label when it is added (one API call for all of them). */
const LABELS = ['driftwarden', 'backport'];
/** On a PR that codifies a break-glass change widening exposure (DESIGN §6). */
export const WIDENS_EXPOSURE_LABEL = 'widens-exposure';

/** On a tracking issue (a resource no kind models: codify or undo by hand). */
export const TRACKING_LABEL = 'tracking';

/** The tracking-issue texts of the kinds that track instead of editing, by kind name. */
export function trackingOf(kinds: readonly KindRegistration[]): (kind: string) => TrackingIssueTexts | undefined {
  const byName = new Map<string, TrackingIssueTexts>();
  for (const k of kinds) if (k.tracking) byName.set(k.kind.name, k.tracking);
  return (kind) => byName.get(kind);
}

/** The hidden line a resource's tracking issue is found by (one per resource: account, region, type and id). */
export function trackingMarker(drift: Pick<DriftRecord, 'resource'>): string {
  return hiddenMarker(`tracking=${resourceKey(drift.resource)}`);
}

const TRACKED_PREFIX = '<!-- driftwarden:tracked=';

/** A difference as the tracking issue remembers it: a short hash of its id (ids are free text from Config). */
function trackedId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}

/** The differences a tracking issue's body already told of. */
export function trackedIds(body: string): Set<string> {
  const start = body.lastIndexOf(TRACKED_PREFIX);
  if (start < 0) return new Set();
  const end = body.indexOf(' -->', start);
  const list = body.slice(start + TRACKED_PREFIX.length, end < 0 ? undefined : end);
  return new Set(list.split(',').filter((x) => /^[0-9a-f]{16}$/.test(x)));
}

/** The backport editors of the kinds, by Config type. */
export function editorsOf(kinds: readonly KindRegistration[]): (configType: string) => BackportEditor | undefined {
  const byType = new Map<string, BackportEditor>();
  for (const k of kinds) if (k.editor) for (const type of k.kind.configTypes) byType.set(type, k.editor);
  return (type) => byType.get(type);
}

/**
 * Opens or updates the backport pull request for a drift (DESIGN §6): one branch and one PR
 * per resource, one commit per update, the code edited in place by the resource's kind (its
 * BackportEditor: HCL in place, checked with HashiCorp's parser); when the code cannot be edited
 * safely, one issue per resource instead. Nothing here knows a particular kind.
 */
export class GitHubBackport extends BackportPort {
  constructor(
    private readonly github: GitHubRepoClient,
    private readonly stacks: StackRepo[],
    private readonly editorFor: (configType: string) => BackportEditor | undefined = editorsOf(registeredKinds()),
    private readonly trackingFor: (kind: string) => TrackingIssueTexts | undefined = trackingOf(registeredKinds()),
  ) {
    super();
  }

  async openOrUpdate(drift: DriftRecord): Promise<BackportResult> {
    const tracking = drift.resource.kind ? this.trackingFor(drift.resource.kind) : undefined;
    if (tracking) return this.track(tracking, drift);
    const editor = this.editorFor(drift.resource.type);
    if (!editor)
      throw new PermanentError(
        `no resource kind can edit the Terraform code of ${drift.resource.type} (${drift.resource.id})`,
        'backport_unsupported',
      );
    // Only the differences made by emergency changes (or adopted by a human) are codified.
    const subject = backportSubject(drift);
    const shown = subject.record;
    const stack = this.stacks.find((s) => s.stack === drift.resource.stack);
    if (!stack)
      throw new PermanentError(
        `stack ${drift.resource.stack ?? '(none)'} of ${drift.resource.id} has no repo configured (stacks[].repo)`,
        'backport_no_repo',
      );
    if (!drift.resource.address) throw new PermanentError(`${drift.resource.id} has no Terraform address`, 'backport_no_address');
    // Guardrails as policy: a policy that forbids `backport` asks for a tracking issue instead of a PR.
    const byPolicy = trackingIssuePolicy(drift);
    if (byPolicy) return this.fallback(editor, subject, stack, byPolicy, null);
    const { repo } = stack;
    const branch = backportBranch(drift.resource.id);
    // One request for both heads and the stack's folder (with its files) on each: whether the
    // resource already has a backport branch is known before anything is written.
    const heads = await this.github.readBranchFolders(repo, stack.path, [stack.baseBranch, branch]);
    const baseHead = heads.get(stack.baseBranch);
    if (!baseHead)
      throw new PermanentError(
        `the base branch ${stack.baseBranch} of stack ${stack.stack} does not exist in ${repo.owner}/${repo.name}`,
        'github_not_found',
      );
    if (!baseHead.folderExists) {
      return this.fallback(
        editor,
        subject,
        stack,
        `the stack folder ${stack.path} (stacks[].path) does not exist on ${stack.baseBranch} in ${repo.owner}/${repo.name}`,
        null,
      );
    }
    const baseSha = baseHead.commitSha;
    const located = await locateCode(new BranchCodeReader(this.github, repo, baseHead), stack.path, drift.resource.address);
    if (!located.ok) return this.fallback(editor, subject, stack, located.reason, null);
    const loc = located.location;
    const plan = await editor.plan(loc, subject);
    if ('unsafe' in plan) return this.fallback(editor, subject, stack, plan.unsafe, plan.codeNote ?? null);
    const message = `Backport ${editor.summary(subject)}\n\nKeeps the emergency change recorded as ${drift.id}.`;

    // One branch per resource. The first backport commits the edit on the base and creates the
    // branch at that commit; when the branch already exists (a later drift, or another replica
    // that got there first), the edit is made again on the branch's head and added as a new commit.
    let changes: string[] = [];
    let head: { sha: string; created: boolean } | null = null;
    const branchHead = heads.get(branch) ?? null;
    if (!branchHead) {
      const first = await plan.edit(loc.text);
      if (first && 'unsafe' in first) return this.fallback(editor, subject, stack, first.unsafe, plan.codeNote);
      const commitSha = first ? await this.github.createCommit(repo, baseSha, [{ path: loc.path, content: first.text }], message) : baseSha;
      head = await this.github.ensureBranch(repo, branch, commitSha);
      if (head.created) changes = first?.changes ?? [];
    }
    if (!head?.created) {
      const headSha = head?.sha ?? branchHead!.commitSha;
      const known = branchHead?.commitSha === headSha ? branchHead.entries.find((e) => e.path === loc.path)?.content : undefined;
      // The edit made again on the branch as it is (a reviewer may have pushed to it).
      const current = known ?? (await this.github.readFile(repo, loc.path, headSha)).content;
      const edit = await plan.edit(current);
      if (edit && 'unsafe' in edit) return this.fallback(editor, subject, stack, edit.unsafe, plan.codeNote);
      if (edit) {
        changes = edit.changes;
        await this.github.commitFiles(repo, branch, headSha, [{ path: loc.path, content: edit.text }], message, {
          // Someone pushed to the branch meanwhile: edit their version, never write ours over it.
          reapply: async (movedTo) => {
            const again = await plan.edit((await this.github.readFile(repo, loc.path, movedTo)).content);
            if (again && 'unsafe' in again) {
              throw new PermanentError(
                `the backport branch ${branch} changed while committing and can no longer be edited safely: ${again.unsafe}`,
                'backport_unsafe',
              );
            }
            if (again) changes = again.changes;
            return again ? [{ path: loc.path, content: again.text }] : null;
          },
        });
      }
    }

    const title = `Backport emergency change: ${editor.summary(subject)}`.slice(0, 240);
    const body = editor.pullRequestBody(subject, loc.path, changes, plan, marker(shown));
    // A branch created just now has no pull request yet (openPullRequest still handles GitHub's 422).
    const existing = head?.created ? null : await this.github.findOpenPullRequest(repo, branch);
    const pr = existing
      ? await this.github.updatePullRequest(repo, existing.number, { title, body })
      : await this.github.openPullRequest(repo, { head: branch, base: stack.baseBranch, title, body });
    const incident = incidentLabel(shown);
    const widens = editor.widening(subject).length > 0;
    await this.github.ensureLabels(repo, pr.number, [
      ...LABELS,
      ...(incident ? [incident] : []),
      ...(widens ? [WIDENS_EXPOSURE_LABEL] : []),
    ]);
    return {
      kind: 'pull_request',
      links: { pullRequest: { url: pr.htmlUrl, number: pr.number, repo: `${repo.owner}/${repo.name}`, branch } },
    };
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
            diff: { equal: false },
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

  /**
   * One tracking issue per resource (found by its hidden marker among the open issues labelled
   * `driftwarden`): opened on the first change to codify; on later runs, each difference it has not
   * told of yet is commented on once (the comment's own marker makes a retry find it instead of
   * commenting twice), then the description is brought up to date. Callers serialise runs per
   * resource (BackportService), so two evaluations at once never open two issues.
   */
  private async track(texts: TrackingIssueTexts, drift: DriftRecord): Promise<BackportResult> {
    const stack = this.stacks.find((s) => s.stack === drift.resource.stack);
    if (!stack)
      throw new PermanentError(
        `stack ${drift.resource.stack ?? '(none)'} of ${drift.resource.id} has no repo configured (stacks[].repo)`,
        'backport_no_repo',
      );
    const { repo } = stack;
    const repoName = `${repo.owner}/${repo.name}`;
    const find = trackingMarker(drift);
    const differences = drift.differences ?? [];
    const tracked = differences.map((d) => trackedId(d.id));
    // What a rebuild after a Redis loss reads back (always a backport_open record linking the issue).
    const shown = backportSubject(drift).record;
    const hidden = `${find}\n${TRACKED_PREFIX}${tracked.join(',')} -->\n${marker(shown)}`;
    const title = texts.title(drift);
    const body = texts.body(drift, `${repoName}/${stack.path}`, hidden);
    const incident = incidentLabel(shown);
    const labels = [...LABELS, TRACKING_LABEL, ...(incident ? [incident] : [])];
    const link = (issue: { htmlUrl: string; number: number }, opened: boolean, told: readonly DriftDifference[]): BackportResult => ({
      kind: 'issue',
      reason: `tracking issue ${opened ? 'opened' : 'updated'} (${drift.resource.type} has no resource kind: codify or undo by hand)${told.length ? `: ${told.map((d) => d.sentence).join('; ')}` : ''}`,
      links: { issue: { url: issue.htmlUrl, number: issue.number, repo: repoName } },
      tracking: { opened, changes: told.map((d) => d.sentence) },
    });

    const existing = await this.github.findOpenIssue(repo, find, { label: 'driftwarden' });
    if (!existing) return link(await this.github.openIssue(repo, { title, body, labels }), true, differences);
    const told = trackedIds(existing.body);
    const fresh = differences.filter((d) => !told.has(trackedId(d.id)));
    if (fresh.length > 0) {
      const key = createHash('sha256')
        .update(
          fresh
            .map((d) => trackedId(d.id))
            .sort()
            .join(','),
        )
        .digest('hex')
        .slice(0, 16);
      const commentMarker = hiddenMarker(`tracking-update=${key}`);
      if ((await this.github.findComment(repo, existing.number, commentMarker)) === null) {
        await this.github.createComment(repo, existing.number, `${texts.comment(drift, fresh)}\n\n${commentMarker}`);
      }
    }
    const updated =
      existing.body === body && existing.title === title ? existing : await this.github.updateIssue(repo, existing.number, { title, body });
    const missing = labels.filter((l) => !existing.labels.some((x) => x.toLowerCase() === l.toLowerCase()));
    if (missing.length > 0) await this.github.ensureLabels(repo, existing.number, missing);
    return link(updated, false, fresh);
  }

  private async fallback(
    editor: BackportEditor,
    subject: BackportSubject,
    stack: StackRepo,
    reason: string,
    codeNote: string | null,
  ): Promise<BackportResult> {
    const drift = subject.record;
    const key = `resource=${drift.resource.id}`;
    const title = `Backport by hand: ${editor.summary(subject)}`.slice(0, 240);
    const body = editor.issueBody(subject, reason, codeNote, marker(drift));
    const labels = [...LABELS, ...(editor.widening(subject).length ? [WIDENS_EXPOSURE_LABEL] : [])];
    const existing = await this.github.findOpenIssue(stack.repo, key, { label: 'driftwarden' });
    const issue = existing
      ? await this.github.updateIssue(stack.repo, existing.number, { title, body })
      : await this.github.openIssue(stack.repo, { title, body, labels, marker: key });
    return {
      kind: 'issue',
      reason,
      links: { issue: { url: issue.htmlUrl, number: issue.number, repo: `${stack.repo.owner}/${stack.repo.name}` } },
    };
  }
}

/**
 * Why a policy asks for a tracking issue instead of a pull request (a codified difference, or an
 * older record's decision, whose policy outcome is `tracking_issue`), or null.
 */
export function trackingIssuePolicy(drift: DriftRecord): string | null {
  const policies = drift.differences
    ? drift.differences.filter((d) => d.decision.action === 'backport' && !d.decision.human).map((d) => d.decision.policy)
    : [drift.decision.policy];
  const ids = [...new Set(policies.flatMap((p) => (p?.outcome === 'tracking_issue' ? p.matched.map((m) => `${m.id} (${m.source})`) : [])))];
  return ids.length > 0
    ? `policy ${ids.join(', ')} forbids a generated backport pull request for this resource: the change is to be codified by hand`
    : null;
}

/** The hidden lines: drift and resource ids (what issues are found by), and the record summary (what a rebuild reads). */
export function marker(drift: DriftRecord): string {
  return `<!-- driftwarden:drift=${drift.id} resource=${drift.resource.id} -->\n${recordMarker(drift, incidentOf(drift) ?? drift.links.incident ?? null)}`;
}
