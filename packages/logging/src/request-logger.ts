import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * A request's logger (Fastify's `request.log`) that becomes pino's child, with the request id
 * in its bindings, only once the request logs at an enabled level. pino's child() serialises
 * and redacts its bindings when it is made, which Fastify would otherwise do for every request,
 * including the many that log nothing at the service's level (probes, and every request
 * below `info`).
 */
class RequestLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.parent.level;
  }

  isLevelEnabled(level: string): boolean {
    return this.parent.isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger().child(bindings, options);
  }

  logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings));
  }
}

for (const level of LEVELS) {
  Object.defineProperty(RequestLogger.prototype, level, {
    value(this: RequestLogger, ...args: unknown[]) {
      if (!this.isLevelEnabled(level)) return;
      const logger = this.logger();
      (logger[level] as (...line: unknown[]) => void).apply(logger, args);
    },
  });
}

/**
 * Fastify's `childLoggerFactory` for bootstrapService: the per-request logger above. A route
 * with a log level or serializers of its own gets pino's child at once, as Fastify would make it.
 */
export function requestLogger(logger: Logger, bindings: Bindings, options: ChildLoggerOptions): Logger {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  return new RequestLogger(logger, bindings) as unknown as Logger;
}
