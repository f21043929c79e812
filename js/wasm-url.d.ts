// `callrisk/callrisk.wasm`: the module the glue runs. A bundler that copies
// imported files gives its URL (esbuild: `--loader:.wasm=file`); pass it to
// init({ wasmUrl: new URL(wasmUrl, import.meta.url) }). Vite and webpack need
// no such import: they emit the module by themselves.

/** The emitted module's path, relative to the bundle (esbuild's `file` loader). */
declare const wasmUrl: string;
export default wasmUrl;
