/**
 * @module nomad-sim/routes-client
 * Allocation and client endpoints (command/agent/alloc_endpoint.go, fs_endpoint.go,
 * variable_endpoint.go): GET /v1/allocations, GET /v1/allocation/:id (404 "alloc not found"; with
 * its Job), GET /v1/client/fs/logs/:alloc (task, type stdout|stderr, origin start|end, offset,
 * plain, follow — framed JSON `{Offset, Data(base64), File}` objects unless plain=true; follow
 * streams until the task is dead and its file drained, or the client goes away), and Nomad
 * Variables: GET /v1/vars, GET|PUT|DELETE /v1/var/:path (`?cas=` → 409 with the current value).
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { coded, invalidMethod } from './errors';
import type { RouteDef } from './index';
import { enforceAcl, type Ctx, type Reply } from './server';
import { type Json, nowNs } from './state';

function findAlloc(ctx: Ctx, id: string): Json {
  const exact = ctx.state.allocs.get(id);
  if (exact) return exact;
  const byPrefix = [...ctx.state.allocs.values()].filter((a) => id.length > 0 && String(a.ID).startsWith(id));
  if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0];
  throw coded(404, 'alloc not found');
}

function readFrom(path: string, offset: number): Buffer {
  if (!existsSync(path)) return Buffer.alloc(0);
  const size = statSync(path).size;
  if (offset >= size) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  return buf;
}

async function logs(ctx: Ctx, [id = '']: string[], logDir: (allocId: string) => string | undefined): Promise<Reply> {
  if (ctx.method !== 'GET') throw invalidMethod();
  const p = ctx.url.searchParams;
  const task = p.get('task') ?? '';
  const type = p.get('type') ?? '';
  if (!task) throw coded(400, 'must include task name');
  if (type !== 'stdout' && type !== 'stderr') throw coded(400, 'must include type which is either "stdout" or "stderr"');
  const origin = p.get('origin') ?? 'start';
  if (origin !== 'start' && origin !== 'end') throw coded(400, 'origin must be start or end');
  const rawOffset = p.get('offset') ?? '0';
  if (!/^\d{1,15}$/.test(rawOffset)) throw coded(400, `Failed to parse offset "${rawOffset}"`);
  const alloc = ctx.state.allocs.get(id);
  if (!alloc) throw coded(404, `Unknown allocation "${id}"`);
  const dir = logDir(String(alloc.ID));
  const states = (alloc.TaskStates ?? {}) as Json;
  if (!dir || !(task in states)) throw coded(404, `task "${task}" not found in allocation`);
  const file = join(dir, 'alloc', 'logs', `${task}.${type}.0`);
  const plain = p.get('plain') === 'true';
  const follow = p.get('follow') === 'true';
  const size = existsSync(file) ? statSync(file).size : 0;
  let offset = origin === 'end' ? Math.max(0, size - Number(rawOffset)) : Number(rawOffset);
  const { res } = ctx;
  res.writeHead(200, { 'Content-Type': plain ? 'text/plain; charset=utf-8' : 'application/json' });
  const send = (data: Buffer): void => {
    if (data.length === 0) return;
    res.write(plain ? data : JSON.stringify({ Offset: offset + data.length, Data: data.toString('base64'), File: `alloc/logs/${task}.${type}.0` }));
    offset += data.length;
  };
  send(readFrom(file, offset));
  while (follow && !ctx.signal.aborted) {
    const dead = ((states[task] as Json | undefined)?.State ?? 'dead') === 'dead';
    await new Promise((r) => setTimeout(r, 100));
    send(readFrom(file, offset));
    if (dead) break;
  }
  res.end();
  return undefined;
}

function variable(ctx: Ctx, [path = '']: string[]): Promise<Reply> | Reply {
  const key = `${ctx.namespace}/${path}`;
  const vars = ctx.state.variables;
  if (ctx.method === 'GET') {
    enforceAcl('read', ctx.identity);
    return ctx.blocking(['variables'], () => {
      const v = vars.get(key);
      if (!v) throw coded(404, 'variable not found');
      return { body: v };
    });
  }
  if (ctx.method === 'DELETE') {
    enforceAcl('write', ctx.identity);
    vars.delete(key);
    ctx.setIndex(ctx.state.bump('variables'));
    return undefined;
  }
  if (ctx.method !== 'PUT' && ctx.method !== 'POST') throw invalidMethod();
  return ctx.json().then((raw) => {
    enforceAcl('write', ctx.identity);
    const body = raw as { Items?: unknown } | null;
    const items = body?.Items;
    if (!items || typeof items !== 'object' || Array.isArray(items) || Object.keys(items).length === 0) throw coded(400, 'variable missing Items');
    if (!Object.values(items).every((x) => typeof x === 'string')) throw coded(400, 'json: cannot unmarshal into Go struct field VariableDecrypted.Items of type string');
    const existing = vars.get(key);
    const cas = ctx.url.searchParams.get('cas');
    if (cas !== null && Number(cas) !== Number(existing?.ModifyIndex ?? 0)) {
      ctx.res.writeHead(409, { 'Content-Type': 'application/json' });
      ctx.res.end(JSON.stringify(existing ?? { Namespace: ctx.namespace, Path: path }));
      return undefined;
    }
    const idx = ctx.state.bump('variables');
    const now = nowNs();
    const v: Json = { Namespace: ctx.namespace, Path: path, Items: items, CreateIndex: existing?.CreateIndex ?? idx, ModifyIndex: idx, CreateTime: existing?.CreateTime ?? now, ModifyTime: now };
    vars.set(key, v);
    ctx.setIndex(idx);
    return { body: v };
  });
}

export function clientRoutes(logDir: (allocId: string) => string | undefined): RouteDef[] {
  return [
    {
      pattern: /^\/v1\/allocations$/,
      acl: 'read',
      handler: (ctx) => {
        if (ctx.method !== 'GET') throw invalidMethod();
        const prefix = ctx.url.searchParams.get('prefix') ?? '';
        return ctx.blocking(['allocs'], () => ({ body: [...ctx.state.allocs.values()].filter((a) => (ctx.namespace === '*' || a.Namespace === ctx.namespace) && String(a.ID).startsWith(prefix)) }));
      },
    },
    {
      pattern: /^\/v1\/allocation\/([^/]+)$/,
      acl: 'read',
      handler: (ctx, [id = '']) => {
        if (ctx.method !== 'GET') throw invalidMethod();
        return ctx.blocking(['allocs'], () => {
          const a = findAlloc(ctx, id);
          return { body: { ...a, Job: ctx.state.getJob(String(a.Namespace), String(a.JobID))?.versions.find((v) => v.Version === a.JobVersion) ?? null } };
        });
      },
    },
    { pattern: /^\/v1\/client\/fs\/logs\/([^/]+)$/, acl: 'read', handler: (ctx, params) => logs(ctx, params, logDir) },
    {
      pattern: /^\/v1\/vars$/,
      acl: 'read',
      handler: (ctx) => {
        if (ctx.method !== 'GET') throw invalidMethod();
        const prefix = ctx.url.searchParams.get('prefix') ?? '';
        return ctx.blocking(['variables'], () => ({
          body: [...ctx.state.variables.values()]
            .filter((v) => (ctx.namespace === '*' || v.Namespace === ctx.namespace) && String(v.Path).startsWith(prefix))
            .map(({ Items: _items, ...meta }) => meta),
        }));
      },
    },
    { pattern: /^\/v1\/var\/(.+)$/, acl: 'none', handler: variable },
  ];
}
