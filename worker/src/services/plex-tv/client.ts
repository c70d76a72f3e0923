/**
 * @module
 * The slice of the plex.tv API used for "Sign in with Plex" (the PIN flow every Plex
 * companion app uses): create a PIN, poll it until the user approves it, fetch the account.
 * The base URL is configurable so tests run against a local plex.tv simulator.
 */
import { z } from 'zod';
import { AppError } from '../../errors';

export const PLEX_PRODUCT = 'plexops';

const Pin = z.object({
  id: z.number(),
  code: z.string(),
  expiresAt: z.string().nullish(),
  expiresIn: z.number().nullish(),
  authToken: z.string().nullish(),
});
export type PlexPin = z.infer<typeof Pin>;

const Account = z.object({
  id: z.number(),
  uuid: z.string().optional(),
  username: z.string().nullish(),
  title: z.string().nullish(),
  email: z.string().nullish(),
});
export type PlexAccount = z.infer<typeof Account>;

export interface PlexTvClientOptions {
  baseUrl: string;
  clientIdentifier: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class PlexTvClient {
  constructor(private readonly opts: PlexTvClientOptions) {}

  private headers(token?: string): Record<string, string> {
    return {
      Accept: 'application/json',
      'X-Plex-Product': PLEX_PRODUCT,
      'X-Plex-Client-Identifier': this.opts.clientIdentifier,
      ...(token ? { 'X-Plex-Token': token } : {}),
    };
  }

  private async call(path: string, init: RequestInit): Promise<Response> {
    const url = new URL(path, this.opts.baseUrl.replace(/\/?$/, '/'));
    try {
      return await (this.opts.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (cause) {
      throw new AppError('UPSTREAM_UNAVAILABLE', 'plex.tv could not be reached. Try again shortly.', { cause });
    }
  }

  private async parse<T extends z.ZodType>(res: Response, schema: T, what: string): Promise<z.output<T>> {
    const body = await res.json().catch(() => null);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new AppError('UPSTREAM_UNAVAILABLE', `plex.tv returned an unexpected ${what}.`);
    return parsed.data;
  }

  async createPin(): Promise<PlexPin> {
    const res = await this.call('api/v2/pins?strong=true', { method: 'POST', headers: this.headers() });
    if (!res.ok) throw new AppError('UPSTREAM_UNAVAILABLE', `plex.tv refused to create a sign-in PIN (HTTP ${res.status}).`);
    return this.parse(res, Pin, 'PIN');
  }

  /** The PIN, or null when plex.tv no longer knows it (expired or never existed). */
  async getPin(id: number): Promise<PlexPin | null> {
    const res = await this.call(`api/v2/pins/${id}`, { method: 'GET', headers: this.headers() });
    if (res.status === 404) return null;
    if (!res.ok) throw new AppError('UPSTREAM_UNAVAILABLE', `plex.tv could not check the sign-in PIN (HTTP ${res.status}).`);
    return this.parse(res, Pin, 'PIN');
  }

  async getAccount(authToken: string): Promise<PlexAccount> {
    const res = await this.call('api/v2/user', { method: 'GET', headers: this.headers(authToken) });
    if (res.status === 401) throw new AppError('UNAUTHORIZED', 'plex.tv did not accept the sign-in.');
    if (!res.ok) throw new AppError('UPSTREAM_UNAVAILABLE', `plex.tv could not return the account (HTTP ${res.status}).`);
    return this.parse(res, Account, 'account');
  }
}

/** The page a person opens to approve the PIN (Plex's hosted auth app). */
export function plexAuthAppUrl(clientIdentifier: string, code: string, forwardUrl?: string): string {
  const params = new URLSearchParams({ clientID: clientIdentifier, code, 'context[device][product]': PLEX_PRODUCT });
  if (forwardUrl) params.set('forwardUrl', forwardUrl);
  return `https://app.plex.tv/auth#?${params.toString()}`;
}
