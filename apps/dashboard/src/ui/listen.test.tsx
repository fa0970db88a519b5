// @vitest-environment jsdom
import './test-setup';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App, hrefOf, parseRoute } from './App';
import { fakeApi } from './fake-api';
import { renderAbc } from './test-setup';

afterEach(() => {
  cleanup();
  window.location.hash = '';
  window.localStorage.clear();
});

describe('listen route', () => {
  test('#/listen?sweep=<id>[&meter=] round-trips', () => {
    expect(parseRoute('#/listen?sweep=sw-1')).toEqual({ page: 'listen', sweep: 'sw-1' });
    expect(parseRoute('#/listen?sweep=sw-1&meter=6%2F8')).toEqual({ page: 'listen', sweep: 'sw-1', meter: '6/8' });
    expect(parseRoute(hrefOf({ page: 'listen', sweep: 'sw-1', meter: '3/4' }))).toEqual({ page: 'listen', sweep: 'sw-1', meter: '3/4' });
    // No sweep: the sweep list.
    expect(parseRoute('#/listen')).toEqual({ page: 'sweeps' });
  });
});

describe('listen page', () => {
  test('two players, no names or sheet music until the vote; the vote sends both samples, the verdict and the name; then both tunes, who wrote them, ratings; next pair', async () => {
    const api = fakeApi();
    window.location.hash = '#/listen?sweep=sw-test01';
    render(<App api={api} />);
    const left = await screen.findByTestId('listen-left');
    const right = screen.getByTestId('listen-right');
    expect(api.calls).toContain('getListenPair sw-test01');
    expect(screen.getByTestId('listen-no-ratings')).toBeTruthy();
    // Players only: a play button each, the tune laid out off-page ('*'), no notation, no names.
    for (const side of [left, right]) {
      expect(within(side).getByRole('button', { name: '▶ play' })).toBeTruthy();
      expect(side.querySelector('[data-testid=tune-notation]')).toBeNull();
      expect(side.textContent).not.toMatch(/sw-test01-t00/);
    }
    await waitFor(() => expect(renderAbc).toHaveBeenCalledWith('*', expect.stringContaining('K:D'), expect.any(Object)));

    fireEvent.change(screen.getByLabelText('your name'), { target: { value: ' Ada ' } });
    fireEvent.click(screen.getByRole('button', { name: '◀ left is better' }));
    const result = await screen.findByTestId('listen-result');
    expect(result.textContent).toMatch(/you preferred the left tune/);
    expect(api.calls).toContain('vote {"left":"sa-p0-0","right":"sa-p0-1","verdict":"left","voter":"Ada"}');
    // Revealed: who wrote each, the sheet music, the preferred side marked.
    expect(within(left).getByTestId('player').textContent).toBe('sw-test01-t000-e003-best');
    expect(within(right).getByTestId('player').textContent).toBe('sw-test01-t001-e003-best');
    expect(within(left).getByText('✓ preferred')).toBeTruthy();
    for (const side of [left, right]) await waitFor(() => expect(side.querySelector('[data-testid=tune-notation] svg')).not.toBeNull());
    expect(screen.queryByRole('button', { name: '◀ left is better' })).toBeNull();
    // Ratings after the vote.
    const table = await screen.findByTestId('listen-ratings');
    expect(within(table).getAllByTestId('rating').map((r) => r.textContent)).toEqual(['+0.50 ± 1.41 (1 vote)', '−0.50 ± 1.41 (1 vote)']);

    // Next pair: hidden again; the name is kept; "same" sends no preference.
    fireEvent.click(screen.getByRole('button', { name: 'next pair →' }));
    await waitFor(() => expect(api.calls.filter((c) => c.startsWith('getListenPair'))).toHaveLength(2));
    const left2 = await screen.findByTestId('listen-left');
    expect(left2.querySelector('[data-testid=tune-notation]')).toBeNull();
    expect((screen.getByLabelText('your name') as HTMLInputElement).value).toBe(' Ada ');
    fireEvent.click(screen.getByRole('button', { name: 'same' }));
    expect((await screen.findByTestId('listen-result')).textContent).toMatch(/no difference/);
    // Pair 1 has the sides swapped: left is trial 1's sample.
    expect(api.calls).toContain('vote {"left":"sa-p1-1","right":"sa-p1-0","verdict":"same","voter":"Ada"}');
  });

  test('an empty name is not sent', async () => {
    const api = fakeApi();
    window.location.hash = '#/listen?sweep=sw-test01';
    render(<App api={api} />);
    await screen.findByTestId('listen-left');
    fireEvent.click(screen.getByRole('button', { name: 'right is better ▶' }));
    await screen.findByTestId('listen-result');
    expect(api.calls).toContain('vote {"left":"sa-p0-0","right":"sa-p0-1","verdict":"right"}');
  });

  test('ratings beside the metric: the sweep page’s trials table and the trial page', async () => {
    const api = fakeApi();
    await api.vote({ left: 'sa-p0-0', right: 'sa-p0-1', verdict: 'left' });
    window.location.hash = '#/sweeps/sw-test01';
    render(<App api={api} />);
    const table = await screen.findByTestId('trials-table');
    await waitFor(() => expect(table.querySelector('tr[data-trial="sw-test01-t000"] [data-testid=rating]')?.textContent).toBe('+0.50 ± 1.41 (1 vote)'));
    expect(table.querySelector('tr[data-trial="sw-test01-t001"] [data-testid=rating]')?.textContent).toBe('−0.50 ± 1.41 (1 vote)');
    expect(table.querySelector('tr[data-trial="sw-test01-t002"] [data-testid=trial-rating]')?.textContent).toBe('—');
    expect(screen.getByTestId('listen-link').getAttribute('href')).toBe('#/listen?sweep=sw-test01');
    cleanup();
    window.location.hash = '#/trials/sw-test01-t000';
    render(<App api={api} />);
    expect((await screen.findByTestId('trial-ratings')).textContent).toMatch(/^listen: \+0.50 ± 1.41 \(1 vote\)/);
  });

  test('no ratings route (or no votes): no listen column', async () => {
    const api = fakeApi();
    api.getRatings = async () => {
      throw new Error('404');
    };
    window.location.hash = '#/sweeps/sw-test01';
    render(<App api={api} />);
    const table = await screen.findByTestId('trials-table');
    await new Promise((r) => setTimeout(r, 50));
    expect([...table.querySelectorAll('th')].map((th) => th.textContent)).not.toContain('listen');
  });
});
