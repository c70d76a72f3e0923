/**
 * @module
 * Which worker URLs the agent talks to. The agent token travels on every request, so it goes
 * over HTTPS; plain `http://` is allowed only to this machine (loopback: `localhost`,
 * 127.0.0.0/8, `::1`), for local stacks and tests, where nothing crosses a network.
 */

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || LOOPBACK_V4.test(h);
}

/** The reason a server URL is refused, or undefined when it is acceptable. */
export function serverUrlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `the server URL "${raw}" is not a URL`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `the server URL must start with https:// (got ${u.protocol})`;
  if (u.username || u.password) return 'the server URL must not carry credentials';
  if (u.search || u.hash) return 'the server URL must not carry a query or fragment';
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname))
    return `the server URL must use https:// — plain http:// is allowed only for this machine (localhost, 127.0.0.1, ::1), since the agent token travels with every request (got ${u.origin})`;
  return undefined;
}
