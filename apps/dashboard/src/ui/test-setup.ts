import { vi } from 'vitest';

/**
 * jsdom lacks what abcjs and recharts measure with; component tests stub abcjs's renderer (it draws an
 * <svg> so tests can see that notation was asked for) and give jsdom a ResizeObserver.
 */
export const renderAbc = vi.fn((el: HTMLElement | '*', abc: string) => {
  // '*' lays the tune out without drawing it (the player alone).
  if (typeof el !== 'string') el.innerHTML = `<svg data-abc="${abc.length}"></svg>`;
  return [{}];
});

export const getMidiFile = vi.fn(() => [new Uint8Array([0x4d, 0x54, 0x68, 0x64])]);

vi.mock('abcjs', () => ({
  default: {
    renderAbc,
    synth: { supportsAudio: () => false, CreateSynth: class {}, getMidiFile },
  },
}));

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= ResizeObserverStub;
