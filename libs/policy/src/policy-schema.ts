/**
 * The Cedar schema driftwarden's policies are validated against at start-up (a typo such as
 * `resource.tag` stops start-up with its file and line instead of silently never matching).
 * `context.time.zones` has one entry per zone in `policies.timeZones`.
 */
export function policySchema(timeZones: readonly string[]): string {
  const zones = timeZones.map((z) => `${JSON.stringify(z)}: Local`).join(', ');
  return `
type Difference = { id: String, sentence: String, side: String, axis: String, change: String, revert: String, madeBy: String };
type Local = { hour: Long, minute: Long, weekday: Long, date: String, weekend: Bool };
entity Principal = { class: String, arn?: String, session?: String };
entity Resource = {
  kind: String, type: String, id: String, account: String, region: String, critical: Bool,
  stack?: String, address?: String, differences: Set<Difference>
} tags String;
type DecisionContext = {
  rule: Long,
  dryRun: Bool,
  difference?: Difference,
  freeze: {
    frozen: Bool,
    sources: Set<String>,
    atChange: { declared: Bool, unknown: Bool, withinLookback: Bool, sources: Set<String> }
  },
  incident: { open: Bool, provider?: String, id?: String, title?: String },
  time: { iso: String, epochSeconds: Long, utc: Local, zones: { ${zones} } }
};
action revert, await_approval, backport, tracking_issue, hold
  appliesTo { principal: Principal, resource: Resource, context: DecisionContext };
`;
}
