/**
 * Helpers shared by the infra/ specs: the sample events of examples/events, the EventBridge
 * rules a module would create (evaluated from HCL), and IAM policy documents.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventJson, matchesPattern } from './event-pattern';
import { isJsonObject, ModuleEvaluator, PolicyDocument, PolicyStatement, toJson, Value } from './terraform-module';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const INFRA = join(ROOT, 'infra');
export const SAMPLES = join(ROOT, 'examples', 'events');

export type EventObject = { [key: string]: EventJson };

export function readEvent(file: string): EventObject {
  const parsed: unknown = JSON.parse(readFileSync(join(SAMPLES, file), 'utf8'));
  const json = toJson(parsed);
  if (!isJsonObject(json)) throw new TypeError(`${file}: not an event object`);
  return json;
}

/** A deep copy of `event` with `detail` changed by `edit`. */
export function withDetail(event: EventObject, edit: (detail: EventObject) => void): EventObject {
  const copy = toJson(structuredClone(event));
  if (!isJsonObject(copy) || !isJsonObject(copy.detail)) throw new TypeError('event without detail');
  edit(copy.detail);
  return copy;
}

export function objectAt(obj: EventObject, key: string): EventObject {
  const v = obj[key];
  if (!isJsonObject(v)) throw new TypeError(`${key} is not an object`);
  return v;
}

export function str(v: Value, what: string): string {
  if (typeof v !== 'string') throw new TypeError(`${what}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

/** IAM ARN glob: `*` is any run of characters, `?` one character. */
export function iamGlobMatches(pattern: string, arn: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(arn);
}

export interface Rule {
  /** The for_each key of the rule (`ec2_api_call`), or its resource name (`config_item_change`). */
  key: string;
  address: string;
  name: string;
  busName: string;
  pattern: Record<string, unknown>;
  source: string; // the event_pattern expression as written
}

/** Every EventBridge rule of the module (not of its children), with its pattern decoded. */
export async function eventRules(ev: ModuleEvaluator): Promise<Rule[]> {
  const rules: Rule[] = [];
  for (const inst of await ev.instancesOfType('aws_cloudwatch_event_rule')) {
    const local = inst.address.slice(ev.addressPrefix.length); // aws_cloudwatch_event_rule.NAME[...]
    const resourceName = local.split('.')[1].replace(/\[.*$/, '');
    const forEachKey = /\["((?:[^"\\]|\\.)*)"\]$/.exec(local)?.[1];
    const patternText = str(await inst.get('event_pattern'), `${inst.address}.event_pattern`);
    const pattern = toJson(JSON.parse(patternText));
    if (!isJsonObject(pattern)) throw new TypeError(`${inst.address}: event_pattern is not an object`);
    const raw = ev.module.resources.get(`aws_cloudwatch_event_rule.${resourceName}`)?.event_pattern;
    rules.push({
      key: forEachKey ?? resourceName,
      address: inst.address,
      name: str(await inst.get('name'), `${inst.address}.name`),
      busName: str(await inst.get('event_bus_name'), `${inst.address}.event_bus_name`),
      pattern,
      source: typeof raw === 'string' ? raw : '',
    });
  }
  return rules;
}

export function matchingRules(rules: Rule[], event: EventJson): string[] {
  return rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.key);
}

export function actionsOf(doc: PolicyDocument): string[] {
  return doc.Statement.flatMap((s) => s.Action ?? []);
}

/** The resources every statement granting `action` allows. */
export function resourcesFor(doc: PolicyDocument, action: string): string[] {
  return doc.Statement.filter((s) => (s.Action ?? []).includes(action)).flatMap((s) => s.Resource ?? []);
}

export function statementsFor(doc: PolicyDocument, action: string): PolicyStatement[] {
  return doc.Statement.filter((s) => (s.Action ?? []).includes(action));
}
