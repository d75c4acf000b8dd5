/**
 * An `agent` for node-fetch 2 (what pdjs 2.2.4 uses through cross-fetch) that reports each
 * response's status line and headers before node-fetch or pdjs see them.
 *
 * Why: pdjs retries a 429 three times after a fixed `retryTimeout` (default 20 s) and ignores
 * `ratelimit-reset`; there is no option to turn that off. Seeing the 429 first lets the adapter
 * abort the request at once (no retry is ever sent) and report when to come back.
 *
 * It relies on `Agent#addRequest`, the hook Node's ClientRequest calls on its agent (the same
 * one `agent-base` and the proxy agents use). Should a future pdjs switch to a fetch that ignores
 * `agent`, the adapter still sets `retryTimeout: 0` and reads the final 429 itself, and the
 * adapter spec "honours ratelimit-reset on 429 without letting pdjs retry" fails (it counts the
 * requests).
 */
import * as http from 'node:http';
import * as https from 'node:https';

interface AgentInternals {
  addRequest(req: http.ClientRequest, options: unknown): void;
}

export type ResponseHeadListener = (response: http.IncomingMessage) => void;

/**
 * node-fetch calls `agent(parsedUrl)` (a legacy `url.parse` object) for each request; this returns
 * one fresh, non-keep-alive agent each time.
 */
export function responseHeadAgent(onResponseHead: ResponseHeadListener): (url: { protocol?: string | null }) => http.Agent {
  return (url) => {
    const agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
    const internals = agent as unknown as AgentInternals;
    const addRequest = internals.addRequest.bind(agent);
    internals.addRequest = (req, options) => {
      // Registered before node-fetch's own 'response' listener, so it runs first.
      req.prependOnceListener('response', onResponseHead);
      addRequest(req, options);
    };
    return agent;
  };
}
