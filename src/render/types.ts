// What rendering produces: whole files with their modes, never edits of existing files.

export interface RenderedFile {
  /** Absolute path on the installed node, e.g. /etc/drbd.d/r0.res. */
  path: string;
  content: string;
  /** Octal mode as a number, e.g. 0o644. */
  mode: number;
  /** Secrets are never printed in full by `plan` and never logged. */
  secret?: boolean;
}

export interface ServiceChanges {
  enable: string[];
  disable: string[];
}

export interface RenderedTree {
  node: string;
  files: RenderedFile[];
  services: ServiceChanges;
  /** Commands run inside the installed root (chroot) after the files are written, e.g. dpkg-statoverride. */
  chrootCommands: string[];
}

/** What one family of renderers (network, drbd, ...) contributes to a node's tree. */
export interface RenderFamily {
  files: RenderedFile[];
  enable?: string[];
  disable?: string[];
  chrootCommands?: string[];
}
