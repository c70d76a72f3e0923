/**
 * @module
 * Step 12, library folders. The media moved to new paths in the pod (the path map), so each library's folders
 * must change the way Plex documents it: with "Empty trash automatically after every scan" off, add the new
 * folder, scan, remove the old folder, scan, empty the trash, restore the setting — then every item is the
 * same item (same metadata, watch state, ratings) at its new path. Without a Plex token the step writes that
 * as a per-library guide; with one (approved) it does exactly that through the Plex API in the pod and
 * proves that no item went missing: per library, the items before, the items with a file under the new
 * folders after the first scan (else it stops with both folders kept), and the items after, all equal.
 */
import { libraryPathsThroughApi } from '../../../../worker/src/contracts/job-kinds';
import { StepFailure, type StepOutcome } from '../types';
import type { Ctx, PreflightOut } from './detect';
import { mapPath, type DbFacts } from './facts';
import { PlexApi } from './plex-api';
import { earlier, sleep } from './remote';

export const PLEX_ROUTE =
  'In Plex: Settings → Library: turn OFF "Empty trash automatically after every scan"; for each library above, Manage Library → Edit → Add folders: add the new folder, Scan Library Files, then remove the old folder and scan again; check nothing is marked unavailable; Empty Trash; turn empty trash back on.';

interface Guide {
  id: number;
  library: string;
  folders: Array<{ from: string; to: string }>;
}

interface SectionJson {
  key: string;
  type: string;
  title: string;
  agent: string;
  refreshing?: boolean | number;
  Location?: Array<{ id: number; path: string }>;
}

/** The leaf items of a library type: what has files (movies, episodes, tracks, photos). */
const LEAF_TYPE: Record<string, number> = { movie: 1, show: 4, artist: 10, photo: 13 };
const PAGE = 500;

const under = (file: string, folders: readonly string[]) => folders.some((f) => file === f || file.startsWith(`${f}/`));

async function section(api: PlexApi, id: number): Promise<SectionJson> {
  const r = await api.json<{ MediaContainer?: { Directory?: SectionJson[] } }>('GET', `/library/sections/${id}`);
  if (api.dryRun) return { key: String(id), type: 'movie', title: '<library>', agent: '<agent>' };
  const s = r.MediaContainer?.Directory?.[0];
  if (!s) throw new StepFailure(`Plex has no library ${id}`, 'PLEX_API_FAILED');
  return s;
}

/** Every leaf item of a library with its files (paged, as Plex clients page). */
async function items(api: PlexApi, s: SectionJson): Promise<Array<{ key: string; title: string; files: string[] }>> {
  const out: Array<{ key: string; title: string; files: string[] }> = [];
  for (let start = 0; start < 10_000_000; start += PAGE) {
    const r = await api.json<{ MediaContainer?: { totalSize?: number; Metadata?: Array<{ ratingKey: string; title?: string; Media?: Array<{ Part?: Array<{ file?: string }> }> }> } }>(
      'GET', `/library/sections/${s.key}/all`, [['type', String(LEAF_TYPE[s.type] ?? 1)], ['X-Plex-Container-Start', String(start)], ['X-Plex-Container-Size', String(PAGE)]],
    );
    const page = r.MediaContainer?.Metadata ?? [];
    for (const m of page) out.push({ key: m.ratingKey, title: m.title ?? '', files: (m.Media ?? []).flatMap((x) => x.Part ?? []).map((p) => p.file ?? '').filter(Boolean) });
    if (page.length < PAGE || out.length >= (r.MediaContainer?.totalSize ?? 0)) return out;
  }
  return out;
}

async function scan(ctx: Ctx, api: PlexApi, s: SectionJson): Promise<void> {
  await api.json('GET', `/library/sections/${s.key}/refresh`);
  const deadline = Date.now() + ctx.params.libraryPaths.scanTimeoutSeconds * 1000;
  for (let i = 0; !ctx.dryRun; i++) {
    await sleep(Math.min(2000, 200 * (i + 1)), ctx.signal);
    if (ctx.signal.aborted) throw new StepFailure('cancelled while Plex was scanning', 'CANCELLED');
    const now = await section(api, Number(s.key));
    if (!now.refreshing) return;
    if (Date.now() > deadline) throw new StepFailure(`the scan of "${s.title}" did not finish in ${ctx.params.libraryPaths.scanTimeoutSeconds} s`, 'SCAN_TIMEOUT');
  }
}

const locations = (paths: string[]) => paths.map((p): [string, string] => ['location', p]);

/** Moves one library's folders; returns its item counts. Throws (leaving the old folders in place) if items would go missing. */
async function moveLibrary(ctx: Ctx, api: PlexApi, g: Guide): Promise<{ library: string; before: number; after: number }> {
  const s = await section(api, g.id);
  const current = (s.Location ?? []).map((l) => l.path);
  const olds = g.folders.filter((f) => f.from !== f.to).map((f) => f.from);
  const news = g.folders.map((f) => f.to);
  const before = await items(api, s);
  ctx.log.line(`library "${s.title}": ${before.length} item(s); adding ${news.filter((n) => !current.includes(n)).join(', ')}`);
  await api.json('PUT', `/library/sections/${s.key}`, [['agent', s.agent], ...locations([...new Set([...current, ...news])])]);
  await scan(ctx, api, s);
  const found = await items(api, s);
  const notFound = before.filter((b) => !found.some((f) => f.key === b.key && f.files.some((file) => under(file, news))));
  if (!ctx.dryRun && notFound.length) {
    throw new StepFailure(`library "${s.title}": ${notFound.length} of ${before.length} item(s) have no file under the new folder(s) after the scan (e.g. ${notFound.slice(0, 5).map((n) => `"${n.title}"`).join(', ')}); both folders were kept, nothing was removed — check the path map and the media volumes`, 'ITEMS_MISSING');
  }
  const keep = [...new Set([...current.filter((c) => !olds.includes(c)), ...news])];
  ctx.log.line(`library "${s.title}": every item found under the new folder(s); removing ${olds.join(', ')}`);
  await api.json('PUT', `/library/sections/${s.key}`, [['agent', s.agent], ...locations(keep)]);
  await scan(ctx, api, s);
  await api.json('PUT', `/library/sections/${s.key}/emptyTrash`);
  const after = await items(api, s);
  const lost = before.filter((b) => !after.some((a) => a.key === b.key && a.files.length > 0 && a.files.every((file) => under(file, keep))));
  if (!ctx.dryRun && (lost.length || after.length !== before.length)) {
    throw new StepFailure(`library "${s.title}": ${before.length} item(s) before, ${after.length} after; ${lost.length} not (only) at the new folders (e.g. ${lost.slice(0, 5).map((n) => `"${n.title}"`).join(', ')})`, 'ITEMS_MISSING');
  }
  return { library: s.title, before: before.length, after: after.length };
}

export async function libraryPaths(ctx: Ctx): Promise<StepOutcome> {
  const ref = (ctx.outputs['stop-source'] as { facts?: DbFacts } | undefined)?.facts;
  const guide: Guide[] = (ref?.sections ?? []).map((s) => ({ id: s.id, library: s.name, folders: s.locations.map((from) => ({ from, to: mapPath(from, ctx.params.pathMap) ?? from })) }));
  const changes = guide.filter((g) => g.folders.some((f) => f.from !== f.to));
  for (const g of changes) ctx.log.line(`library "${g.library}": ${g.folders.map((f) => `${f.from} → ${f.to}`).join('; ')}`);
  const route = changes.length ? PLEX_ROUTE : 'No library folder changes: the media paths are the same in Kubernetes.';
  const token = ctx.params.libraryPaths.plexToken;
  if (!libraryPathsThroughApi(ctx.params) || (changes.length === 0 && !ctx.dryRun)) {
    ctx.log.line(route);
    return { outputs: { guide, route, applied: false } };
  }
  if (!token && !ctx.dryRun) throw new StepFailure('no Plex token came with the job (store one in Settings → Plex, or give libraryPaths.plexToken)', 'NO_PLEX_TOKEN');
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const { pod } = earlier<{ pod: string }>(ctx, 'start-target');
  const api = new PlexApi(ctx, pod, pre.container, token ?? '<token>');
  const prefs = await api.json<{ MediaContainer?: { Setting?: Array<{ id: string; value: unknown }> } }>('GET', '/:/prefs');
  const was = prefs.MediaContainer?.Setting?.find((x) => x.id === 'autoEmptyTrash')?.value;
  const restore = was === undefined ? '1' : was === true || was === '1' || was === 1 || was === 'true' ? '1' : '0';
  ctx.log.line(`through the Plex API in pod ${pod}: "Empty trash automatically" off during the change (it was ${restore === '1' ? 'on' : 'off'})`);
  await api.json('PUT', '/:/prefs', [['autoEmptyTrash', '0']]);
  const moved: Array<{ library: string; before: number; after: number }> = [];
  try {
    for (const g of ctx.dryRun && changes.length === 0 ? [{ id: 0, library: '<library>', folders: [{ from: '<old>', to: '<new>' }] }] : changes) moved.push(await moveLibrary(ctx, api, g));
  } finally {
    // Restored whatever happened: a failed move must not leave the household's server with the setting off.
    await api.json('PUT', '/:/prefs', [['autoEmptyTrash', restore]], true).catch((e: Error) => ctx.log.line(`warning: could not restore "Empty trash automatically": ${e.message}`));
  }
  for (const m of moved) ctx.log.line(`library "${m.library}": ${m.before} item(s) before, ${m.after} after, all at the new folders`);
  return { outputs: { guide, route, applied: true, libraries: moved } };
}
