// Structured one-line logs (Vercel shows stdout/stderr per request). Tests pass a silent or recording logger.

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function line(level: string, message: string, fields?: LogFields): string {
  return JSON.stringify({ level, msg: message, ...fields });
}

export const consoleLogger: Logger = {
  info: (m, f) => console.log(line("info", m, f)),
  warn: (m, f) => console.warn(line("warn", m, f)),
  error: (m, f) => console.error(line("error", m, f)),
};

/** Everything to stderr: for command-line tools that write their result to stdout. */
export const stderrLogger: Logger = {
  info: (m, f) => console.error(line("info", m, f)),
  warn: (m, f) => console.error(line("warn", m, f)),
  error: (m, f) => console.error(line("error", m, f)),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
