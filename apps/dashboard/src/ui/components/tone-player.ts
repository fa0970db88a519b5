/** One note as abcjs's `setUpAudio` gives it: MIDI pitch, start and duration in whole notes. */
export interface ToneNote {
  pitch: number;
  start: number;
  duration: number;
  volume?: number;
}

export interface ToneTune {
  setUpAudio(options: object): { tempo: number; tracks: { cmd: string }[][] };
}

/** Notes of every track, and seconds per whole note at the tune's tempo (in quarter notes per minute). */
export function toneSchedule(tune: ToneTune): { notes: ToneNote[]; secondsPerWhole: number } {
  const audio = tune.setUpAudio({});
  const notes = audio.tracks.flat().filter((e): e is { cmd: 'note' } & ToneNote => e.cmd === 'note');
  const tempo = audio.tempo > 0 ? audio.tempo : 120;
  return { notes, secondsPerWhole: 240 / tempo };
}

export const midiToHz = (pitch: number): number => 440 * Math.pow(2, (pitch - 69) / 12);

/**
 * Plays a tune with plain oscillators: the fallback when abcjs's synth cannot load its sound font (it
 * fetches one from the internet). Returns a stop function; calls onEnded when the last note ends.
 */
export function playTones(tune: ToneTune, onEnded: () => void): () => void {
  const { notes, secondsPerWhole } = toneSchedule(tune);
  const ctx = new AudioContext();
  const t0 = ctx.currentTime + 0.05;
  let end = 0;
  for (const n of notes) {
    const start = t0 + n.start * secondsPerWhole;
    const stop = start + Math.max(0.05, n.duration * secondsPerWhole * 0.95);
    end = Math.max(end, stop);
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'triangle';
    osc.frequency.value = midiToHz(n.pitch);
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.2 * ((n.volume ?? 100) / 127), start + 0.01);
    gain.gain.linearRampToValueAtTime(0, stop);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(stop + 0.02);
  }
  const timer = setTimeout(() => {
    void ctx.close();
    onEnded();
  }, (end - ctx.currentTime + 0.1) * 1000);
  return () => {
    clearTimeout(timer);
    void ctx.close();
  };
}
