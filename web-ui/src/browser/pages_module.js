// Fetches the console's on-demand pages module (web-ui/pages, built into /pkg/pages/) the first
// time one of its pages is opened. A failed fetch is forgotten, so the next attempt tries again.
let pages;

export function load_pages_module() {
  pages ??= import("/pkg/pages/osdgate_console_pages.js")
    .then(async (module) => {
      await module.default({ module_or_path: "/pkg/pages/osdgate_console_pages_bg.wasm" });
      return module;
    })
    .catch((error) => {
      pages = undefined;
      throw error;
    });
  return pages;
}
