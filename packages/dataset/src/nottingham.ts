/**
 * The named corpus `nottingham`: the cleaned Nottingham Music Database in ABC (jukedeck/nottingham-dataset,
 * ABC_cleaned/, commit 0992bb6c). The sha256 of each file pins the exact bytes: `jigs` is the seed's
 * training text, so a copy that differs by one byte would silently change every figure we compare against.
 */

export const NOTTINGHAM = 'nottingham';

/** Where a missing file is downloaded from; `<file>` is e.g. `jigs`. */
export const NOTTINGHAM_URL = 'https://raw.githubusercontent.com/jukedeck/nottingham-dataset/master/ABC_cleaned/';

/** sha256, bytes and tunes (lines starting with `X:`) of each cleaned file. */
export const NOTTINGHAM_FILES: Readonly<Record<string, { sha256: string; bytes: number; tunes: number }>> = {
  ashover: { sha256: '6586eea8dca53866b42721050d11fc1408bdb2cf31a902b41c5c13504139b164', bytes: 19647, tunes: 46 },
  hpps: { sha256: '6d035c6972ac0c204ba79d8128e2d71978ece2214a29ffceeb3e053e27f17db5', bytes: 25222, tunes: 65 },
  jigs: { sha256: '5bb6f621e443bde552540810e3ea53e53531fd22258736e338d795e7a5bdcaf5', bytes: 129665, tunes: 340 },
  morris: { sha256: 'cbf60b212c87748dea226c76b72a15db5b4f606bb35a580763e9cd8f7294e7da', bytes: 12002, tunes: 31 },
  playford: { sha256: '070877bc37176e0dedbcd038268d6669399201cd7b58d88b4ab36127528f9c76', bytes: 5101, tunes: 15 },
  'reelsa-c': { sha256: 'f92ed0e66024e0a5bb7d21fe3172cd50c3fb4cb7f642b4ec7cd5aa8ad0396da8', bytes: 37613, tunes: 81 },
  'reelsd-g': { sha256: '33f535569116ec8cfb530c112f4cdc3bfb7fc042c271e0317cf6458bad30dfae', bytes: 42433, tunes: 84 },
  'reelsh-l': { sha256: 'cb701d4ffe6839cb7a5655bc21785ecb71a72ab63d8560f7be3856f6aedaf7e5', bytes: 43044, tunes: 90 },
  'reelsm-q': { sha256: 'a99f2967cf47460bba70bae40cd355a220b537a87180131c6d9433750bc446a1', bytes: 38405, tunes: 80 },
  'reelsr-t': { sha256: 'f80a2c0f37a49b9b0c748e922924d59c40d82758abc5b0f7fc9245d7fd563be0', bytes: 46838, tunes: 92 },
  'reelsu-z': { sha256: 'd104d7d1bb83eb1ca18f6b944dc22cf9f7bfe5f955d07cd573615985f69c2c1f', bytes: 17203, tunes: 34 },
  slip: { sha256: 'da686b3a0de20aab38e64f8c8ec57edace980bab6450a6c388d79a2866e5b16a', bytes: 3838, tunes: 11 },
  waltzes: { sha256: 'ffa773d012756be17784ab4a84e0e4618f316be5c6f244f9d60c06b23cd812c6', bytes: 21490, tunes: 52 },
  xmas: { sha256: '05ebc4b856c8c5186bb828641e8f88f723c109d47ba7e3f1e5048b536e091249', bytes: 3519, tunes: 13 },
};

/** The file names of the named corpus, in the order an empty `files` list loads them. */
export const NOTTINGHAM_FILE_NAMES: readonly string[] = Object.keys(NOTTINGHAM_FILES).sort();
