/**
 * A small RFC 4180 CSV reader: comma-separated, double quotes around fields that hold commas or quotes
 * (`""` inside is one quote), LF or CRLF line ends. Every field keeps its 1-based line and column so a
 * bad value can be reported where it is.
 */
export interface CsvField {
  text: string;
  line: number;
  col: number;
}

export interface CsvProblem {
  line: number;
  col: number;
  message: string;
}

/** Is a thrown value a CsvProblem (what readCsv throws)? */
export function isCsvProblem(e: unknown): e is CsvProblem {
  return typeof e === 'object' && e !== null && 'line' in e && typeof e.line === 'number' && 'col' in e && typeof e.col === 'number'
    && 'message' in e && typeof e.message === 'string';
}

/** Records of fields; blank lines and lines starting with `#` are skipped. Throws CsvProblem. */
export function readCsv(text: string): CsvField[][] {
  const rows: CsvField[][] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  while (i < n) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      lineStart = i;
      continue;
    }
    if (text[i] === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const row: CsvField[] = [];
    for (;;) {
      const col = i - lineStart + 1;
      const fieldLine = line;
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw { line: fieldLine, col, message: 'unterminated quoted field' } satisfies CsvProblem;
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (text[i] === '\n') {
            line++;
            lineStart = i + 1;
          }
          value += text[i++];
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw { line, col: i - lineStart + 1, message: 'expected a comma or the end of the line after a quoted field' } satisfies CsvProblem;
        }
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i).trim();
      }
      row.push({ text: value, line: fieldLine, col });
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    rows.push(row);
  }
  return rows;
}
