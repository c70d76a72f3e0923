/**
 * @module
 * The first-run checklist: the four things that make plexops useful, each ticked by the server
 * from real state (a saved config, a delivery on the webhook URL, a processed playback event, an
 * enrolled agent), never by a click here. Shown until all four are done.
 */
import type { ComponentChildren } from 'preact';
import type { FirstRun } from '../../../../worker/src/contracts';

interface Step {
  key: keyof FirstRun;
  title: string;
  body: ComponentChildren;
}

const STEPS: Step[] = [
  {
    key: 'settingsSaved',
    title: 'Save the Plex settings',
    body: (
      <>
        Open <a href="/settings">Settings</a>, choose what to track and save once: that creates your webhook URL.
      </>
    ),
  },
  {
    key: 'webhookReceived',
    title: 'Paste the webhook URL into Plex',
    body: (
      <>
        Copy the URL from <a href="/settings">Settings</a> into Plex Web → Settings → Webhooks (needs Plex Pass). This ticks when Plex first calls it.
      </>
    ),
  },
  {
    key: 'playbackSeen',
    title: 'Play something',
    body: <>Start any episode or movie in Plex: the first playback event shows up under Now playing and ticks this.</>,
  },
  {
    key: 'agentEnrolled',
    title: 'Enroll an agent',
    body: (
      <>
        For jobs on your home network (SSH, kubectl, Nomad), enroll an agent from <a href="/agents">Agents</a>.
      </>
    ),
  },
];

export function allDone(f: FirstRun): boolean {
  return STEPS.every((s) => f[s.key]);
}

export function FirstRunChecklist({ state }: { state: FirstRun }) {
  const done = STEPS.filter((s) => state[s.key]).length;
  return (
    <section class="card first-run" aria-labelledby="first-run-title" data-testid="first-run">
      <div class="page-head">
        <h2 id="first-run-title">Get started</h2>
        <span class="muted small" data-testid="first-run-count">
          {done} of {STEPS.length} done
        </span>
      </div>
      <ol class="checklist">
        {STEPS.map((s, i) => {
          const ok = state[s.key];
          return (
            <li key={s.key} class={ok ? 'done' : undefined} data-testid={`first-run-${s.key}`} data-done={ok ? 'true' : 'false'}>
              <span class="check" aria-hidden="true">
                {ok ? '✓' : i + 1}
              </span>
              <div>
                <strong>{s.title}</strong>
                <span class="sr-only">{ok ? ' (done)' : ' (to do)'}</span>
                {/* Kept when done: a step ticking must not change the card's height. */}
                <p class="small muted">{s.body}</p>
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
