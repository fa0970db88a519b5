// @vitest-environment jsdom
import { afterEach, describe, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { fakeApi } from '../fake-api';
import { TrialsTable } from './TrialsTable';

afterEach(cleanup);

async function setup(over: Partial<Parameters<typeof TrialsTable>[0]> = {}) {
  const { trials } = await fakeApi().listTrials('sw-test01');
  const props = {
    trials,
    parameters: ['train.optimizer.lr', 'model.layers'],
    metricName: 'val_loss',
    sort: 'number' as const,
    order: 'asc' as const,
    onSort: vi.fn(),
    status: '',
    onStatus: vi.fn(),
    selected: new Set([trials[0].id]),
    onToggle: vi.fn(),
    marks: new Map([[trials[1].id, ['champion']]]),
    colorOf: (id: string) => (id === trials[0].id ? '#123456' : undefined),
    ...over,
  };
  render(<TrialsTable {...props} />);
  return { props, trials };
}

describe('TrialsTable', () => {
  test('a text filter narrows the rows by params and reasons', async () => {
    await setup();
    fireEvent.change(screen.getByLabelText('trial filter'), { target: { value: 'nan' } });
    expect(screen.getAllByRole('row')).toHaveLength(2);
    fireEvent.change(screen.getByLabelText('trial filter'), { target: { value: 'lr=3.00e-3' } });
    expect(screen.getAllByRole('row').map((r) => r.getAttribute('data-trial'))).toEqual([null, 'sw-test01-t002']);
  });

  test('pages long tables', async () => {
    await setup({ pageSize: 4 });
    expect(screen.getAllByRole('row')).toHaveLength(5);
    expect(screen.getByText(/trials 1–4 of 6/)).toBeTruthy();
    fireEvent.click(screen.getByLabelText('next page'));
    expect(screen.getAllByRole('row')).toHaveLength(3);
    expect(screen.getByText(/trials 5–6 of 6/)).toBeTruthy();
  });

  test('shows params, status colours, best values, why a trial failed, and the champion mark', async () => {
    const { trials } = await setup();
    const rows = screen.getAllByRole('row');
    expect(rows).toHaveLength(7);
    const failed = rows.find((r) => r.getAttribute('data-trial') === trials[2].id)!;
    expect(within(failed).getByText('failed').getAttribute('data-status')).toBe('failed');
    expect(within(failed).getByText('loss became NaN')).toBeTruthy();
    const champ = rows.find((r) => r.getAttribute('data-trial') === trials[1].id)!;
    expect(within(champ).getByText('★ champion')).toBeTruthy();
    expect(within(champ).getByText('1.1')).toBeTruthy();
    expect(screen.getByTitle('train.optimizer.lr').textContent).toBe('lr');
  });

  test('sorting, filtering and ticking call back', async () => {
    const { props, trials } = await setup();
    fireEvent.click(screen.getByText(/best val_loss/));
    expect(props.onSort).toHaveBeenCalledWith('best');
    fireEvent.change(screen.getByLabelText('status filter'), { target: { value: 'failed' } });
    expect(props.onStatus).toHaveBeenCalledWith('failed');
    fireEvent.click(screen.getByLabelText(`curve of ${trials[3].id}`));
    expect(props.onToggle).toHaveBeenCalledWith(trials[3].id);
    expect((screen.getByLabelText(`curve of ${trials[0].id}`) as HTMLInputElement).checked).toBe(true);
  });
});
