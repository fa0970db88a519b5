// @vitest-environment jsdom
import './test-setup';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App, parseRoute } from './App';
import { DashboardProvider } from './context';
import { SweepPage } from './pages/SweepPage';
import { fakeApi } from './fake-api';
import { renderAbc } from './test-setup';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('routes', () => {
  test('hash routes', () => {
    expect(parseRoute('#/')).toEqual({ page: 'sweeps' });
    expect(parseRoute('#/sweeps/sw-1')).toEqual({ page: 'sweep', id: 'sw-1' });
    expect(parseRoute('#/trials/sw-1-t002')).toEqual({ page: 'trial', id: 'sw-1-t002' });
  });
});

describe('sweep page', () => {
  test('lists trials and draws the best five trials’ curves of the sweep metric', async () => {
    const api = fakeApi();
    window.location.hash = '#/sweeps/sw-test01';
    render(<App api={api} />);
    await screen.findByTestId('trials-table');
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toBe('5 curves, 50 points'));
    // Best five by val_loss (the failed trial has none).
    expect(api.calls.filter((c) => c.startsWith('getSeries'))).toEqual(['getSeries val_loss sw-test01-t000,sw-test01-t001,sw-test01-t003,sw-test01-t004,sw-test01-t005']);
    expect(api.calls.filter((c) => c.startsWith('listTrials'))).toHaveLength(1);
    expect(screen.getByTestId('curves').querySelectorAll('path.recharts-line-curve').length).toBe(5);
    // Another metric fetches that metric's series.
    fireEvent.change(screen.getByLabelText('metric'), { target: { value: 'loss' } });
    await waitFor(() => expect(api.calls.some((c) => c.startsWith('getSeries loss '))).toBe(true));
    // Unticking a trial removes its curve without a request.
    const n = api.calls.length;
    fireEvent.click(screen.getByLabelText('curve of sw-test01-t000'));
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toMatch(/^4 curves/));
    expect(api.calls.slice(n).filter((c) => c.startsWith('getSeries'))).toEqual([]);
    expect((await screen.findByTestId('param-charts')).querySelectorAll('figure')).toHaveLength(2);
    // Parallel coordinates: one line per trial with a best value (the failed one has none).
    fireEvent.click(screen.getByLabelText('parallel coordinates'));
    expect((await screen.findByTestId('parallel-coordinates')).querySelectorAll('polyline')).toHaveLength(5);
  });
});

describe('live sweep', () => {
  test('while the sweep runs, polling fetches only running trials’ steps after the last one it has', async () => {
    const api = fakeApi({ running: true });
    render(
      <DashboardProvider api={api}>
        <SweepPage sweepId="sw-test01" pollMs={40} />
      </DashboardProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toBe('5 curves, 50 points'));
    api.grow();
    // Only the running trial (t005) is polled, from its last step.
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toBe('5 curves, 51 points'));
    const polls = api.calls.filter((c) => c.includes(' after='));
    expect(polls[0]).toBe('getSeries val_loss sw-test01-t005 after=10');
    expect(screen.getByText('● live')).toBeTruthy();
  });
});

describe('trial page', () => {
  test('generate from a checkpoint: settings go to the API, tunes come back drawn with their scores', async () => {
    const api = fakeApi();
    window.location.hash = '#/trials/sw-test01-t001';
    render(<App api={api} />);
    expect((await screen.findByTestId('log-tail')).textContent).toMatch(/val_loss 1.1/);
    // val_loss is drawn with its training twin, loss.
    expect(screen.getByTestId('curve-count').textContent).toBe('2 curves, 20 points');
    const row = (await screen.findByTestId('checkpoints')).querySelector('tr[data-checkpoint="sw-test01-t001-e003"]') as HTMLElement;
    fireEvent.click(within(row).getByText('♪ generate'));
    const panel = await screen.findByTestId('generate-panel');
    fireEvent.change(within(panel).getByLabelText('temperature'), { target: { value: '0.7' } });
    fireEvent.change(within(panel).getByLabelText('seed'), { target: { value: '42' } });
    fireEvent.change(within(panel).getByLabelText('count'), { target: { value: '2' } });
    fireEvent.change(within(panel).getByLabelText('top-k'), { target: { value: '20' } });
    expect((within(panel).getByLabelText('constrain') as HTMLSelectElement).value).toBe('meter');
    fireEvent.change(within(panel).getByLabelText('constrain'), { target: { value: 'syntax' } });
    // The meters of the checkpoint's corpus, most tunes first; 6/8 (jigs) until the user picks another.
    await waitFor(() => expect(within(panel).getAllByRole('option', { name: /^3\/4 waltzes/ })).toHaveLength(1));
    const meter = within(panel).getByLabelText('meter') as HTMLSelectElement;
    expect(meter.value).toBe('6/8');
    expect([...meter.options].map((o) => o.value)).toEqual(['4/4', '6/8', '3/4', '']);
    fireEvent.change(meter, { target: { value: '3/4' } });
    fireEvent.click(within(panel).getByLabelText('allow copies'));
    fireEvent.click(within(panel).getByRole('button', { name: '♪ generate' }));
    const tunes = await screen.findAllByTestId('tune');
    expect(tunes).toHaveLength(2);
    const sent = JSON.parse(api.calls.find((c) => c.startsWith('generate '))!.slice('generate '.length));
    expect(sent).toEqual({ checkpointId: 'sw-test01-t001-e003', n: 2, temperature: 0.7, maxLength: 600, topK: 20, topP: null, prime: null, meter: '3/4', seed: 42, constrain: 'syntax', allowCopies: true });
    expect(within(tunes[0]).getByText(/constrain syntax, meter 3\/4/)).toBeTruthy();
    expect(within(tunes[0]).getByTestId('masked-mass').textContent).toBe('masked 3.4% per symbol, drawn again after 1 copy');
    expect(within(tunes[0]).getByText('✓ valid ABC')).toBeTruthy();
    expect(within(tunes[0]).getByText(/longest shared span 8 chars \(25%\)/)).toBeTruthy();
    expect(within(tunes[0]).getByText('⬇ .mid').getAttribute('href')).toBe('/api/samples/sa-1.mid');
    // abcjs draws in an effect after the tune appears.
    await waitFor(() => expect(tunes[0].querySelector('[data-testid=tune-notation] svg')).not.toBeNull());
    expect(renderAbc).toHaveBeenCalledWith(expect.any(HTMLElement), expect.stringContaining('T:Fake jig 1'), expect.any(Object));
  });

  test('promote marks the champion on the checkpoint and in the header', async () => {
    const api = fakeApi();
    window.location.hash = '#/trials/sw-test01-t001';
    render(<App api={api} />);
    expect(screen.queryByTestId('header-champion')).toBeNull();
    const row = (await screen.findByTestId('checkpoints')).querySelector('tr[data-checkpoint="sw-test01-t001-e003"]') as HTMLElement;
    fireEvent.click(within(row).getByText('★ promote'));
    const form = await screen.findByTestId('promote-form');
    fireEvent.change(within(form).getByLabelText('note'), { target: { value: 'sounds best' } });
    fireEvent.click(within(form).getByRole('button', { name: '★ promote' }));
    expect((await screen.findByTestId('header-champion')).textContent).toBe('★ champion: sw-test01-t001-e003');
    expect(api.calls).toContain('promote {"checkpointId":"sw-test01-t001-e003","alias":"champion","note":"sounds best"}');
    await waitFor(() => expect(within(row).getByText('★ champion')).toBeTruthy());
  });
});
