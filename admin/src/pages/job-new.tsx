/**
 * @module
 * /jobs/new: pick a job kind (from `GET /api/job-kinds`), fill its params in a form generated
 * from the kind's JSON Schema, name required agent tags, submit. A 400 puts each server issue
 * next to its field; success opens the new job.
 */
import { useEffect, useState } from 'preact/hooks';
import type { JobKindInfo } from '../../../worker/src/contracts';
import { ApiError, client, unwrap } from '../api';
import { useAsync } from '../components/use-async';
import { ErrorBanner } from '../components/error-banner';
import { ParamsForm, fieldErrorsFrom, initialValue, type FieldErrors, type JsonSchema } from '../components/params-form';
import { navigate } from '../router';
import { usePageTitle } from '../components/page-title';

export function JobNewPage() {
  usePageTitle('New job');
  const kinds = useAsync(async () => (await unwrap(client.api['job-kinds'].$get())).items, []);
  const [kind, setKind] = useState<string>('');
  const [params, setParams] = useState<Record<string, unknown>>({});
  const [tags, setTags] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const list = kinds.data ?? [];
  const selected: JobKindInfo | undefined = list.find((k) => k.kind === kind) ?? list[0];
  const schema = (selected?.paramsSchema ?? {}) as JsonSchema;

  const choose = (k: string) => {
    setKind(k);
    const def = list.find((x) => x.kind === k);
    setParams(def ? initialValue(def.paramsSchema as JsonSchema) : {});
    setErrors({});
    setFailure(null);
  };
  // When the kinds arrive: seed the form with the first kind's defaults.
  useEffect(() => {
    if (kind === '' && list[0]) choose(list[0].kind);
  }, [kinds.data]);

  /** `dryRun`: a preview — the agent prints what every step would run and runs nothing. */
  const submit = async (e: Event, dryRun = false) => {
    e.preventDefault();
    if (!selected) return;
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      const tagList = tags.split(/[,\s]+/).filter(Boolean);
      const job = await unwrap(client.api.jobs.$post({ json: { kind: selected.kind, params, tags: tagList, dryRun } }));
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) setErrors(fieldErrorsFrom(err.issues));
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  const tagsError = Object.entries(errors).find(([k]) => k.startsWith('@tags'))?.[1];
  return (
    <section>
      <p>
        <a href="/jobs">← Jobs</a>
      </p>
      <h1>New job</h1>
      <ErrorBanner error={kinds.error} onRetry={() => void kinds.reload()} />
      {kinds.loading && !kinds.data && <p class="muted">Loading job kinds…</p>}
      {selected && (
        <form class="card form" onSubmit={submit} noValidate aria-describedby="job-form-error">
          <div id="job-form-error">
            <ErrorBanner error={failure} />
          </div>
          <div class="field">
            <label for="job-kind">Kind</label>
            <select id="job-kind" value={selected.kind} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
              {list.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.title}
                </option>
              ))}
            </select>
            <p class="muted small">{selected.description}</p>
          </div>
          <details class="steps-preview">
            <summary>Steps ({selected.steps.length})</summary>
            <ol>
              {selected.steps.map((s) => (
                <li key={s.id}>
                  {s.title}
                  {s.needsApproval && <span class="muted"> — waits for your approval</span>}
                  {s.idempotency === 'non-idempotent' && <span class="muted"> — not retried automatically</span>}
                </li>
              ))}
            </ol>
          </details>
          <h2>Parameters</h2>
          <ParamsForm schema={schema} value={params} errors={errors} secretParams={selected?.secretParams ?? []} onChange={setParams} />
          <div class="field">
            <label for="job-tags">Required agent tags</label>
            <input
              id="job-tags"
              value={tags}
              placeholder="e.g. home, k8s"
              aria-invalid={tagsError ? 'true' : undefined}
              aria-describedby={tagsError ? 'job-tags-err' : 'job-tags-hint'}
              onInput={(e) => setTags((e.target as HTMLInputElement).value)}
            />
            {tagsError ? (
              <p class="field-error" id="job-tags-err" role="alert">
                {tagsError}
              </p>
            ) : (
              <p class="muted small" id="job-tags-hint">
                Only an agent with all of these tags takes the job. Leave empty for any agent.
              </p>
            )}
          </div>
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Creating…' : 'Create job'}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={(e) => void submit(e, true)} aria-describedby="job-preview-hint">
              Preview (dry run)
            </button>
          </div>
          <p class="muted small" id="job-preview-hint">
            A preview runs on an agent like the job would, prints every command and call of every step, runs none of them and asks no
            approval; from its page you can then run it for real.
          </p>
        </form>
      )}
    </section>
  );
}
