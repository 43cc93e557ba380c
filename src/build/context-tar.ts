/**
 * A build context as the tar stream sent to the engine, with fixed mtimes and owners so the same
 * files always make the same tar and Docker's layer cache stays warm. Apart from context.ts so
 * listing and digesting a context (every `up`) never loads the tar library.
 */
import type { Readable } from 'node:stream';
import { pack } from 'tar-fs';
import type { BuildContext } from './context.ts';

/** The context as a tar stream with normalised headers. */
export function contextTar(context: BuildContext): Readable {
  return pack(context.directory, {
    // Files and links only: tar-fs would walk a listed folder whole, ignored files included.
    entries: context.entries.filter((e) => e.kind !== 'directory').map((e) => e.path),
    map(header) {
      header.mtime = new Date(0);
      header.uid = 0;
      header.gid = 0;
      return header;
    },
  }) as unknown as Readable;
}
