import { INSPECT_FORMAT } from '../commands/inspect-document.js';
import { CATALOG_FORMAT, DIGEST_FORMAT, IMAGES_FORMAT, TAGS_FORMAT, type RowFormat } from '../commands/row-formats.js';

function fields(spec: Pick<RowFormat, 'headers'>): string {
  return `fields: ${Object.keys(spec.headers)
    .map((f) => `.${f}`)
    .join(' ')}`;
}

/** The `--format` fields of each command, for help texts. */
export const FORMAT_FIELDS = {
  images: fields(IMAGES_FORMAT),
  tags: fields(TAGS_FORMAT),
  catalog: fields(CATALOG_FORMAT),
  digest: fields(DIGEST_FORMAT),
  inspect: `${fields(INSPECT_FORMAT)}; .Config.Env .Config.Labels .Config.Entrypoint .Config.Cmd .Config.User .Config.WorkingDir .Config.ExposedPorts …`,
} as const;
