import { pagerDutyWebhookBody, signPagerDutyBody, type PagerDutyWebhookOptions } from '@driftwarden/incidents';

/** A PagerDuty v3 webhook body (see libs/incidents pagerDutyWebhookBody). */
export function pagerDutyWebhook(o: PagerDutyWebhookOptions & { service?: string | { id: string; summary?: string } }) {
  const { service, ...rest } = o;
  return pagerDutyWebhookBody({ ...rest, ...(service ? { service: typeof service === 'string' ? { id: service } : service } : {}) });
}

export function signed(body: unknown, ...secrets: string[]): { raw: string; signature: string } {
  const raw = JSON.stringify(body);
  return { raw, signature: secrets.map((s) => signPagerDutyBody(raw, s)).join(',') };
}
