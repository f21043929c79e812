// The README's esbuild recipe ("Bundlers"). Everything below the marker is
// the README's js block, verbatim.

// ---- README block (verbatim) ----
import wasmUrl from 'callrisk/callrisk.wasm';    // esbuild --bundle --format=esm --loader:.wasm=file: the emitted file's path
import { init, createScorer } from 'callrisk';

await init({ wasmUrl: new URL(wasmUrl, import.meta.url) });
const scorer = await createScorer();
