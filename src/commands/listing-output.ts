import { terminalSafe } from '../util/terminal-text.js';
import type { CommandIo } from './io.js';
import type { OutputFormat } from './template/output-format.js';

/** Prints a listing as its pages arrive: text (one name a line), `--json` or `--format`. */
export interface ListingOutput {
  /** Prints (or, for a `table` format, keeps) one page of names; resolves once stdout can take more. */
  page(names: readonly string[]): Promise<void>;
  /** Finishes the output (closes the JSON document, prints a table). Not called after a failure. */
  end(): void;
}

/** How {@link listingOutput} prints: the document's other fields and list key, and a `--format` row per name. */
export interface ListingSpec {
  /** Fields before the list in the `--json` document, e.g. `{ name: 'host/repo' }`. */
  head: Record<string, unknown>;
  /** The list's key in the `--json` document: `tags`, `repositories`. */
  key: string;
  json: boolean;
  format: OutputFormat | undefined;
  /** The `--format` fields of one name. */
  row: (name: string) => Record<string, unknown>;
}

/**
 * Prints a listing page by page so memory holds one page, whatever the total (a registry may hold
 * millions of tags). `--json` streams one document laid out exactly as `JSON.stringify(doc, null, 2)`
 * would; only a `table` format, which aligns columns over every row, keeps the rows until the end.
 */
export function listingOutput(spec: ListingSpec, io: CommandIo): ListingOutput {
  const printer = pagePrinter(spec, io);
  return {
    page: async (names) => {
      printer.page(names);
      // A slow reader (a pager, a pipe to a slow script) holds the next page back instead of memory filling up.
      const out = io.stdoutStream as NodeJS.WritableStream & { writableNeedDrain?: boolean };
      if (out.writableNeedDrain) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    },
    end: () => printer.end(),
  };
}

interface PagePrinter {
  page(names: readonly string[]): void;
  end(): void;
}

function pagePrinter(spec: ListingSpec, io: CommandIo): PagePrinter {
  const { format } = spec;
  if (format?.table) {
    const rows: Record<string, unknown>[] = [];
    return {
      page: (names) => {
        for (const n of names) rows.push(spec.row(n));
      },
      end: () => {
        for (const line of format.render(rows)) io.out(line);
      },
    };
  }
  if (format) {
    return {
      page: (names) => {
        for (const line of format.render(names.map(spec.row))) io.out(line);
      },
      end: () => undefined,
    };
  }
  if (!spec.json) {
    return {
      page: (names) => {
        // One name a line: a newline inside a name must not print as a name of its own.
        for (const n of names) io.out(terminalSafe(n));
      },
      end: () => undefined,
    };
  }
  io.out('{');
  for (const [k, v] of Object.entries(spec.head)) io.out(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  // Each item is printed once the next one (or the end) says whether a comma follows it.
  let pending: string | undefined;
  return {
    page: (names) => {
      for (const n of names) {
        if (pending === undefined) io.out(`  ${JSON.stringify(spec.key)}: [`);
        else io.out(`    ${pending},`);
        pending = JSON.stringify(n);
      }
    },
    end: () => {
      if (pending === undefined) io.out(`  ${JSON.stringify(spec.key)}: []`);
      else {
        io.out(`    ${pending}`);
        io.out('  ]');
      }
      io.out('}');
    },
  };
}
