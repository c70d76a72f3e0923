/** `npm run db:migrate`: apply migrations/ to DATABASE_URL. */
import { applyMigrations } from './migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set. Example: DATABASE_URL=postgres://user:pass@host/db npm run db:migrate');
  process.exit(2);
}
try {
  await applyMigrations(url);
  console.log(`migrations applied to ${new URL(url).host}${new URL(url).pathname}`);
} catch (err) {
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
