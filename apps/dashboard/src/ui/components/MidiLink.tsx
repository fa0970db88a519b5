import { useState, type MouseEvent } from 'react';

/** Saves bytes under a file name through a temporary object URL. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The .mid download: the server's file (abc2midi), or, where the server has no abc2midi (501) or all its
 * abc2midi slots are taken (503), one that abcjs writes in the page from the same ABC.
 */
export function MidiLink({ href, abc, name }: { href: string; abc: string; name: string }) {
  const [note, setNote] = useState('');
  async function download(e: MouseEvent) {
    e.preventDefault();
    setNote('');
    try {
      const res = await fetch(href);
      if (res.ok) return save(await res.blob(), name);
      if (res.status !== 501 && res.status !== 503) throw new Error(((await res.json().catch(() => null)) as { error?: string } | null)?.error ?? `${res.status}`);
      const abcjs = (await import('abcjs')).default;
      const [bytes] = abcjs.synth.getMidiFile(abc, { midiOutputType: 'binary' }) as Uint8Array[];
      save(new Blob([bytes as BlobPart], { type: 'audio/midi' }), name);
      setNote(res.status === 501 ? 'written in the page (the server has no abc2midi)' : 'written in the page (the server is busy)');
    } catch (err) {
      setNote(`no MIDI: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return (
    <>
      <a href={href} download={name} onClick={(e) => void download(e)}>
        ⬇ .mid
      </a>
      {note && <span className="muted"> {note}</span>}
    </>
  );
}
