/**
 * Structured logs: JSON lines on stderr (pino) with levels, one line per request (pino-http)
 * carrying its request id, which is also answered as `X-Request-Id`. A client's own
 * `X-Request-Id` is kept when it is short and printable, so ids can follow a request across
 * services. Keys never reach the log: no headers are logged and `?key=` is masked in URLs.
 */
import { randomUUID } from 'crypto';
import type { IncomingMessage, ServerResponse } from 'http';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** A JSON logger to stderr at `level` (see LOG_LEVEL). */
export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'moderato' } }, pino.destination(2));
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const CLIENT_ID = /^[\w.:-]{1,128}$/;

/** The URL with any `key=` query value masked. */
export function maskKey(url: string): string {
  return url.replace(/([?&]key=)[^&#]*/gi, '$1***');
}

/** pino-http middleware: request id, one log line per finished request. */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const sent = req.headers['x-request-id'];
      const id = typeof sent === 'string' && CLIENT_ID.test(sent) ? sent : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel(_req, res, err) {
      // 503 is load shed on purpose (overloaded, loading): a warning, not an error.
      if (res.statusCode === 503) return 'warn';
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    // A 5xx answer is not an exception: pino-http would invent an Error with a stack for it. Real
    // errors are logged with their stack by the app's error handler.
    customErrorObject(_req, _res, _err, val: Record<string, unknown>) {
      const { err: _drop, ...rest } = val;
      void _drop;
      return rest;
    },
    customErrorMessage: () => 'request completed',
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: maskKey(req.url), remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
