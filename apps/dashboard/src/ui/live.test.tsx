// @vitest-environment jsdom
import './test-setup';
import { afterEach, describe, expect, test } from 'vitest';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { DashboardProvider } from './context';
import { SweepPage } from './pages/SweepPage';
import { fakeApi } from './fake-api';

afterEach(cleanup);

const RUNNING = 'sw-test01-t005';

describe('live sweep page on the event feed', () => {
  test('follows the feed instead of polling: epochs as a progress bar, new points on the curves, a finished trial, the sweep’s end', async () => {
    const api = fakeApi({ running: true, feed: true });
    render(
      <DashboardProvider api={api}>
        <SweepPage sweepId="sw-test01" pollMs={20} />
      </DashboardProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toBe('5 curves, 50 points'));
    await waitFor(() => expect(api.following).toBe(1));

    // hello: the running trial's epoch; the page catches up once (points after the last it has).
    act(() => api.emit('hello', { sweepId: 'sw-test01', status: 'running', counts: { running: 1 }, progress: { [RUNNING]: { epoch: 10, epochs: 20 } } }));
    const running = await screen.findByTestId('running-trials');
    await waitFor(() => expect(within(running).getByTestId('trial-progress').textContent).toBe(' epoch 10 of 20'));
    expect((within(running).getByRole('progressbar') as HTMLProgressElement).value).toBe(10);
    await waitFor(() => expect(api.calls).toContain(`getSeries val_loss ${RUNNING} after=10`));
    const afterHello = api.calls.length;

    // An epoch's points arrive: the curve grows without a request.
    act(() => api.emit('metrics', { trialId: RUNNING, series: { val_loss: [[11, 2.4]], loss: [[11, 2.2]] } }));
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toBe('5 curves, 51 points'));
    act(() => api.emit('trial', { trial: { ...trialOf(api), bestValue: 0.9, bestStep: 11 }, progress: { epoch: 11, epochs: 20 } }));
    await waitFor(() => expect(within(running).getByTestId('trial-progress').textContent).toBe(' epoch 11 of 20'));
    // The table shows it too, with the new best value.
    const row = screen.getByTestId('trials-table').querySelector(`tr[data-trial="${RUNNING}"]`) as HTMLElement;
    expect(within(row).getByTestId('trial-progress').textContent).toBe(' epoch 11 of 20');
    expect(within(row).getByText('0.9')).toBeTruthy();

    // Waiting a few poll periods asks nothing: the feed replaced the 3-second poll.
    await new Promise((r) => setTimeout(r, 100));
    expect(api.calls.slice(afterHello)).toEqual([]);

    // The trial completes; then the sweep.
    act(() => api.emit('trial', { trial: { ...trialOf(api), status: 'completed', bestValue: 0.9, bestStep: 11 }, progress: { epoch: 11, epochs: 20 } }));
    await waitFor(() => expect(screen.queryByTestId('running-trials')).toBeNull());
    expect(row.className).toBe('status-completed');
    act(() => api.emit('sweep', { status: 'completed', counts: { completed: 5, failed: 1 }, best: { trialId: 'sw-test01-t000', value: 1 } }));
    await waitFor(() => expect(screen.queryByText('● live')).toBeNull());
    // The effect that stops following runs after the render that drops the badge: under load, a tick later.
    await waitFor(() => expect(api.following).toBe(0));
  });

  test('without an event feed (no EventSource) the page polls', async () => {
    const api = fakeApi({ running: true });
    render(
      <DashboardProvider api={api}>
        <SweepPage sweepId="sw-test01" pollMs={20} />
      </DashboardProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toBe('5 curves, 50 points'));
    api.grow();
    await waitFor(() => expect(screen.getByTestId('curve-count').textContent).toBe('5 curves, 51 points'));
  });
});

/** The fake's running trial as the list route gave it. */
function trialOf(api: ReturnType<typeof fakeApi>) {
  void api;
  return {
    id: RUNNING,
    sweepId: 'sw-test01',
    number: 5,
    params: { 'train.optimizer.lr': 0.006, 'model.layers': [128] },
    status: 'running' as const,
    attempt: 0,
    createdAt: 0,
    startedAt: 0,
    finishedAt: null,
    bestValue: 1.5,
    bestStep: 3,
    bestCheckpointId: `${RUNNING}-e003-best`,
    failureReason: null,
    pruneReason: null,
    bestMetrics: { val_loss: 1.5 },
  };
}
