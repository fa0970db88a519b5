import { useEffect, useState } from 'react';
import type { DashboardApi } from './api-client';
import { DashboardProvider, useDashboard } from './context';
import { SweepsPage } from './pages/SweepsPage';
import { SweepPage } from './pages/SweepPage';
import { TrialPage } from './pages/TrialPage';

/** `#/`, `#/sweeps/<id>`, `#/trials/<id>`: hash routes, so the server serves one index.html. */
export type Route = { page: 'sweeps' } | { page: 'sweep'; id: string } | { page: 'trial'; id: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'sweeps' && parts[1]) return { page: 'sweep', id: parts[1] };
  if (parts[0] === 'trials' && parts[1]) return { page: 'trial', id: parts[1] };
  return { page: 'sweeps' };
}

export const hrefOf = (route: Route): string =>
  route.page === 'sweeps' ? '#/' : `#/${route.page === 'sweep' ? 'sweeps' : 'trials'}/${encodeURIComponent(route.id)}`;

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Champion() {
  const { aliases } = useDashboard();
  const champ = aliases.find((a) => a.alias === 'champion');
  if (!champ) return <span className="muted">no champion yet</span>;
  return (
    <a className="alias-mark champion" href={champ.trialId ? hrefOf({ page: 'trial', id: champ.trialId }) : '#/'} data-testid="header-champion">
      ★ champion: {champ.checkpointId}
    </a>
  );
}

export function App({ api }: { api: DashboardApi }) {
  const route = useHashRoute();
  return (
    <DashboardProvider api={api}>
      <header className="top">
        <a href="#/" className="brand">
          ♪ tunelab
        </a>
        <Champion />
        <a href="/docs" className="docs">
          API
        </a>
      </header>
      <main>
        {route.page === 'sweeps' && <SweepsPage />}
        {route.page === 'sweep' && <SweepPage key={route.id} sweepId={route.id} />}
        {route.page === 'trial' && <TrialPage key={route.id} trialId={route.id} />}
      </main>
    </DashboardProvider>
  );
}
