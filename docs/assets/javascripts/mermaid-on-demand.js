// Mermaid on demand: the 3.5 MB bundle is fetched only by a page that draws a
// diagram, not by every page.
//
// Material for MkDocs draws each ```mermaid block by calling the global
// `mermaid.initialize(config)` once and then `mermaid.render(id, text)`; if no
// global `mermaid` exists, it loads the bundle from unpkg.com, which this site
// must not contact. This stand-in provides both calls: it keeps the
// configuration, loads the vendored bundle (served from this site) on the first
// render, and hands each call to the real library, which then replaces it.
(() => {
  const bundle = new URL("../vendor/mermaid.min.js", document.currentScript.src);
  let config = {};
  let loaded;

  function load() {
    loaded ??= new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = bundle.href;
      script.onload = () => {
        window.mermaid.initialize(config);
        resolve(window.mermaid);
      };
      script.onerror = () => reject(new Error(`cannot load ${bundle.href}`));
      document.head.append(script);
    });
    return loaded;
  }

  window.mermaid = {
    initialize(options) {
      config = options;
    },
    async render(id, text) {
      const mermaid = await load();
      return mermaid.render(id, text);
    },
  };
})();
