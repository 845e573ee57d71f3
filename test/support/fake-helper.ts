import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** How the fake helper behaves: a working store, or one of the failure modes docker's clients meet. */
export type FakeHelperMode = 'store' | 'fail' | 'malformed' | 'empty-secret';

/** A `docker-credential-<name>` script in a temp directory. */
export interface FakeHelper {
  /** The suffix to put in credsStore / credHelpers. */
  name: string;
  /** The directory holding the script; prepend it to PATH. */
  dir: string;
  /** PATH with `dir` first. */
  path: string;
  /** Every call so far: the operation and what came on stdin. */
  calls(): Promise<Array<{ op: string; input: string }>>;
  /** Removes the directory. */
  remove(): Promise<void>;
}

const SCRIPT = String.raw`
const fs = require('fs');
const path = require('path');
const dir = __dirname;
const mode = fs.readFileSync(path.join(dir, 'mode'), 'utf8').trim();
const op = process.argv[2];
const input = fs.readFileSync(0, 'utf8');
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ op, input }) + '\n');
const dbFile = path.join(dir, 'db.json');
const db = fs.existsSync(dbFile) ? JSON.parse(fs.readFileSync(dbFile, 'utf8')) : {};
if (mode === 'fail') { process.stdout.write('fake helper exploded\n'); process.exit(3); }
if (mode === 'malformed') { process.stdout.write('{"ServerURL": "x", "Secret": '); process.exit(0); }
if (op === 'get') {
  const e = db[input];
  if (!e) {
    if (mode === 'empty-secret') { process.stdout.write(JSON.stringify({ ServerURL: input, Username: '', Secret: '' })); process.exit(0); }
    process.stdout.write('credentials not found in native keychain\n'); process.exit(1);
  }
  process.stdout.write(JSON.stringify({ ServerURL: input, Username: e.Username, Secret: e.Secret }));
} else if (op === 'store') {
  const e = JSON.parse(input);
  db[e.ServerURL] = { Username: e.Username, Secret: e.Secret };
  fs.writeFileSync(dbFile, JSON.stringify(db));
} else if (op === 'erase') {
  if (!db[input]) { process.stdout.write('credentials not found in native keychain\n'); process.exit(1); }
  delete db[input];
  fs.writeFileSync(dbFile, JSON.stringify(db));
} else if (op === 'list') {
  const out = {};
  for (const k of Object.keys(db)) out[k] = db[k].Username;
  process.stdout.write(JSON.stringify(out));
} else { process.stdout.write('unknown op\n'); process.exit(1); }
`;

/**
 * Writes a fake `docker-credential-<name>` (a Node script) that speaks the helper protocol, keeps its
 * entries in a JSON file beside it (`entries` preloads them, keyed by server URL) and logs every call.
 */
export async function createFakeHelper(mode: FakeHelperMode, entries: Record<string, { Username: string; Secret: string }> = {}): Promise<FakeHelper> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-fake-helper-'));
  const name = `fake${Math.random().toString(36).slice(2, 8)}`;
  const file = join(dir, `docker-credential-${name}`);
  await writeFile(file, `#!${process.execPath}\n${SCRIPT}`);
  await chmod(file, 0o755);
  await writeFile(join(dir, 'mode'), mode);
  await writeFile(join(dir, 'db.json'), JSON.stringify(entries));
  return {
    name,
    dir,
    path: `${dir}${delimiter}${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    calls: async () => {
      const text = await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { op: string; input: string });
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
