/**
 * The server's model files: read from its own public/models/ when the deployment has them on disk (`npm start`,
 * a container), over HTTP from TANDEM_ARTIFACTS_ORIGIN when it does not (a serverless function whose static
 * files live on a CDN). No request to itself for bytes it already holds.
 */
import 'server-only';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { httpSource, type ArtifactSource } from '../coldstart/data';
import { PointerSchema } from '../recs/manifest';

const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

export function serverArtifacts(root = path.join(process.cwd(), 'public', 'models')): ArtifactSource {
  const http = httpSource();
  return {
    async pointer() {
      let text: string;
      try {
        text = await readFile(path.join(root, 'current.json'), 'utf8');
      } catch (e) {
        if (missing(e)) return http.pointer();
        throw e;
      }
      const parsed = PointerSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${path.join(root, 'current.json')}: not a model pointer`);
      return parsed.data;
    },
    reader(pointer) {
      const dir = path.join(root, pointer.version);
      const viaHttp = http.reader(pointer);
      return async (file) => {
        // Names come from a checked manifest; still, nothing outside the version's folder is read.
        if (!/^[\w-][\w.-]*$/.test(file) || file.includes('..')) throw new Error(`${file}: not a file name`);
        try {
          return new Uint8Array(await readFile(path.join(dir, file)));
        } catch (e) {
          if (missing(e)) return viaHttp(file);
          throw e;
        }
      };
    },
  };
}
