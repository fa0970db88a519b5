import { vi } from 'vitest';

/**
 * jsdom lacks what abcjs and recharts measure with; component tests stub abcjs's renderer (it draws an
 * <svg> so tests can see that notation was asked for) and give jsdom a ResizeObserver.
 */
export const renderAbc = vi.fn((el: HTMLElement, abc: string) => {
  el.innerHTML = `<svg data-abc="${abc.length}"></svg>`;
  return [{}];
});

vi.mock('abcjs', () => ({
  default: {
    renderAbc,
    synth: { supportsAudio: () => false, CreateSynth: class {} },
  },
}));

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= ResizeObserverStub;
