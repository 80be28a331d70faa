// Loads the console's WebAssembly. Kept in its own file so the pages can forbid inline scripts (CSP).
// The saved theme is applied first, so a dark console never flashes light while the wasm loads.
import init from "/pkg/osdgate_console.js";
try {
  const theme = localStorage.getItem("osdgate.theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch {
  // Storage may be unavailable (private mode); the system's preference applies.
}
init({ module_or_path: "/pkg/osdgate_console_bg.wasm" });
