/**
 * Just enough glob for corpus paths (`data/**\/*.abc`, `tunes/{jigs,reels}.abc`): `*`, `?`, `**`, `{a,b}`
 * and `[...]`. Node 20 has no fs.glob, and a corpus glob does not need more than this.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const MAGIC = /[*?[{]/;

/** Whether a corpus string is a glob pattern rather than a plain path. */
export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Regex for a glob over `/`-separated paths; `**` spans folders, everything else stays within one. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        const alts = pattern.slice(i + 1, end).split(',');
        re += `(?:${alts.map((a) => globToRegExp(a).source.slice(1, -1)).join('|')})`;
        i = end;
      }
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Files matching a glob, sorted. The walk starts at the pattern's fixed prefix (the folders before the first
 * wildcard), so `data/*.abc` never scans the whole disk.
 */
export function globFiles(pattern: string): string[] {
  const parts = pattern.split('/');
  const fixed: string[] = [];
  while (parts.length > 1 && !isGlob(parts[0])) fixed.push(parts.shift()!);
  const base = fixed.length === 0 ? '.' : fixed.join('/') || '/';
  const re = globToRegExp(parts.join('/'));
  const deep = parts.some((p) => p.includes('**'));
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      const rel = relative(base, full).split(sep).join('/');
      if (st.isDirectory()) {
        if (deep || depth + 1 < parts.length) walk(full, depth + 1);
      } else if (re.test(rel)) out.push(fixed.length === 0 ? rel : `${base === '/' ? '' : base}/${rel}`);
    }
  };
  walk(base, 0);
  return out.sort();
}
