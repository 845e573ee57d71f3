// Preloaded with `node --import` by the start-up test: records which modules a regctl run loads,
// in the file named by REGCTL_LOAD_TRACE. ES modules (the bundle's chunks) come from a resolve
// hook; Node's built-in modules (also those CommonJS code requires) from process.moduleLoadList
// when the process exits.
import { appendFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';

const out = process.env['REGCTL_LOAD_TRACE'];
if (out) {
  writeFileSync(out, '');
  register('./load-trace-hooks.js', import.meta.url, { data: { out } });
  process.on('exit', () => {
    const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
    appendFileSync(
      out,
      loaded
        .filter((m) => m.startsWith('NativeModule '))
        .map((m) => `builtin ${m.slice('NativeModule '.length)}\n`)
        .join(''),
    );
  });
}
