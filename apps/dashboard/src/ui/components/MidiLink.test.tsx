// @vitest-environment jsdom
import { getMidiFile } from '../test-setup';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MidiLink } from './MidiLink';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function stubs(status: number) {
  const fetchMock = vi.fn(async () => new Response(status === 200 ? 'MThd' : JSON.stringify({ error: 'MIDI export needs abc2midi' }), { status }));
  const created: Blob[] = [];
  vi.stubGlobal('fetch', fetchMock);
  URL.createObjectURL = vi.fn((b: Blob) => {
    created.push(b);
    return 'blob:x';
  });
  URL.revokeObjectURL = vi.fn();
  // jsdom cannot navigate; the download click only needs to happen.
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
  return { fetchMock, created };
}

describe('MidiLink', () => {
  test('downloads the server’s MIDI when it has abc2midi', async () => {
    const { fetchMock, created } = stubs(200);
    render(<MidiLink href="/api/samples/sa-1.mid" abc={'X:1\nK:D\nABc|\n'} name="sa-1.mid" />);
    fireEvent.click(screen.getByText('⬇ .mid'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(fetchMock).toHaveBeenCalledWith('/api/samples/sa-1.mid');
    expect(getMidiFile).not.toHaveBeenCalled();
  });

  test('writes MIDI in the page with abcjs when the server answers 501', async () => {
    const { created } = stubs(501);
    render(<MidiLink href="/api/samples/sa-1.mid" abc={'X:1\nK:D\nABc|\n'} name="sa-1.mid" />);
    fireEvent.click(screen.getByText('⬇ .mid'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(getMidiFile).toHaveBeenCalledWith('X:1\nK:D\nABc|\n', { midiOutputType: 'binary' });
    expect(created[0].type).toBe('audio/midi');
    expect(await screen.findByText(/written in the page/)).toBeTruthy();
  });

  test('writes MIDI in the page when every abc2midi slot is taken (503)', async () => {
    const { created } = stubs(503);
    render(<MidiLink href="/api/samples/sa-1.mid" abc={'X:1\nK:D\nABc|\n'} name="sa-1.mid" />);
    fireEvent.click(screen.getByText('⬇ .mid'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(await screen.findByText(/the server is busy/)).toBeTruthy();
  });
});
