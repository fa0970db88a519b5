import { useEffect, useState } from 'react';
import type { DashboardApi } from './api-client';
import { DashboardProvider, useDashboard } from './context';
import { SweepsPage } from './pages/SweepsPage';
import { SweepPage } from './pages/SweepPage';
import { TrialPage } from './pages/TrialPage';
import { ComparePage } from './pages/ComparePage';
import { ListenPage } from './pages/ListenPage';

/**
 * `#/`, `#/sweeps/<id>`, `#/trials/<id>`, `#/sweeps/<id>/compare?trials=a,b`, `#/listen?sweep=<id>[&meter=6/8]`: hash routes, so the server
 * serves one index.html.
 */
export type Route =
  | { page: 'sweeps' }
  | { page: 'sweep'; id: string }
  | { page: 'trial'; id: string }
  | { page: 'compare'; id: string; trials: string[] }
  | { page: 'listen'; sweep: string; meter?: string };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'sweeps' && parts[1] && parts[2] === 'compare') {
    const trials = (new URLSearchParams(query).get('trials') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return { page: 'compare', id: parts[1], trials: [...new Set(trials)] };
  }
  if (parts[0] === 'listen') {
    const q = new URLSearchParams(query);
    const sweep = q.get('sweep');
    const meter = q.get('meter');
    if (sweep) return { page: 'listen', sweep, ...(meter ? { meter } : {}) };
  }
  if (parts[0] === 'sweeps' && parts[1]) return { page: 'sweep', id: parts[1] };
  if (parts[0] === 'trials' && parts[1]) return { page: 'trial', id: parts[1] };
  return { page: 'sweeps' };
}

export function hrefOf(route: Route): string {
  const enc = encodeURIComponent;
  switch (route.page) {
    case 'sweeps':
      return '#/';
    case 'sweep':
      return `#/sweeps/${enc(route.id)}`;
    case 'trial':
      return `#/trials/${enc(route.id)}`;
    case 'compare':
      // Commas stay readable: trial ids never hold one.
      return `#/sweeps/${enc(route.id)}/compare?trials=${route.trials.map(enc).join(',')}`;
    case 'listen':
      return `#/listen?sweep=${enc(route.sweep)}${route.meter ? `&meter=${enc(route.meter)}` : ''}`;
  }
}

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
        {route.page === 'listen' && <ListenPage key={`${route.sweep}?${route.meter ?? ''}`} sweepId={route.sweep} meter={route.meter} />}
        {route.page === 'compare' && <ComparePage key={`${route.id}?${route.trials.join(',')}`} sweepId={route.id} trialIds={route.trials} />}
      </main>
    </DashboardProvider>
  );
}
