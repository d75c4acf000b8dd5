/**
 * ANSI colours for people, never for scripts: a palette is enabled only when its stream is a
 * terminal and NO_COLOR is unset or empty (https://no-color.org), and `--no-color` wins.
 */
export interface Palette {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

function sgr(open: number, close: number): (text: string) => string {
  return (text) => `\u001b[${open}m${text}\u001b[${close}m`;
}

const identity = (text: string): string => text;

export function createPalette(enabled: boolean): Palette {
  if (!enabled) {
    return { enabled, bold: identity, dim: identity, red: identity, green: identity, yellow: identity, cyan: identity };
  }
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

export function colourWanted(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>, colourFlag = true): boolean {
  const noColor = env.NO_COLOR;
  return colourFlag && stream.isTTY === true && (noColor === undefined || noColor === '');
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Width of the text as shown on a terminal (ANSI escapes take no room). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}
