import { describe, expect, test } from 'vitest';
import { midiToHz, toneSchedule } from './tone-player';

describe('tone player', () => {
  test('takes the notes of every track and the tempo from abcjs’s audio setup', () => {
    const tune = {
      setUpAudio: () => ({
        tempo: 120,
        tracks: [
          [{ cmd: 'program' }, { cmd: 'note', pitch: 69, start: 0, duration: 0.125 }],
          [{ cmd: 'note', pitch: 57, start: 0.125, duration: 0.25 }, { cmd: 'text' }],
        ],
      }),
    };
    const { notes, secondsPerWhole } = toneSchedule(tune);
    expect(notes.map((n) => n.pitch)).toEqual([69, 57]);
    expect(secondsPerWhole).toBe(2); // 120 quarter notes a minute: a whole note lasts 2 s
    expect(midiToHz(69)).toBe(440);
    expect(midiToHz(57)).toBeCloseTo(220);
  });
});
