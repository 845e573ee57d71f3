import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mock, test } from 'node:test';
import { LiveArea } from '../../src/cli/live-area.js';
import { createProgress, retryLine } from '../../src/cli/progress.js';
import { renderFrame, summaryLine } from '../../src/cli/progress-frame.js';
import { applyEvent, newTransferState } from '../../src/cli/progress-state.js';
import { interruptLine } from '../../src/cli/transfer-call.js';
import type { CopyEvent } from '../../src/content/types.js';
import type { Descriptor } from '../../src/oci/descriptor.js';

const layer = (n: number, size: number): Descriptor => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size,
});
const config: Descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 1500 };

/** A terminal double: keeps what is written, has a width, can be resized. */
class FakeTty extends Writable {
  text = '';
  isTTY = true;
  constructor(public columns: number) {
    super();
  }
  override _write(chunk: Buffer | string, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  resize(columns: number): void {
    this.columns = columns;
    this.emit('resize');
  }
}

/** Four layers: one done, one moving, one waiting, one already present; at t = 10 s. */
function sampleState(): ReturnType<typeof newTransferState> {
  const s = newTransferState(0);
  const at = (e: CopyEvent, t: number): void => applyEvent(s, e, t);
  for (const d of [config, layer(1, 20_000_000), layer(2, 64_000_000), layer(3, 5_000_000), layer(4, 1_000_000)]) at({ type: 'queued', desc: d }, 0);
  at({ type: 'skip', desc: layer(4, 1_000_000) }, 10);
  at({ type: 'start', desc: layer(1, 20_000_000) }, 100);
  at({ type: 'progress', desc: layer(1, 20_000_000), bytes: 10_000_000 }, 2_000);
  at({ type: 'done', desc: layer(1, 20_000_000) }, 4_000);
  at({ type: 'start', desc: layer(2, 64_000_000) }, 4_000);
  at({ type: 'progress', desc: layer(2, 64_000_000), bytes: 1_000_000 }, 5_000);
  at({ type: 'progress', desc: layer(2, 64_000_000), bytes: 16_000_000 }, 10_000);
  return s;
}

test('the TTY frame is a pure function of state and width: queued layers Waiting, bars, the total and an ETA, every line fitting', () => {
  const wide = renderFrame(sampleState(), 'pull', 120, 10_000);
  assert.deepEqual(wide.slice(0, 4), [
    '111111111111: Pull complete',
    `222222222222: Downloading [${'='.repeat(9)}>${' '.repeat(28)}] 16MB/64MB  3.2MB/s`,
    '333333333333: Waiting',
    '444444444444: Already exists',
  ]);
  assert.match(wide[4] as string, /^⠋ 1\/4 layers {2}36MB\/89MB {2}[\d.]+MB\/s {2}ETA \d+s$/);
  for (const width of [60, 40, 20]) {
    const frame = renderFrame(sampleState(), 'pull', width, 10_000);
    assert.equal(frame.length, 5);
    for (const l of frame) assert.ok([...l].length <= width - 1, `"${l}" is wider than ${width - 1}`);
  }
  const sixty = renderFrame(sampleState(), 'pull', 60, 10_000);
  assert.match(sixty[1] as string, /^222222222222: Downloading \[=+>? *\] 16MB\/64MB {2}3\.2MB\/s$/, 'a shorter bar at 60 columns');
  assert.equal([...(renderFrame(sampleState(), 'pull', 40, 10_000)[1] as string)].length, 39, 'no room for a bar: figures cut to fit');
});

test('the summary names what moved, how much, how long, and what was already there', () => {
  const s = sampleState();
  applyEvent(s, { type: 'done', desc: layer(2, 64_000_000) }, 12_000);
  applyEvent(s, { type: 'done', desc: layer(3, 5_000_000) }, 13_100);
  assert.equal(summaryLine(s, 'pull', 13_100), 'pulled 3 layers, 89MB in 13.1 s (1 already present)');
  assert.equal(summaryLine(newTransferState(0), 'push', 5), undefined, 'nothing moved: no summary');
});

test('--progress plain: a line per moving layer every 5 s, a warning per retry, and the summary at the end', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let clock = 0;
    const out = new FakeTty(80);
    out.isTTY = false;
    const d = await createProgress('plain', 'pull', false, out, { now: () => clock });
    for (const e of [
      { type: 'queued', desc: config },
      { type: 'queued', desc: layer(1, 64_000_000) },
      { type: 'start', desc: layer(1, 64_000_000) },
    ] as CopyEvent[])
      d.listener(e);
    clock = 1_000;
    d.listener({ type: 'progress', desc: layer(1, 64_000_000), bytes: 1 });
    clock = 5_000;
    d.listener({ type: 'progress', desc: layer(1, 64_000_000), bytes: 32_000_000 });
    mock.timers.tick(5_000);
    d.retry({ method: 'GET', url: 'http://r.io/v2/a/blobs/sha256:11', attempt: 1, maxRetries: 3, reason: 'HTTP 503', delayMs: 1_000 });
    clock = 9_000;
    d.listener({ type: 'done', desc: layer(1, 64_000_000) });
    mock.timers.tick(5_000);
    d.stop('done');
    assert.equal(
      out.text,
      [
        '111111111111: Pulling fs layer',
        '111111111111: Downloading 32MB/64MB (8MB/s)',
        'WARNING: GET http://r.io/v2/a/blobs/sha256:11 failed (HTTP 503); next attempt in 1 s (retry 1 of 3)',
        '111111111111: Pull complete',
        'pulled 1 layer, 64MB in 9.0 s',
        '',
      ].join('\n'),
    );
  } finally {
    mock.timers.reset();
  }
});

test('the live area hides the cursor, redraws in place (also after a resize), and leaves the last frame with a newline and the cursor shown', () => {
  const tty = new FakeTty(60);
  const area = new LiveArea(tty);
  area.draw(['a', 'b']);
  area.draw(['c', 'd']);
  area.print('status line');
  tty.resize(30);
  area.draw(['e', 'f']);
  area.close(['e', 'f']);
  assert.equal(
    tty.text,
    [
      '\u001b[?25l',
      'a\nb',
      '\r\u001b[1A\u001b[J',
      'c\nd',
      '\r\u001b[1A\u001b[J',
      'status line\n',
      'c\nd',
      '\r\u001b[1A\u001b[J',
      'e\nf',
      '\r\u001b[1A\u001b[J',
      'e\nf\n',
      '\u001b[?25h',
    ].join(''),
  );
  area.close(['x']);
  assert.ok(tty.text.endsWith('\u001b[?25h'), 'closing twice writes nothing more');
});

test('Ctrl-C on a live display: the frame is finished with a newline, the cursor shown, and the bytes kept are known', async (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const tty = new FakeTty(60);
  const d = await createProgress('tty', 'pull', false, tty);
  d.listener({ type: 'queued', desc: config });
  d.listener({ type: 'done', desc: config });
  d.listener({ type: 'queued', desc: layer(1, 2_000_000) });
  d.listener({ type: 'start', desc: layer(1, 2_000_000) });
  d.listener({ type: 'progress', desc: layer(1, 2_000_000), bytes: 1000 });
  d.status('v1: Pulling from r.io/a');
  mock.timers.tick(100);
  assert.ok(tty.text.includes('\u001b[?25l'), 'the live frame hid the cursor');
  const { keptBytes } = d.interrupt();
  assert.equal(keptBytes, 1500, 'the config was finished');
  assert.ok(tty.text.endsWith('\n\u001b[?25h'), JSON.stringify(tty.text.slice(-40)));
  assert.equal(interruptLine('pull', 'r.io/a:v1', keptBytes), 'pull of r.io/a:v1 interrupted; 1.5kB kept for the next run');
  assert.equal(interruptLine('pull', 'r.io/a:v1', 0), 'pull of r.io/a:v1 interrupted');
});

test('a retry line says what failed and when the next attempt comes', () => {
  assert.equal(
    retryLine({ method: 'HEAD', url: 'https://r.io/v2/', attempt: 2, maxRetries: 3, reason: 'ECONNRESET', delayMs: 250 }),
    'HEAD https://r.io/v2/ failed (ECONNRESET); next attempt in 0.3 s (retry 2 of 3)',
  );
});
