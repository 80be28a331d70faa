// Fetches the console's TOML codec (web-ui/toml, built into /pkg/toml/) the first time it is needed.
// A failed fetch is forgotten, so the next attempt tries again.
let codec;

export function load_toml_codec() {
  codec ??= import("/pkg/toml/osdgate_console_toml.js")
    .then(async (module) => {
      await module.default({ module_or_path: "/pkg/toml/osdgate_console_toml_bg.wasm" });
      return module;
    })
    .catch((error) => {
      codec = undefined;
      throw error;
    });
  return codec;
}
