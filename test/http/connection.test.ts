// The HTTP/1 connection rules one at a time, on stand-in connections: which response carries
// `Connection: close`, when a quiet socket is closed, and what counts as an event stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { Connection, isEventStream } from '../../src/http/connection.js';

function response(headersSent = false) {
  const headers = new Map<string, string>();
  return {
    headersSent,
    headers,
    setHeader: vi.fn((name: string, value: string) => void headers.set(name, value)),
    removeHeader: vi.fn((name: string) => void headers.delete(name)),
  };
}
type FakeResponse = ReturnType<typeof response>;

function connection(fields: Partial<Record<keyof Connection, unknown>> = {}) {
  const socket = { bytesRead: 10, destroyed: false, destroy: vi.fn() };
  const tracker = { responseClosed: vi.fn() };
  const conn = new Connection(tracker, socket as unknown as Connection['socket']);
  return Object.assign(conn, fields) as Connection & { socket: typeof socket };
}

const asResponse = (res: FakeResponse) => res as unknown as ServerResponse;

describe('markClose', () => {
  it('marks the latest response whose headers are not out, once', () => {
    const res = response();
    const conn = connection({ lastRes: asResponse(res) });
    conn.markClose();
    conn.markClose();
    expect(res.headers.get('connection')).toBe('close');
    expect(res.setHeader).toHaveBeenCalledTimes(1);
    expect(conn.marked).toBe(res);
  });

  it('does nothing without a response, or when the headers are already out', () => {
    const conn = connection();
    conn.markClose();
    expect(conn.marked).toBeUndefined();
    const sent = response(true);
    conn.lastRes = asResponse(sent);
    conn.markClose();
    expect(sent.setHeader).not.toHaveBeenCalled();
    expect(conn.marked).toBeUndefined();
  });

  it('with pipelining, takes the mark back from an earlier response still unsent', () => {
    const first = response();
    const conn = connection({ lastRes: asResponse(first) });
    conn.markClose();
    const second = response();
    conn.lastRes = asResponse(second);
    conn.markClose();
    expect(first.removeHeader).toHaveBeenCalledWith('connection');
    expect(first.headers.has('connection')).toBe(false);
    expect(second.headers.get('connection')).toBe('close');
  });

  it('leaves an earlier response alone once its headers are out', () => {
    const first = response();
    const conn = connection({ lastRes: asResponse(first) });
    conn.markClose();
    first.headersSent = true;
    conn.lastRes = asResponse(response());
    conn.markClose();
    expect(first.removeHeader).not.toHaveBeenCalled();
  });
});

describe('checkIdle', () => {
  it('closes a quiet socket at once when its grace is over', () => {
    const conn = connection({ quietSince: Date.now() - 50 });
    conn.checkIdle(50);
    expect(conn.socket.destroy).toHaveBeenCalledTimes(1);
  });

  it('waits out the rest of the grace, then closes', async () => {
    vi.useFakeTimers();
    try {
      const conn = connection({ quietSince: Date.now() });
      conn.checkIdle(100);
      expect(conn.socket.destroy).not.toHaveBeenCalled();
      vi.advanceTimersByTime(99);
      expect(conn.socket.destroy).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(conn.socket.destroy).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never closes a socket that is busy, upgraded, gone, or receiving', () => {
    const cases = [
      connection({ inflight: 1 }),
      connection({ upgraded: true }),
      connection({ quietBytes: 9 }),
    ];
    const gone = connection();
    gone.socket.destroyed = true;
    for (const conn of [...cases, gone]) {
      conn.checkIdle(0);
      expect(conn.socket.destroy).not.toHaveBeenCalled();
      expect(conn.timer).toBeUndefined();
    }
  });

  it('a new check clears the timer of the last one', async () => {
    vi.useFakeTimers();
    try {
      const conn = connection({ quietSince: Date.now() });
      conn.checkIdle(100);
      conn.inflight = 1;
      conn.checkIdle(100);
      conn.inflight = 0;
      vi.advanceTimersByTime(200);
      expect(conn.socket.destroy).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('isEventStream', () => {
  const req = (accept?: string) => ({ headers: { accept } }) as unknown as IncomingMessage;
  const res = (type?: unknown) =>
    ({
      getHeader: (name: string) => (name === 'content-type' ? type : undefined),
    }) as unknown as ServerResponse;

  it('by the response content type, with or without parameters', () => {
    expect(isEventStream(req(), res('text/event-stream'))).toBe(true);
    expect(isEventStream(req(), res('text/event-stream; charset=utf-8'))).toBe(true);
    expect(isEventStream(req(), res('text/plain; x=text/event-stream'))).toBe(false);
    expect(isEventStream(req(), res(['text/event-stream']))).toBe(false);
  });

  it('by what the client accepts', () => {
    expect(isEventStream(req('text/event-stream'), res())).toBe(true);
    expect(isEventStream(req('text/html, text/event-stream'), res('text/html'))).toBe(true);
    expect(isEventStream(req('text/html'), res())).toBe(false);
    expect(isEventStream(req(), res())).toBe(false);
  });
});
