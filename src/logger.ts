import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** `destination` replaces stdout (tests read the lines); without it, stdout, pretty on a development terminal. */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'> & Partial<Pick<Config, 'NODE_ID'>>,
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: config.LOG_LEVEL,
    // `node` tells apart the interleaved lines of several API nodes (npm run cluster, docker compose logs).
    base: { service: 'fairdrop', ...(config.NODE_ID ? { node: config.NODE_ID } : {}) },
    // People read the zero-setup start in a terminal; machines read JSON everywhere else.
    ...(config.NODE_ENV === 'development' && process.stdout.isTTY && !destination
      ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss' } } }
      : {}),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'token', '*.token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
