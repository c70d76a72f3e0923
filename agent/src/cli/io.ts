/** @module Where CLI commands print: injectable so commands can be tested in-process. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Standard output is a terminal: a progress line may be redrawn in place. */
  readonly tty?: boolean;
  /** Raw write to standard output (no newline added), for the redrawn progress line. */
  write?(text: string): void;
}

/**
 * A stream whose reader went away (`plexops-agent enroll … | head -1`) answers writes with
 * EPIPE: stop writing to it instead of crashing — the command itself still finishes, and its
 * exit status still says how it went.
 */
function tolerantWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

const writeOut = tolerantWriter(process.stdout);
const writeErr = tolerantWriter(process.stderr);

export const processIo: Io = {
  out: (l) => writeOut(`${l}\n`),
  err: (l) => writeErr(`${l}\n`),
  tty: process.stdout.isTTY === true,
  write: (t) => writeOut(t),
};
