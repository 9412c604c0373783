// Two looks for one layout. On a colour console the selection is a coloured bar; on a VT100/VT220 serial
// line (no colours: blessed would map the colours to black on black) every emphasis is inverse or bold,
// so the selected row still stands out. Views only ever call these functions, never blessed tags.

export interface Theme {
  mono: boolean;
  /** The focused row or field. */
  selected(text: string): string;
  /** Error text next to a field. */
  error(text: string): string;
  /** Section headings and the title bar. */
  heading(text: string): string;
  /** Quiet text: hints, refused rows. */
  quiet(text: string): string;
  /** Good news: a finished install. */
  good(text: string): string;
}

/** blessed tags are {...}; user text must not be read as tags. */
export function esc(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === "{" ? "{open}" : "{close}"));
}

export function makeTheme(mono: boolean): Theme {
  if (mono) {
    return {
      mono,
      selected: (t) => `{inverse}{bold}${esc(t)}{/bold}{/inverse}`,
      error: (t) => `{bold}${esc(t)}{/bold}`,
      heading: (t) => `{bold}${esc(t)}{/bold}`,
      quiet: (t) => esc(t),
      good: (t) => `{bold}${esc(t)}{/bold}`,
    };
  }
  return {
    mono,
    selected: (t) => `{black-fg}{cyan-bg}${esc(t)}{/cyan-bg}{/black-fg}`,
    error: (t) => `{red-fg}{bold}${esc(t)}{/bold}{/red-fg}`,
    heading: (t) => `{bold}${esc(t)}{/bold}`,
    quiet: (t) => `{cyan-fg}${esc(t)}{/cyan-fg}`,
    good: (t) => `{green-fg}{bold}${esc(t)}{/bold}{/green-fg}`,
  };
}
