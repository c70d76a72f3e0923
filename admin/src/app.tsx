/** @module Routes of the admin SPA and the signed-in / signed-out switch. */
import type { FunctionComponent } from 'preact';
import { useEffect, useLayoutEffect } from 'preact/hooks';
import type { Principal } from '../../worker/src/contracts';
import { useSession } from './session';
import { navigate, usePath } from './router';
import { Layout, isCurrent, type NavItem } from './layout';
import { SignInPage } from './pages/sign-in';
import { HomePage } from './pages/home';
import { JobsPage } from './pages/jobs';
import { AgentsPage } from './pages/agents';
import { ActivityPage } from './pages/activity';
import { SettingsPage } from './pages/settings';
import { ConflictsPage } from './pages/conflicts';
import { MappingsPage } from './pages/mappings';
import { LibraryPage } from './pages/library';
import { lazyPage } from './lazy';

// The graphs are their own chunk: the first load does not carry them.
const StatsPage = lazyPage<PageProps>(() => import('./pages/stats').then((m) => m.StatsPage));
import { SkipLink } from './components/skip-link';
import { Toasts } from './components/toast';
import { pageTitle, usePageTitle } from './components/page-title';
import { nextPath, signInPath } from './deep-link';

interface PageProps {
  principal: Principal;
  path: string;
}

/** Signed-in pages, in navigation order. */
const pages: Array<NavItem & { component: FunctionComponent<PageProps> }> = [
  { path: '/', label: 'Overview', component: HomePage },
  { path: '/library', label: 'Library', component: LibraryPage },
  { path: '/stats', label: 'Stats', component: StatsPage },
  { path: '/activity', label: 'Activity', component: ActivityPage },
  { path: '/conflicts', label: 'Conflicts', component: ConflictsPage, badge: 'conflicts' },
  { path: '/mappings', label: 'Mappings', component: MappingsPage },
  { path: '/jobs', label: 'Jobs', component: JobsPage, badge: 'approvals' },
  { path: '/agents', label: 'Agents', component: AgentsPage },
  { path: '/settings', label: 'Settings', component: SettingsPage },
];

function NotFound() {
  usePageTitle('Not found');
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page here. <a href="/">Back to the overview</a>.
      </p>
    </section>
  );
}

/** Every route's default tab title is its section's name; detail pages name themselves on top. */
function useSectionTitle(path: string): void {
  // A layout effect runs before the pages' own (passive) title effects, so a page's wins.
  useLayoutEffect(() => {
    const section = pages.find((p) => (p.path === '/' ? path === '/' : path === p.path || path.startsWith(`${p.path}/`)));
    document.title = pageTitle(path === '/sign-in' ? 'Sign in' : (section?.label ?? 'Not found'));
  }, [path]);
}

export function App() {
  const session = useSession();
  const path = usePath();
  useSectionTitle(path);

  useEffect(() => {
    // Signed out on a deep link: sign in, then come back to it.
    if (session.status === 'signed-out' && path !== '/sign-in') navigate(signInPath(path + location.search), true);
    if (session.status === 'signed-in' && path === '/sign-in' && !location.hash) navigate(nextPath(location.search), true);
  }, [session.status, path]);

  if (path === '/sign-in' || session.status === 'signed-out') {
    return (
      <>
        <SkipLink />
        <SignInPage />
        <Toasts />
      </>
    );
  }
  if (session.status === 'loading') return <p class="loading">Loading…</p>;

  const page = pages.find((p) => isCurrent(p.path, path));
  const Page = page?.component ?? NotFound;
  return (
    <>
      <SkipLink />
      <Layout principal={session.principal} nav={pages} path={path}>
        <Page principal={session.principal} path={path} />
      </Layout>
      <Toasts />
    </>
  );
}
