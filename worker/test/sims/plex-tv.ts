/**
 * @module plex-tv
 * Loopback simulator of the plex.tv account API used by "Sign in with Plex" (PIN flow), for the worker's
 * tests. Start it with {@link startPlexTvSim} and point the worker's PLEX_TV_URL at `sim.url`.
 *
 * Implemented (shapes from LukeHagar/plex-api-spec `models/UserPlexAccount.yaml`, the plexjs/plexjava SDK
 * models generated from it (GetPin / GetTokenByPinId AuthPinContainer, GeoData, error bodies), python-plexapi
 * `myplex.py`, and plex.tv error codes as catalogued by Rust/Go clients with captured responses):
 * - `POST /api/v2/pins[?strong=true]` → 201 pin `{ id, code, product, trusted, qr, clientIdentifier,
 *   location{snake_case geo}, expiresIn, createdAt, expiresAt, authToken: null, newRegistration: null }`.
 *   Strong codes are 25 lower-case alphanumerics (app.plex.tv/auth flow), weak ones 4 upper-case
 *   characters (plex.tv/link). TTL 1800 s strong / 900 s weak unless `pinTtlSeconds` is given.
 * - `GET /api/v2/pins/:id` → 200 pin; `authToken` becomes a string once {@link PlexTvSim.authorizePin} ran.
 *   Unknown, expired or another client's pin → 404 `{"errors":[{"code":1020,"message":"Code not found or
 *   expired"}]}` (no `status` member: the SDK models and the Rust error table both show it without one).
 * - `GET /api/v2/user` with `X-Plex-Token` → 200 account (UserPlexAccount fields); missing/unknown token →
 *   401 `{"errors":[{"code":1001,"message":"User could not be authenticated","status":401}]}`.
 * - Every `/api/v2/*` call without `X-Plex-Client-Identifier` → 400 code 1000 "X-Plex-Client-Identifier is
 *   missing". `X-Plex-*` values are also accepted as query parameters, as plex.tv does.
 * - JSON when `Accept` contains application/json or the path ends in `.json`; XML (attributes, booleans as
 *   0/1) otherwise, which is plex.tv's default.
 * - Unknown path → 404 code 1002; wrong method on a known path → 405 code 1005.
 * - `failNext(count, status)` answers the next requests with 429 (code 1003 "API rate limit exceeded") or a
 *   5xx (503 → code 1013 "The server cannot handle the request", others code 1007 "Internal Server
 *   Error…") for retry tests.
 *
 * Left out: password sign-in (`/api/v2/users/signin`), `PUT /api/v2/pins/link`, JWT device auth, resources,
 * Plex Home switching, the app.plex.tv browser page itself (use `authorizePin`), real geo-IP, rate limiting
 * that is not injected.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drain, flatHeaders, sendBody, startLoopbackServer } from './sim-http';

export interface PlexTvAccountSeed {
  id: number;
  username: string;
  email?: string;
  title?: string;
  thumb?: string;
}

export interface PlexTvAccount {
  id: number;
  uuid: string;
  username: string;
  title: string;
  email: string;
  thumb: string;
  joinedAt: number;
}

export interface PlexTvRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  status: number;
}

export interface PlexTvSim {
  /** Base URL (no trailing slash), the worker's PLEX_TV_URL. */
  url: string;
  accounts: Map<number, PlexTvAccount>;
  addAccount(seed: PlexTvAccountSeed): PlexTvAccount;
  /** Simulates the user approving the PIN in the browser: a fresh random token for that account. */
  authorizePin(pinIdOrCode: number | string, accountId: number): string;
  expirePin(id: number): void;
  /** Issue a token without the PIN dance (for tests that start signed in). */
  issueToken(accountId: number): string;
  revokeToken(token: string): void;
  failNext(count: number, status: number): void;
  requests: PlexTvRequest[];
  close(): Promise<void>;
}

interface Pin {
  id: number;
  code: string;
  product: string;
  clientIdentifier: string;
  createdAt: number;
  expiresAt: number;
  authToken: string | null;
}

type PlexError = { code: number; message: string; status?: number };

const ERR = {
  clientId: { code: 1000, message: 'X-Plex-Client-Identifier is missing', status: 400 },
  unauthorized: { code: 1001, message: 'User could not be authenticated', status: 401 },
  notFound: { code: 1002, message: 'The requested resource or endpoint could not be found', status: 404 },
  rateLimit: { code: 1003, message: 'API rate limit exceeded', status: 429 },
  method: { code: 1005, message: 'The request method is not allowed for this endpoint', status: 405 },
  internal: { code: 1007, message: 'Internal Server Error. Something went wrong on our end', status: 500 },
  unavailable: { code: 1013, message: 'The server cannot handle the request', status: 503 },
  pin: { code: 1020, message: 'Code not found or expired' },
} satisfies Record<string, PlexError>;

// Fixed, obviously fake geo data: plex.tv geolocates the caller; tests only need the shape.
const LOCATION = {
  code: 'US',
  european_union_member: false,
  continent_code: 'NA',
  country: 'United States',
  city: 'Testville',
  time_zone: 'America/New_York',
  postal_code: '10001',
  in_privacy_restricted_country: false,
  in_privacy_restricted_region: false,
  subdivisions: 'New York',
  coordinates: '40.7500, -73.9967',
};

const ALNUM_LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Plex account tokens are 20 URL-safe characters. */
function newToken(): string {
  return randomBytes(15).toString('base64url');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function xmlAttrs(obj: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined || typeof v === 'object') continue;
    const text = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    out += ` ${k}="${xmlEscape(text)}"`;
  }
  return out;
}

export async function startPlexTvSim(opts: {
  accounts?: PlexTvAccountSeed[];
  pinTtlSeconds?: number;
} = {}): Promise<PlexTvSim> {
  const accounts = new Map<number, PlexTvAccount>();
  const pins = new Map<number, Pin>();
  const tokens = new Map<string, number>();
  const requests: PlexTvRequest[] = [];
  let nextPinId = 300_000_000 + randomInt(1_000_000);
  let failures: { remaining: number; status: number } = { remaining: 0, status: 503 };

  function addAccount(seed: PlexTvAccountSeed): PlexTvAccount {
    if (!Number.isSafeInteger(seed.id) || seed.id <= 0) throw new Error(`invalid account id ${seed.id}`);
    if (accounts.has(seed.id)) throw new Error(`account ${seed.id} already exists`);
    const uuid = randomBytes(8).toString('hex');
    const account: PlexTvAccount = {
      id: seed.id,
      uuid,
      username: seed.username,
      title: seed.title ?? seed.username,
      email: seed.email ?? `${seed.username.toLowerCase()}@example.com`,
      thumb: seed.thumb ?? `https://plex.tv/users/${uuid}/avatar?c=${randomInt(1e9)}`,
      joinedAt: Math.floor(Date.now() / 1000) - 86_400 * 365,
    };
    accounts.set(account.id, account);
    return account;
  }
  for (const seed of opts.accounts ?? []) addAccount(seed);

  function issueToken(accountId: number): string {
    if (!accounts.has(accountId)) throw new Error(`unknown account ${accountId}`);
    const token = newToken();
    tokens.set(token, accountId);
    return token;
  }

  function livePin(pin: Pin | undefined): pin is Pin {
    return pin !== undefined && pin.expiresAt > Date.now();
  }

  function pinJson(pin: Pin) {
    return {
      id: pin.id,
      code: pin.code,
      product: pin.product,
      trusted: false,
      qr: `https://plex.tv/api/v2/pins/qr/${pin.code}`,
      clientIdentifier: pin.clientIdentifier,
      location: LOCATION,
      expiresIn: Math.max(0, Math.round((pin.expiresAt - Date.now()) / 1000)),
      createdAt: iso(pin.createdAt),
      expiresAt: iso(pin.expiresAt),
      authToken: pin.authToken,
      newRegistration: null,
    };
  }

  function userJson(account: PlexTvAccount, token: string) {
    return {
      id: account.id,
      uuid: account.uuid,
      username: account.username,
      title: account.title,
      email: account.email,
      friendlyName: '',
      locale: null,
      confirmed: true,
      joinedAt: account.joinedAt,
      emailOnlyAuth: false,
      hasPassword: true,
      protected: false,
      thumb: account.thumb,
      authToken: token,
      mailingListStatus: 'unsubscribed',
      mailingListActive: false,
      scrobbleTypes: '',
      country: 'US',
      subscription: { active: false, subscribedAt: null, status: 'Inactive', paymentService: null, plan: null, features: [] },
      subscriptionDescription: null,
      restricted: false,
      anonymous: null,
      home: false,
      guest: false,
      homeSize: 1,
      homeAdmin: false,
      maxHomeSize: 15,
      rememberExpiresAt: Math.floor(Date.now() / 1000) + 14 * 86_400,
      profile: {
        autoSelectAudio: true,
        defaultAudioLanguage: 'en',
        defaultSubtitleLanguage: 'en',
        autoSelectSubtitle: 0,
        defaultSubtitleAccessibility: 0,
        defaultSubtitleForced: 0,
        watchedIndicator: 1,
        mediaReviewsVisibility: 0,
      },
      entitlements: [],
      roles: [],
      services: [],
      adsConsent: null,
      adsConsentSetAt: null,
      adsConsentReminderAt: null,
      experimentalFeatures: false,
      twoFactorEnabled: false,
      backupCodesCreated: false,
      attributionPartner: null,
      pastSubscriptions: [],
      trials: [],
      subscriptions: [],
    };
  }

  function reply(res: ServerResponse, json: boolean, status: number, root: string, body: Record<string, unknown>): void {
    if (json) {
      sendBody(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
      return;
    }
    let children = '';
    for (const [k, v] of Object.entries(body)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) children += `<${k}${xmlAttrs(v as Record<string, unknown>)}/>`;
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${xmlAttrs(body)}>${children}</${root}>\n`;
    sendBody(res, status, 'application/xml; charset=utf-8', xml);
  }

  function replyErrors(res: ServerResponse, json: boolean, status: number, error: PlexError): void {
    if (json) {
      sendBody(res, status, 'application/json; charset=utf-8', JSON.stringify({ errors: [error] }));
      return;
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<errors><error${xmlAttrs(error)}/></errors>\n`;
    sendBody(res, status, 'application/xml; charset=utf-8', xml);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await drain(req, 64 * 1024);
    const url = new URL(req.url ?? '/', 'http://plex.tv.invalid');
    const headers = flatHeaders(req);
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const entry: PlexTvRequest = { method, path: url.pathname, query, headers, status: 0 };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));

    const plex = (name: string): string => headers[name.toLowerCase()] ?? url.searchParams.get(name) ?? '';
    const dotJson = url.pathname.endsWith('.json');
    const path = dotJson ? url.pathname.slice(0, -5) : url.pathname;
    const json = dotJson || (headers.accept ?? '').includes('application/json');

    if (failures.remaining > 0) {
      failures.remaining--;
      const error =
        failures.status === 429 ? ERR.rateLimit
        : failures.status === 503 ? ERR.unavailable
        : { ...ERR.internal, status: failures.status };
      replyErrors(res, json, failures.status, error);
      return;
    }

    const pinMatch = /^\/api\/v2\/pins\/([^/]+)$/.exec(path);
    const route = path === '/api/v2/pins' ? 'pins' : pinMatch ? 'pin' : path === '/api/v2/user' ? 'user' : null;
    if (!route) return replyErrors(res, json, 404, ERR.notFound);
    const allowed = route === 'pins' ? 'POST' : 'GET';
    if (method !== allowed) return replyErrors(res, json, 405, ERR.method);

    const clientIdentifier = plex('X-Plex-Client-Identifier');
    if (!clientIdentifier) return replyErrors(res, json, 400, ERR.clientId);

    if (route === 'pins') {
      const strong = url.searchParams.get('strong') === 'true';
      const ttl = opts.pinTtlSeconds ?? (strong ? 1800 : 900);
      const now = Date.now();
      const pin: Pin = {
        id: nextPinId++,
        code: strong ? randomString(ALNUM_LOWER, 25) : randomString(ALNUM_UPPER, 4),
        product: plex('X-Plex-Product'),
        clientIdentifier,
        createdAt: now,
        expiresAt: now + ttl * 1000,
        authToken: null,
      };
      pins.set(pin.id, pin);
      return reply(res, json, 201, 'pin', pinJson(pin));
    }

    if (route === 'pin') {
      const idText = pinMatch?.[1] ?? '';
      const pin = /^\d{1,15}$/.test(idText) ? pins.get(Number(idText)) : undefined;
      // A pin is only visible to the client that created it; anything else looks like "not found".
      if (!livePin(pin) || pin.clientIdentifier !== clientIdentifier) return replyErrors(res, json, 404, ERR.pin);
      return reply(res, json, 200, 'pin', pinJson(pin));
    }

    const token = plex('X-Plex-Token');
    const accountId = token ? tokens.get(token) : undefined;
    const account = accountId === undefined ? undefined : accounts.get(accountId);
    if (!account) return replyErrors(res, json, 401, ERR.unauthorized);
    return reply(res, json, 200, 'user', userJson(account, token));
  }

  const started = await startLoopbackServer(handle);

  return {
    url: started.url,
    accounts,
    addAccount,
    authorizePin(pinIdOrCode, accountId) {
      const pin =
        typeof pinIdOrCode === 'number'
          ? pins.get(pinIdOrCode)
          : [...pins.values()].find((p) => p.code === pinIdOrCode || String(p.id) === pinIdOrCode);
      if (!livePin(pin)) throw new Error(`pin ${pinIdOrCode} not found or expired`);
      pin.authToken = issueToken(accountId);
      return pin.authToken;
    },
    expirePin(id) {
      const pin = pins.get(id);
      if (!pin) throw new Error(`pin ${id} not found`);
      pin.expiresAt = Date.now() - 1;
    },
    issueToken,
    revokeToken(token) {
      tokens.delete(token);
    },
    failNext(count, status) {
      failures = { remaining: count, status };
    },
    requests,
    close: started.close,
  };
}
