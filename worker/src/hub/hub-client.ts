/**
 * @module
 * How the worker reaches the hub: the `HUB` Durable Object in workerd, or an in-process
 * {@link HubCore} where there is no DO binding (the app driven by `app.request` in Node).
 * The fallback has no alarms, so there lease expiry is only checked lazily.
 */
import type { Bindings } from '../env';
import { HubCore, type HubApi } from './hub-core';

let localHub: HubCore | undefined;

export function getHub(env: Bindings | undefined): HubApi {
  const ns = env?.HUB;
  if (ns) return ns.get(ns.idFromName('hub')) as unknown as HubApi;
  return (localHub ??= new HubCore());
}
