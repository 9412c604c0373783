// pairboot itself on the installed node, so that `pairboot status` (and validate, render, plan) work there
// after the stick is gone. What is copied is the runtime the install itself runs on: on the live system
// that is /opt/pairboot (Node plus the one-file bundle, see scripts/build-iso.sh), the same Node binary the
// install just used, so it is known to work with the installed root's glibc (checked in the step).
import type { RenderedFile } from "../render/types.js";

/** Where pairboot's runtime lives on the installed node (and on the live system). */
export const TOOL_DIR = "/opt/pairboot";
/** The command on the node's PATH. */
export const TOOL_COMMAND = "/usr/local/sbin/pairboot";
/** Inside a runtime directory: the Node binary and the bundle it runs. */
export const TOOL_NODE = "bin/node";
export const TOOL_BUNDLE = "lib/pairboot.mjs";
/** What a runtime directory holds that the node needs; anything else in it (the live console) stays behind. */
export const TOOL_PARTS = ["bin", "lib", "usr", "NODE-LICENSE", "VERSION"];

export function toolCommandFile(): RenderedFile {
  return {
    path: TOOL_COMMAND,
    content: [
      "#!/bin/sh",
      "# Written by the pairboot installer: pairboot's own Node and bundle, copied from the install medium.",
      `exec ${TOOL_DIR}/${TOOL_NODE} ${TOOL_DIR}/${TOOL_BUNDLE} "$@"`,
      "",
    ].join("\n"),
    mode: 0o755,
  };
}
