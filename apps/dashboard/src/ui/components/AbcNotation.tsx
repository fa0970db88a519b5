import { useEffect, useRef, useState } from 'react';

/** abcjs is big (≈ 500 kB) and only trial pages with tunes need it: load it on first use. */
const loadAbcjs = () => import('abcjs').then((m) => m.default);

type Synth = { init(o: object): Promise<unknown>; prime(): Promise<unknown>; start(): void; stop(): void };

/**
 * One tune drawn as sheet music by abcjs (SVG), with play/stop through abcjs's synth. The synth is made
 * on the first play (it needs a user gesture for audio, and it loads sounds then).
 */
export function AbcNotation({ abc }: { abc: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const visual = useRef<unknown>(null);
  const synth = useRef<Synth | null>(null);
  const [state, setState] = useState<'idle' | 'loading' | 'playing' | 'error'>('idle');
  const [message, setMessage] = useState('');

  useEffect(() => {
    let live = true;
    void loadAbcjs().then((abcjs) => {
      if (!live || !ref.current) return;
      const tunes = abcjs.renderAbc(ref.current, abc, { responsive: 'resize', add_classes: true });
      visual.current = tunes[0] ?? null;
    });
    return () => {
      live = false;
      synth.current?.stop();
    };
  }, [abc]);

  async function play() {
    if (!visual.current) return;
    const abcjs = await loadAbcjs();
    if (!abcjs.synth.supportsAudio()) {
      setState('error');
      setMessage('This browser cannot play audio');
      return;
    }
    try {
      setState('loading');
      synth.current?.stop();
      const s = new abcjs.synth.CreateSynth() as unknown as Synth;
      await s.init({ visualObj: visual.current, options: { onEnded: () => setState('idle') } });
      await s.prime();
      synth.current = s;
      s.start();
      setState('playing');
    } catch (err) {
      setState('error');
      setMessage(`Could not play: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  function stop() {
    synth.current?.stop();
    setState('idle');
  }

  return (
    <div className="abc">
      <div className="tune-notation" ref={ref} data-testid="tune-notation" />
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
        {state === 'error' && <span className="error">{message}</span>}
      </div>
    </div>
  );
}
