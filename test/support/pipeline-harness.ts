import { PrincipalClassifier } from '@driftwarden/domain';
import { KindRegistry } from '@driftwarden/pipeline';
import type { PortOverrides } from '../../apps/controller/src/core/port-overrides';
import { FakeAttribution, FakeDesiredState, FakeFreeze, FakeSgKind, OpenFence, SpyBackport, SpyRemediation } from './fake-ports';

export const PRINCIPALS = {
  iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
  breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
  self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
};

/** Every cloud-facing port filled with a controllable fake (exceptions use the real store). */
export function fakePorts() {
  const classifier = new PrincipalClassifier(PRINCIPALS);
  const ports = {
    kinds: new KindRegistry([new FakeSgKind()]),
    desiredState: new FakeDesiredState(),
    attribution: new FakeAttribution((arn) => classifier.classify(arn)),
    freeze: new FakeFreeze(),
    fence: new OpenFence(),
    remediation: new SpyRemediation(),
    backport: new SpyBackport(),
  };
  const overrides: PortOverrides = ports;
  return { ...ports, overrides };
}
