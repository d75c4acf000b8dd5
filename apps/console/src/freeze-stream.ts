import { api, storedToken, type FreezeView } from './api';

export type StreamState = { view: FreezeView | null; live: boolean; error: string | null };

/**
 * The live freeze from `GET /v1/freeze/stream`, read with fetch: EventSource cannot send the
 * Authorization header, and the token must not go into a URL. Reconnects with back-off (1 s
 * doubling to 30 s) and, while disconnected, still shows the last view it had (marked not live).
 * A 401 stops it (the app signs out).
 */
export function followFreeze(onState: (s: StreamState) => void): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let view: FreezeView | null = null;
  let delay = 1000;
  let timer: number | undefined;

  const emit = (live: boolean, error: string | null) => onState({ view, live, error });

  const connect = async () => {
    if (stopped) return;
    controller = new AbortController();
    try {
      const token = storedToken();
      const res = await fetch('/v1/freeze/stream', {
        headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: controller.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
      if (res.status === 401) {
        // Let the API wrapper's 401 handling sign out, with its message.
        await api('GET', '/v1/me').catch(() => undefined);
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseEvent(block);
          if (event?.event === 'freeze') {
            view = JSON.parse(event.data) as FreezeView;
            emit(true, null);
          }
        }
      }
      throw new Error('the stream ended');
    } catch (e) {
      if (stopped) return;
      emit(false, e instanceof Error ? e.message : String(e));
      timer = window.setTimeout(() => void connect(), delay);
      delay = Math.min(delay * 2, 30_000);
    }
  };
  void connect();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    controller?.abort();
  };
}

/** One server-sent event block: `event:` and `data:` lines (comments and `retry:` skipped). */
export function parseEvent(block: string): { event: string; data: string } | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':') || line === '') continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : null;
}
