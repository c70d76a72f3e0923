/**
 * @module
 * The signed-in frame: navigation with live badges (open conflicts, approvals waiting), who is
 * signed in, sign-out. On a phone the navigation folds into a Menu button (a disclosure: Escape
 * or choosing a page closes it), so the page starts at the top of the screen.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Principal } from '../../worker/src/contracts';
import { signOut } from './session';
import { navigate } from './router';
import { useLiveFeed } from './live';

export interface NavItem {
  path: string;
  label: string;
  /** Which live count to show beside it. */
  badge?: 'conflicts' | 'approvals';
}

const BADGE_TEXT = { conflicts: (n: number) => `${n} open`, approvals: (n: number) => `${n} awaiting approval` };

export function isCurrent(navPath: string, path: string): boolean {
  return navPath === '/' ? path === '/' : path === navPath || path.startsWith(`${navPath}/`);
}

export function Layout({ principal, nav, path, children }: { principal: Principal; nav: NavItem[]; path: string; children: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  const live = useLiveFeed(path === '/' ? 'overview' : 'badges');
  const counts = live.badges;
  const pending = counts ? counts.conflicts + counts.approvals : 0;
  const current = nav.find((n) => isCurrent(n.path, path));

  useEffect(() => setOpen(false), [path]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [open]);

  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/">
          plexops
        </a>
        {current && <span class="topbar-page">{current.label}</span>}
        <button type="button" class="menu-toggle secondary" aria-expanded={open} aria-controls="main-nav" onClick={() => setOpen(!open)}>
          Menu{pending > 0 && <span class="nav-badge" aria-label={`, ${pending} need attention`}>{pending}</span>}
        </button>
        <nav id="main-nav" aria-label="Main" class={open ? 'open' : undefined}>
          {nav.map((n) => {
            const count = n.badge && counts ? counts[n.badge] : 0;
            return (
              <a key={n.path} href={n.path} aria-current={isCurrent(n.path, path) ? 'page' : undefined}>
                {n.label}
                {n.badge && count > 0 && (
                  <span class="nav-badge" data-testid={`badge-${n.badge}`}>
                    {count}
                    <span class="sr-only"> {BADGE_TEXT[n.badge](count)}</span>
                  </span>
                )}
              </a>
            );
          })}
          <div class="nav-user">
            <span class="who" data-testid="principal">
              {principal.name}
            </span>
            <button
              type="button"
              class="link"
              onClick={async () => {
                await signOut();
                navigate('/sign-in', true);
              }}
            >
              Sign out
            </button>
          </div>
        </nav>
      </header>
      <main class="content">{children}</main>
    </div>
  );
}
