import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode } from '../errors.js';
import { fsError } from '../util/fs-error.js';
import { removeDeadSiblings } from '../util/dead-siblings.js';

/** The files of a new layout: `oci-layout` and `index.json` texts. */
export interface LayoutSkeleton {
  marker: string;
  index: string;
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins forever where a parent exists but
 * the child cannot be made with ENOENT (seen under /proc), which must be an error instead.
 */
export async function makeDirs(path: string): Promise<void> {
  const parent = dirname(path);
  try {
    await mkdir(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || parent === path) throw err;
    await makeDirs(parent);
    await mkdir(path).catch((again: unknown) => {
      if (errnoCode(again) !== 'EEXIST') throw again;
    });
  }
}

/**
 * Creates an OCI layout at `root` (missing or an empty directory) so that it appears whole or not
 * at all: the skeleton is built and synced in a hidden sibling directory and renamed into place,
 * so a kill -9 at any point leaves either no layout or a valid one — never a directory that other
 * tools (umoci, skopeo) refuse. Where that cannot be done (a non-empty directory without a layout,
 * a parent regctl may not write), the files are written in place with `oci-layout` last: the
 * marker then means the layout is complete. `writeInPlace` does that second way.
 */
export async function createLayout(root: string, skeleton: LayoutSkeleton, writeInPlace: () => Promise<void>): Promise<void> {
  const parent = dirname(root);
  try {
    await makeDirs(parent);
  } catch (err) {
    throw fsError('cannot create OCI layout', root, err);
  }
  if (!(await replaceable(root))) {
    await writeInPlace();
    return;
  }
  await removeDeadSiblings(root, '.new');
  const staging = join(parent, `.${basename(root)}.${process.pid}.${randomBytes(4).toString('hex')}.new`);
  try {
    await mkdir(join(staging, 'blobs', 'sha256'), { recursive: true });
    await writeSynced(join(staging, 'index.json'), skeleton.index);
    await writeSynced(join(staging, 'oci-layout'), skeleton.marker);
    await syncDir(join(staging, 'blobs', 'sha256'));
    await syncDir(join(staging, 'blobs'));
    await syncDir(staging);
  } catch {
    // The parent is not ours to write (or is full): the in-place way reports the real problem.
    await rm(staging, { recursive: true, force: true });
    await writeInPlace();
    return;
  }
  try {
    await rename(staging, root);
    await syncDir(parent);
  } catch {
    // Someone else made it first, or it changed meanwhile: the in-place way completes what is there.
    await rm(staging, { recursive: true, force: true });
    await writeInPlace();
  }
}

/**
 * True when a directory may be renamed onto `root`: it is missing, or an empty real directory on
 * its parent's filesystem — never a symlink (the user's link to another disk stays) nor a mount point.
 */
async function replaceable(root: string): Promise<boolean> {
  try {
    const st = await lstat(root);
    if (!st.isDirectory()) return false;
    if (st.dev !== (await stat(dirname(root))).dev) return false;
    return (await readdir(root)).length === 0;
  } catch (err) {
    return errnoCode(err) === 'ENOENT';
  }
}

async function writeSynced(path: string, text: string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await fh.close();
  }
}
