/** @module Routes of the admin SPA and the signed-in / signed-out switch. */
import type { FunctionComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import type { Principal } from '../../worker/src/contracts';
import { useSession } from './session';
import { navigate, usePath } from './router';
import { Layout, type NavItem } from './layout';
import { SignInPage } from './pages/sign-in';
import { HomePage } from './pages/home';
import { JobsPage } from './pages/jobs';
import { AgentsPage } from './pages/agents';
import { ActivityPage } from './pages/activity';
import { SettingsPage } from './pages/settings';
import { ConflictsPage } from './pages/conflicts';
import { MappingsPage } from './pages/mappings';
import { LibraryPage } from './pages/library';

interface PageProps {
  principal: Principal;
  path: string;
}

/** Signed-in pages, in navigation order. */
const pages: Array<NavItem & { component: FunctionComponent<PageProps> }> = [
  { path: '/', label: 'Overview', component: HomePage },
  { path: '/library', label: 'Library', component: LibraryPage },
  { path: '/activity', label: 'Activity', component: ActivityPage },
  { path: '/conflicts', label: 'Conflicts', component: ConflictsPage },
  { path: '/mappings', label: 'Mappings', component: MappingsPage },
  { path: '/jobs', label: 'Jobs', component: JobsPage },
  { path: '/agents', label: 'Agents', component: AgentsPage },
  { path: '/settings', label: 'Settings', component: SettingsPage },
];

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page here. <a href="/">Back to the overview</a>.
      </p>
    </section>
  );
}

export function App() {
  const session = useSession();
  const path = usePath();

  useEffect(() => {
    if (session.status === 'signed-out' && path !== '/sign-in') navigate('/sign-in', true);
    if (session.status === 'signed-in' && path === '/sign-in' && !location.hash) navigate('/', true);
  }, [session.status, path]);

  if (path === '/sign-in' || session.status === 'signed-out') return <SignInPage />;
  if (session.status === 'loading') return <p class="loading">Loading…</p>;

  const page = pages.filter((p) => (p.path === '/' ? path === '/' : path === p.path || path.startsWith(`${p.path}/`)))[0];
  const Page = page?.component ?? NotFound;
  return (
    <Layout principal={session.principal} nav={pages} path={path}>
      <Page principal={session.principal} path={path} />
    </Layout>
  );
}
