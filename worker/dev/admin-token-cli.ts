/**
 * @module
 * `npm run admin:token -- [--name NAME] [--link] [--revoke ID]`: create an admin API token
 * (printed once, stored hashed), a one-time sign-in link (its session shown as NAME, else
 * "Local admin"), or revoke a token. Works on
 * DATABASE_URL, the running local stack, or the local data directory.
 */
import { parseArgs } from 'node:util';
import { openLocalDb } from './local-db';
import { createAdminToken, revokeAdminToken } from '../src/services/auth/admin-tokens';
import { createSignInLink } from '../src/services/auth/sign-in-links';

const usage = 'usage: npm run admin:token -- [--name NAME] | --link [--name NAME] [--url BASE_URL] | --revoke TOKEN_ID';

function parse() {
  try {
    return parseArgs({
      options: { name: { type: 'string' }, link: { type: 'boolean' }, url: { type: 'string' }, revoke: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
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
    const ok = await revokeAdminToken(opened.db, args.revoke);
    console.log(ok ? `revoked ${args.revoke}` : `no active token with id ${args.revoke}`);
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
