// Structured JSON logs. Secrets never reach them: tokens, cookies and passwords are redacted wherever
// they appear in a logged object.
import { pino, type Logger } from 'pino';

export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-share-password"]',
        '*.password',
        '*.password_hash',
        '*.refresh_token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
