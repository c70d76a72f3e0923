/** @module Where CLI commands print: injectable so commands can be tested in-process. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Standard output is a terminal: a progress line may be redrawn in place. */
  readonly tty?: boolean;
  /** Raw write to standard output (no newline added), for the redrawn progress line. */
  write?(text: string): void;
}

export const processIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  tty: process.stdout.isTTY === true,
  write: (t) => process.stdout.write(t),
};
