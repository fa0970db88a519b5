import { useEffect, useRef, useState } from 'react';
import { playTones, type ToneTune } from './tone-player';

/** abcjs is big (≈ 500 kB) and only trial pages with tunes need it: load it on first use. */
const loadAbcjs = () => import('abcjs').then((m) => m.default);

type Synth = { init(o: object): Promise<unknown>; prime(): Promise<unknown>; start(): void; stop(): void };

/** abcjs fetches its sound font from the internet; past this, play simple tones instead. */
const SOUND_FONT_WAIT_MS = 6000;

const within = <T,>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms))]);

/**
 * One tune drawn as sheet music by abcjs (SVG), with play/stop through abcjs's synth (plain tones when its
 * sound font cannot be fetched). The synth is made on the first play: audio needs a user gesture.
 */
export function AbcNotation({ abc, notation = true }: { abc: string; /** false: the player alone, no sheet music (blind listening). */ notation?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const visual = useRef<unknown>(null);
  const synth = useRef<Synth | null>(null);
  const stopTones = useRef<(() => void) | null>(null);
  const [state, setState] = useState<'idle' | 'loading' | 'playing' | 'error'>('idle');
  const [message, setMessage] = useState('');

  useEffect(() => {
    let live = true;
    void loadAbcjs().then((abcjs) => {
      if (!live || (notation && !ref.current)) return;
      // '*': abcjs parses and lays the tune out off-page (the synth needs that), drawing nothing here.
      const tunes = abcjs.renderAbc(notation ? ref.current! : '*', abc, { responsive: 'resize', add_classes: true });
      visual.current = tunes[0] ?? null;
    });
    return () => {
      live = false;
      synth.current?.stop();
      stopTones.current?.();
    };
  }, [abc, notation]);

  async function play() {
    if (!visual.current) return;
    const abcjs = await loadAbcjs();
    if (!abcjs.synth.supportsAudio()) {
      setState('error');
      setMessage('This browser cannot play audio');
      return;
    }
    setState('loading');
    setMessage('');
    synth.current?.stop();
    stopTones.current?.();
    try {
      const s = new abcjs.synth.CreateSynth() as unknown as Synth;
      await within(
        s.init({ visualObj: visual.current, options: { onEnded: () => setState('idle') } }).then(() => s.prime()),
        SOUND_FONT_WAIT_MS,
      );
      synth.current = s;
      s.start();
      setState('playing');
    } catch {
      // No sound font (offline): the same notes as plain tones.
      try {
        stopTones.current = playTones(visual.current as ToneTune, () => setState('idle'));
        setMessage('simple tones: the sound font could not be loaded');
        setState('playing');
      } catch (err) {
        setState('error');
        setMessage(`Could not play: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  function stop() {
    synth.current?.stop();
    stopTones.current?.();
    stopTones.current = null;
    setState('idle');
  }

  return (
    <div className="abc">
      {notation && <div className="tune-notation" ref={ref} data-testid="tune-notation" />}
      <div className="player">
        {state === 'playing' ? (
          <button type="button" onClick={stop}>
            ■ stop
          </button>
        ) : (
          <button type="button" onClick={() => void play()} disabled={state === 'loading'}>
            {state === 'loading' ? '… loading sounds' : '▶ play'}
          </button>
        )}
        {message && <span className={state === 'error' ? 'error' : 'muted'}>{message}</span>}
      </div>
    </div>
  );
}
