/**
 * @module
 * HTTP/1.1 over a raw TCP socket, for what fetch hides: one keep-alive connection carrying
 * several requests in a row, chunked uploads of any size, and answers that arrive before the
 * upload ended. Responses are parsed by Content-Length or chunked framing.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type RawOutcome = RawResponse | 'timeout' | 'closed';

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Writes, waiting for the kernel to take it (bounded), so a server that stops reading shows as a stall. */
  async write(data: string | Uint8Array, timeoutMs = 10_000): Promise<'ok' | 'stalled' | 'closed'> {
    if (this.isClosed) return 'closed';
    if (this.socket.write(data)) return 'ok';
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve('stalled'), timeoutMs);
      this.socket.once('drain', () => {
        clearTimeout(t);
        resolve(this.isClosed ? 'closed' : 'ok');
      });
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve('closed');
      });
    });
  }

  /** Sends `total` bytes as chunked body (the head must say Transfer-Encoding: chunked), then the last chunk. */
  async sendChunkedBody(total: number, chunkSize = 64 * 1024, byte = 0x41): Promise<'ok' | 'stalled' | 'closed'> {
    const chunk = Buffer.alloc(chunkSize, byte);
    for (let sent = 0; sent < total; sent += chunkSize) {
      const r = await this.write(Buffer.concat([Buffer.from(`${chunkSize.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
      if (r !== 'ok') return r;
    }
    return this.write('0\r\n\r\n');
  }

  /** The next complete response on the connection, or why there is none within `timeoutMs`. */
  async readResponse(timeoutMs = 15_000): Promise<RawOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.parseOne();
      if (parsed) return parsed;
      if (this.closed) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private parseOne(): RawResponse | null {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    let at = end + 4;
    let body: Buffer;
    if (headers['transfer-encoding']?.includes('chunked')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd === -1) return null;
        const size = Number.parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return null;
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffer.length < at + length) return null;
      body = this.buffer.subarray(at, at + length);
      at += length;
    }
    this.buffer = this.buffer.subarray(at);
    return { status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8') };
  }
}
