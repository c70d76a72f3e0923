/**
 * @module
 * `npm run admin:token -- [--name NAME] [--link] [--revoke ID] [--sessions] [--revoke-session ID]`:
 * create an admin API token (printed once, stored hashed), a one-time sign-in link (its session
 * shown as NAME, else "Local admin"), revoke a token (and every session traded for it), list live
 * admin sessions, or end one. Works on DATABASE_URL, the running local stack, or the local data
 * directory.
 */
import { parseArgs } from 'node:util';
import { openLocalDb } from './local-db';
import { createAdminToken, revokeAdminToken } from '../src/services/auth/admin-tokens';
import { createSignInLink } from '../src/services/auth/sign-in-links';
import { listSessions, revokeSessionById } from '../src/services/auth/sessions';

const usage = 'usage: npm run admin:token -- [--name NAME] | --link [--name NAME] [--url BASE_URL] | --revoke TOKEN_ID | --sessions | --revoke-session SESSION_ID';

function parse() {
  try {
    return parseArgs({
      options: {
        name: { type: 'string' },
        link: { type: 'boolean' },
        url: { type: 'string' },
        revoke: { type: 'string' },
        sessions: { type: 'boolean' },
        'revoke-session': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
    process.exit(2);
  }
}

const args = parse();
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const name = (args.name ?? 'cli').trim();
if (!/^[\w .@-]{1,64}$/.test(name)) {
  console.error('--name must be 1–64 letters, digits, spaces or . _ @ -');
  process.exit(2);
}

const opened = await openLocalDb().catch((err) => {
  console.error(`could not open the database: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
try {
  if (args.revoke) {
    const { revoked, sessions } = await revokeAdminToken(opened.db, args.revoke);
    const ended = `${sessions} session${sessions === 1 ? '' : 's'} made with it ended`;
    console.log(revoked ? `revoked ${args.revoke}; ${ended}` : `no active token with id ${args.revoke}${sessions ? ` (${ended})` : ''}`);
    process.exitCode = revoked ? 0 : 1;
  } else if (args.sessions) {
    const items = await listSessions(opened.db, null);
    if (!items.length) console.log('no live admin sessions');
    for (const s of items) {
      console.log(`${s.id}  ${s.principalName} (${s.principalId}, via ${s.via})  created ${s.createdAt}  last seen ${s.lastSeenAt}  ${s.userAgent ?? 'unknown browser'}`);
    }
  } else if (args['revoke-session']) {
    const id = args['revoke-session'];
    const ok = /^[A-Za-z0-9_-]{1,64}$/.test(id) && (await revokeSessionById(opened.db, id));
    console.log(ok ? `ended session ${id}` : `no live session with id ${id}`);
    process.exitCode = ok ? 0 : 1;
  } else if (args.link) {
    const base = args.url ?? process.env.PUBLIC_URL ?? opened.stackUrl ?? 'http://127.0.0.1:8787';
    // The session it opens is shown as this name ("Local admin" unless --name says who).
    const link = await createSignInLink(opened.db, base, new Date(), args.name ? name : null);
    console.log(`one-time sign-in link (valid until ${link.expiresAt.toISOString()}):\n${link.url}`);
  } else {
    const { id, token } = await createAdminToken(opened.db, name);
    console.log(`admin token ${id} ("${name}") — shown only once:\n${token}`);
  }
} finally {
  await opened.close();
}
