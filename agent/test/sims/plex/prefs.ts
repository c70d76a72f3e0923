/**
 * @module plex-sim/prefs
 * Preferences.xml — a single `<Preferences …/>` element whose attributes are the server's settings — read and
 * written the way PMS and pms-docker's first-run script treat it: the server identity is MachineIdentifier and
 * ProcessedMachineIdentifier = sha1("<MachineIdentifier>- Plex Media Server") (what /identity reports), minted
 * when missing — which is exactly how a server started on an empty config gets a NEW identity.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Prefs = Record<string, string>;

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function parsePrefs(xml: string): Prefs {
  const el = xml.match(/<Preferences\b([^>]*?)\/?>/);
  if (!el) throw new Error('Preferences.xml has no <Preferences> element');
  const out: Prefs = {};
  for (const m of el[1]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) out[m[1]!] = unescape(m[2]!);
  return out;
}

export function serializePrefs(p: Prefs): string {
  const attrs = Object.entries(p).map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<Preferences${attrs}/>\n`;
}

export function readPrefs(file: string): Prefs {
  return existsSync(file) ? parsePrefs(readFileSync(file, 'utf8')) : {};
}

export function writePrefs(file: string, p: Prefs): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, serializePrefs(p));
  renameSync(tmp, file);
}

export const processedId = (machineIdentifier: string) => createHash('sha1').update(`${machineIdentifier}- Plex Media Server`).digest('hex');

/** Mints MachineIdentifier / ProcessedMachineIdentifier when missing (both PMS and pms-docker do). */
export function ensureIdentity(file: string): { prefs: Prefs; minted: boolean } {
  const prefs = readPrefs(file);
  let minted = false;
  if (!prefs.MachineIdentifier) {
    prefs.MachineIdentifier = randomUUID();
    minted = true;
  }
  if (!prefs.ProcessedMachineIdentifier) {
    prefs.ProcessedMachineIdentifier = processedId(prefs.MachineIdentifier);
    minted = true;
  }
  if (minted || !existsSync(file)) writePrefs(file, prefs);
  return { prefs, minted };
}
