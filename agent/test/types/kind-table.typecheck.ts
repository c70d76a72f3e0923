/**
 * Type-level tests, checked by `npm run typecheck` (not run by vitest): the agent's table of kind
 * implementations is typed from the kind declarations, so each `@ts-expect-error` below must
 * meet a real error — if a change made a missing kind or step compile, tsc would report the
 * unused directive and the typecheck would fail.
 */
import type { KindImpl, KindImpls, StepHandler } from '../../src/kinds/types';
import { KIND_IMPLS } from '../../src/kinds/index';

const noop: StepHandler<unknown> = async () => ({});

// A table without an implementation for every declared kind does not compile.
// @ts-expect-error — 'approval-selftest' has no implementation
export const missingKind: KindImpls = { 'connectivity-check': KIND_IMPLS['connectivity-check'], 'agent-selftest': KIND_IMPLS['agent-selftest'] };

// A kind implementation without a handler for one of its declared steps does not compile.
// @ts-expect-error — step 'nomad' has no handler
export const missingStep: KindImpl<'connectivity-check'> = { steps: { ssh: noop, kube: noop } };

// Nor does one with a handler for a step the declaration does not list.
export const extraStep: KindImpl<'approval-selftest'> = {
  // @ts-expect-error — 'reboot' is not a step of approval-selftest
  steps: { prepare: noop, apply: noop, reboot: noop },
};

// An unknown kind is no key of the table.
// @ts-expect-error — 'shell' is not a declared kind
export const unknownKind: KindImpl<'shell'> = { steps: {} };

// A handler sees its kind's params typed: `lines` is a number for agent-selftest.
export const typedParams: KindImpl<'agent-selftest'> = {
  steps: {
    emit: async (ctx) => ({ outputs: { twice: ctx.params.lines * 2 } }),
    // @ts-expect-error — agent-selftest has no `host` param
    change: async (ctx) => ({ outputs: { host: ctx.params.host } }),
    settle: noop,
  },
};

// The complete table compiles (it is the one the agent ships).
export const complete: KindImpls = KIND_IMPLS;
