/**
 * @module
 * The Plex Media Server API of the moved server, reached where it listens: inside its pod, on 127.0.0.1:32400,
 * with `kubectl exec -i <pod> -- curl`. No port-forward, Service or ingress is needed, the agent's kube target
 * (already allowed by its policy) is the only way in, and the token travels on curl's stdin (`-H @-`): it is
 * never in an argv, a URL or the API server's exec request — only in the pod's curl, for one request.
 */
import { StepFailure } from '../types';
import type { Ctx } from './detect';
import { kube } from './remote';

export interface PlexReply {
  status: number;
  body: string;
}

export class PlexApi {
  constructor(
    private readonly ctx: Ctx,
    private readonly pod: string,
    private readonly container: string,
    private readonly token: string,
  ) {}

  get dryRun(): boolean {
    return this.ctx.dryRun;
  }

  /**
   * One request; `query` values are URL-encoded, repeated keys kept (`location=a&location=b`). `cleanup`: runs
   * even when the job is being cancelled (restoring a setting).
   */
  async call(method: 'GET' | 'PUT' | 'POST', path: string, query: Array<[string, string]> = [], cleanup = false): Promise<PlexReply> {
    const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const url = `http://127.0.0.1:32400${path}${qs ? `?${qs}` : ''}`;
    const argv = ['exec', '-i', this.pod, ...(this.container ? ['-c', this.container] : []), '--', 'curl', '-sS', '-X', method, '-H', '@-', '-H', 'Accept: application/json', '-w', '\n%{http_code}', url];
    const r = await kube(this.ctx, this.ctx.params.target, argv, { input: `X-Plex-Token: ${this.token}\n`, check: false, captureLimit: 64 * 1024 * 1024, cleanup });
    if (this.ctx.dryRun) return { status: 200, body: '{}' };
    if (r.cancelled) throw new StepFailure('cancelled during a Plex API call', 'CANCELLED');
    const cut = r.stdout.lastIndexOf('\n');
    const status = Number(r.stdout.slice(cut + 1).trim());
    if (r.code !== 0 || !Number.isInteger(status) || status === 0) throw new StepFailure(`could not reach Plex in pod ${this.pod} (curl exit ${r.code}) for ${method} ${path}`, 'PLEX_API_FAILED');
    return { status, body: r.stdout.slice(0, cut) };
  }

  /** A call that must succeed (2xx); JSON bodies parsed. */
  async json<T>(method: 'GET' | 'PUT' | 'POST', path: string, query: Array<[string, string]> = [], cleanup = false): Promise<T> {
    const r = await this.call(method, path, query, cleanup);
    if (r.status === 401) throw new StepFailure('Plex refused the token (401): check the Plex token in Settings or libraryPaths.plexToken', 'PLEX_UNAUTHORIZED');
    if (r.status < 200 || r.status > 299) throw new StepFailure(`Plex answered ${r.status} to ${method} ${path}: ${r.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200)}`, 'PLEX_API_FAILED');
    if (!r.body.trim()) return {} as T;
    try {
      return JSON.parse(r.body) as T;
    } catch {
      throw new StepFailure(`Plex answered ${method} ${path} with something that is not JSON`, 'PLEX_API_FAILED');
    }
  }
}
