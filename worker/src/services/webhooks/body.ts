/**
 * @module
 * Reads a webhook body the way Plex sends it: multipart/form-data with a `payload` JSON part and
 * an optional JPEG `thumb` part (its bytes are handed on as they are — to the posters bucket,
 * never to Postgres — and never decoded here), or a plain JSON body (Tautulli-style senders).
 * The body is read as a stream and not kept past the cap, so an oversized delivery costs at most
 * `maxBytes` of memory; the rest is drained (bounded) so the sender's connection stays usable
 * (lib/request-body.ts).
 */
import { AppError } from '../../errors';
import { readCapped, refuseDeclaredLength } from '../../lib/request-body';
import { BytePattern, type SearchWork } from '../../lib/byte-search';

export interface WebhookBody {
  /** The payload JSON text, not yet parsed. */
  payloadText: string;
  /** Whether a thumb/image part came along. */
  hadThumb: boolean;
  /** The first thumb/image part's bytes (a view into the body), or null. */
  thumb: Uint8Array | null;
}

/** An INVALID_PAYLOAD error whose message is the reason a sender can act on. */
export function invalidPayload(reason: string): AppError {
  return new AppError('INVALID_PAYLOAD', reason);
}

/** Rejects on Content-Length alone when it is declared too large, before any byte is kept. */
export function checkDeclaredLength(req: Request, max: number): Promise<void> {
  return refuseDeclaredLength(req, max, 'webhook body');
}

const CRLFCRLF = new BytePattern(new Uint8Array([13, 10, 13, 10]));
const MAX_PARTS = 16;

function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

function partName(headers: string): { name: string | null; filename: string | null } {
  const disp = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1] ?? '';
  const name = /;\s*name="([^"]*)"/i.exec(disp)?.[1] ?? /;\s*name=([^;\s]+)/i.exec(disp)?.[1] ?? null;
  const filename = /;\s*filename="([^"]*)"/i.exec(disp)?.[1] ?? null;
  return { name, filename };
}

/**
 * Parses a multipart/form-data body and returns the `payload` part's text. Linear in the body
 * size whatever the boundary (lib/byte-search.ts): every search starts where the last one ended,
 * over at most MAX_PARTS parts. `work` counts byte comparisons (tests prove the bound with it).
 */
export function parseMultipart(bytes: Uint8Array, contentType: string, work?: SearchWork): WebhookBody {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw invalidPayload('The multipart body has no boundary in its Content-Type.');
  const enc = new TextEncoder();
  const delimiter = new BytePattern(enc.encode(`--${boundary}`));
  let at = delimiter.indexIn(bytes, 0, work);
  if (at === -1) throw invalidPayload('The multipart body contains no parts.');
  const next = new BytePattern(enc.encode(`\r\n--${boundary}`));
  let payloadText: string | null = null;
  let thumb: Uint8Array | null = null;
  for (let parts = 0; parts < MAX_PARTS; parts++) {
    at += delimiter.needle.length;
    // "--" after a delimiter closes the body.
    if (bytes[at] === 45 && bytes[at + 1] === 45) break;
    const headersEnd = CRLFCRLF.indexIn(bytes, at, work);
    if (headersEnd === -1) throw invalidPayload('A multipart part is truncated (no end of headers).');
    const headers = new TextDecoder().decode(bytes.subarray(at, headersEnd));
    const contentStart = headersEnd + 4;
    const end = next.indexIn(bytes, contentStart, work);
    if (end === -1) throw invalidPayload('The multipart body is truncated (no closing boundary).');
    const { name, filename } = partName(headers);
    if (name === 'payload' && payloadText === null) {
      payloadText = new TextDecoder().decode(bytes.subarray(contentStart, end));
    } else if ((name === 'thumb' || filename !== null) && thumb === null) {
      thumb = bytes.subarray(contentStart, end);
    }
    at = end + 2; // position of the next "--boundary"
  }
  if (payloadText === null) throw invalidPayload('The multipart body has no "payload" part.');
  return { payloadText, hadThumb: thumb !== null, thumb };
}

/** Decides by Content-Type how to read the body; anything but multipart or JSON is refused. */
export async function readWebhookBody(req: Request, max: number): Promise<WebhookBody> {
  const contentType = req.headers.get('content-type') ?? '';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type !== 'multipart/form-data' && type !== 'application/json') {
    throw invalidPayload(`Expected multipart/form-data (as Plex sends) or application/json, got ${type ? `"${type.slice(0, 60)}"` : 'no Content-Type'}.`);
  }
  const bytes = await readCapped(req.body, max, 'webhook body');
  if (type === 'application/json') return { payloadText: new TextDecoder().decode(bytes), hadThumb: false, thumb: null };
  return parseMultipart(bytes, contentType);
}
