// Loads the console's WebAssembly. Kept in its own file so the pages can forbid inline scripts (CSP).
import init from "/pkg/osdgate_console.js";
init({ module_or_path: "/pkg/osdgate_console_bg.wasm" });
