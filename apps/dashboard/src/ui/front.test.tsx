// @vitest-environment jsdom
import './test-setup';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App, hrefOf, parseRoute } from './App';
import { ImportanceChart } from './components/ImportanceChart';
import { ParetoChart } from './components/ParetoChart';
import { TrialsTable } from './components/TrialsTable';
import { DashboardProvider } from './context';
import { fakeApi } from './fake-api';
import { differs, valueAt } from './pages/ComparePage';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('compare route', () => {
  test('parses and builds #/sweeps/<id>/compare?trials=a,b', () => {
    expect(parseRoute('#/sweeps/sw-1/compare?trials=sw-1-t000,sw-1-t003')).toEqual({ page: 'compare', id: 'sw-1', trials: ['sw-1-t000', 'sw-1-t003'] });
    expect(parseRoute('#/sweeps/sw-1/compare?trials=a,,a,b')).toEqual({ page: 'compare', id: 'sw-1', trials: ['a', 'b'] });
    expect(hrefOf({ page: 'compare', id: 'sw-1', trials: ['a', 'b'] })).toBe('#/sweeps/sw-1/compare?trials=a,b');
    // The plain sweep route is unchanged.
    expect(parseRoute('#/sweeps/sw-1')).toEqual({ page: 'sweep', id: 'sw-1' });
  });

  test('valueAt reads the last report of the step; differs compares printed values', () => {
    expect(valueAt([[1, 3], [2, 2], [2, 1.5], [3, 1]], 2)).toBe(1.5);
    expect(valueAt([[1, 3]], 2)).toBeNull();
    expect(valueAt([[1, 3]], null)).toBeNull();
    expect(differs([[128], [128]])).toBe(false);
    expect(differs([0.001, 0.002])).toBe(true);
  });
});

describe('ParetoChart', () => {
  test('two objectives: front members as their own series joined by a line, dominated completed trials apart', async () => {
    const sweep = await fakeApi({ objectives: 2 }).getSweep('sw-test01');
    const { container } = render(<ParetoChart objectives={sweep.objectives} vectors={sweep.objectiveVectors} pareto={sweep.pareto} />);
    // Completed with vectors: trials 0, 1, 3, 4 (5 is running); front 0, 3, 4.
    expect(container.querySelectorAll('.pareto-front .recharts-scatter-symbol')).toHaveLength(3);
    expect(container.querySelectorAll('.pareto-others .recharts-scatter-symbol')).toHaveLength(1);
    expect(container.querySelectorAll('.pareto-front .recharts-scatter-line path')).toHaveLength(1);
    expect(screen.getByText(/3 of 4 completed trials on the front/)).toBeTruthy();
  });

  test('three objectives: the pairwise matrix, no joined line', async () => {
    const sweep = await fakeApi({ objectives: 3 }).getSweep('sw-test01');
    const { container } = render(<ParetoChart objectives={sweep.objectives} vectors={sweep.objectiveVectors} pareto={sweep.pareto} />);
    expect(screen.getAllByTestId('pareto-cell')).toHaveLength(6);
    expect([...container.querySelectorAll('.pareto-diagonal')].map((d) => d.textContent)).toEqual(['val_loss ↓', 'bar_ok_rate ↑', 'novelty ↑']);
    expect(container.querySelectorAll('.pareto-front .recharts-scatter-symbol')).toHaveLength(6 * 3);
    expect(container.querySelectorAll('.recharts-scatter-line')).toHaveLength(0);
  });

  test('one objective draws nothing', () => {
    const { container } = render(<ParetoChart objectives={[{ name: 'val_loss', goal: 'minimize' }]} vectors={[]} pareto={[]} />);
    expect(container.innerHTML).toBe('');
  });
});

describe('ImportanceChart', () => {
  test('bars for the first objective; choosing another asks for it', async () => {
    const api = fakeApi({ objectives: 2 });
    const { container } = render(
      <DashboardProvider api={api}>
        <ImportanceChart sweepId="sw-test01" objectives={['val_loss', 'bar_ok_rate']} />
      </DashboardProvider>,
    );
    await screen.findByText(/PED-ANOVA over 5 completed trials, minimize val_loss/);
    expect(container.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(2);
    fireEvent.change(screen.getByLabelText('importance metric'), { target: { value: 'bar_ok_rate' } });
    await screen.findByText(/maximize bar_ok_rate/);
    expect(api.calls.filter((c) => c.startsWith('getImportance'))).toEqual(['getImportance val_loss', 'getImportance bar_ok_rate']);
  });

  test('too few completed trials: the reason instead of bars', async () => {
    const api = fakeApi({ importanceReason: 'importance needs at least 5 completed trials; 4 so far' });
    const { container } = render(
      <DashboardProvider api={api}>
        <ImportanceChart sweepId="sw-test01" objectives={['val_loss']} />
      </DashboardProvider>,
    );
    expect((await screen.findByTestId('importance-reason')).textContent).toBe('importance needs at least 5 completed trials; 4 so far');
    expect(container.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(0);
  });
});

describe('TrialsTable front marks and compare boxes', () => {
  test('front members marked; compare boxes stop at the maximum', async () => {
    const { trials } = await fakeApi().listTrials('sw-test01');
    const onCompare = vi.fn();
    render(
      <TrialsTable
        trials={trials}
        parameters={['train.optimizer.lr']}
        metricName="val_loss"
        sort="number"
        order="asc"
        onSort={vi.fn()}
        status=""
        onStatus={vi.fn()}
        selected={new Set()}
        onToggle={vi.fn()}
        marks={new Map()}
        colorOf={() => undefined}
        front={new Set([trials[0].id, trials[3].id])}
        compare={new Set([trials[0].id, trials[1].id])}
        onCompare={onCompare}
        compareMax={2}
      />,
    );
    const marked = screen.getAllByTestId('front-mark').map((m) => m.closest('tr')!.getAttribute('data-trial'));
    expect(marked).toEqual([trials[0].id, trials[3].id]);
    expect((screen.getByLabelText(`compare ${trials[0].id}`) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText(`compare ${trials[3].id}`) as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText(`compare ${trials[1].id}`) as HTMLInputElement).disabled).toBe(false);
    fireEvent.click(screen.getByLabelText(`compare ${trials[1].id}`));
    expect(onCompare).toHaveBeenCalledWith(trials[1].id);
  });
});

describe('sweep page → compare view', () => {
  test('tick two trials, follow the link: parameters side by side, one tune per best checkpoint with the same settings', async () => {
    const api = fakeApi({ objectives: 2 });
    window.location.hash = '#/sweeps/sw-test01';
    render(<App api={api} />);
    await screen.findByTestId('pareto');
    expect(screen.getAllByTestId('front-mark')).toHaveLength(3);
    fireEvent.click(screen.getByLabelText('compare sw-test01-t000'));
    expect(screen.queryByTestId('compare-link')).toBeNull();
    fireEvent.click(screen.getByLabelText('compare sw-test01-t003'));
    const link = screen.getByTestId('compare-link');
    expect(link.getAttribute('href')).toBe('#/sweeps/sw-test01/compare?trials=sw-test01-t000,sw-test01-t003');

    window.location.hash = link.getAttribute('href')!;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    const params = await screen.findByTestId('compare-params');
    // lr differs between the two; layers is [128] in both.
    expect(within(params).getByText('train.optimizer.lr').closest('tr')!.className).toBe('differs');
    expect(within(params).getByText('model.layers').closest('tr')!.className).toBe('');
    const best = screen.getByTestId('compare-best');
    expect(best.querySelector('tr[data-metric=val_loss]')!.textContent).toContain('(↓ objective)');

    const tunes = screen.getByTestId('compare-tunes');
    fireEvent.change(within(tunes).getByLabelText('seed'), { target: { value: '42' } });
    fireEvent.change(within(tunes).getByLabelText('prime'), { target: { value: '|:A2B' } });
    fireEvent.click(within(tunes).getByRole('button', { name: /generate from each/ }));
    await waitFor(() => expect(tunes.querySelectorAll('[data-testid=tune]')).toHaveLength(2));
    const requests = api.calls.filter((c) => c.startsWith('generate ')).map((c) => JSON.parse(c.slice('generate '.length)));
    expect(requests.map((r) => r.checkpointId).sort()).toEqual(['sw-test01-t000-e003-best', 'sw-test01-t003-e003-best']);
    for (const r of requests) expect(r).toMatchObject({ n: 1, seed: 42, prime: '|:A2B', meter: '6/8', constrain: 'meter' });
    // abcjs (stubbed) draws each row's tune once it has loaded.
    await waitFor(() => expect(tunes.querySelectorAll('[data-testid=compare-tune-row] [data-testid=tune-notation] svg')).toHaveLength(2));
  });

  test('fewer than two trials: says how many it takes', async () => {
    window.location.hash = '#/sweeps/sw-test01/compare?trials=sw-test01-t000';
    render(<App api={fakeApi()} />);
    expect((await screen.findByText(/Compare takes 2 to 4 trials; got 1/)).textContent).toMatch(/trials table/);
  });
});
