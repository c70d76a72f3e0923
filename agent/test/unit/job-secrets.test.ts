/** What the daemon and `exec` register as secrets for a job, from its kind's declaration. */
import { describe, expect, it } from 'vitest';
import { jobSecrets } from '../../src/session/secrets';

describe('jobSecrets', () => {
  it('collects the agent token, secret-looking env, declared secret env values and declared secret params', () => {
    const env = { NOMAD_ACCESS: 'value-of-an-innocent-looking-name', DB_PASSWORD: 'pw-pw-pw-pw', HOME: '/root', UNUSED: 'not-a-secret-at-all' };
    const nomad = jobSecrets({ env, token: 'pxo_agent_token_1234567890' }, {
      kind: 'connectivity-check',
      params: { nomad: [{ address: 'http://127.0.0.1:4646', tokenEnv: 'NOMAD_ACCESS' }] },
    });
    expect(nomad).toEqual(expect.arrayContaining(['value-of-an-innocent-looking-name', 'pw-pw-pw-pw', 'pxo_agent_token_1234567890']));
    expect(nomad).not.toContain('not-a-secret-at-all');
    expect(nomad).not.toContain('/root');

    const selftest = jobSecrets({ env: {} }, { kind: 'agent-selftest', params: { secret: 'hunter2-hunter2' } });
    expect(selftest).toContain('hunter2-hunter2');
  });

  it('a job whose params do not parse still has its raw secret-looking params registered', () => {
    expect(jobSecrets({ env: {} }, { kind: 'agent-selftest', params: { secret: 'the-value-1', lines: -1 } })).toContain('the-value-1');
    expect(jobSecrets({ env: {} }, { kind: 'no-such-kind', params: { apiKey: 'k-k-k-k-k-k' } })).toContain('k-k-k-k-k-k');
  });
});
