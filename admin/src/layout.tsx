/** @module The signed-in frame: navigation, who is signed in, sign-out. */
import type { ComponentChildren } from 'preact';
import type { Principal } from '../../worker/src/contracts';
import { signOut } from './session';
import { navigate } from './router';

export interface NavItem {
  path: string;
  label: string;
}

export function Layout({ principal, nav, path, children }: { principal: Principal; nav: NavItem[]; path: string; children: ComponentChildren }) {
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/">
          plexops
        </a>
        <nav aria-label="Main">
          {nav.map((n) => (
            <a key={n.path} href={n.path} aria-current={(n.path === '/' ? path === '/' : path.startsWith(n.path)) ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
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
      </header>
      <main class="content">{children}</main>
    </div>
  );
}
