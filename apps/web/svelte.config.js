import adapter from "@sveltejs/adapter-static";

/** The builder is a static SPA served from the Worker's assets (TOOLCHAIN.md #10). */
export default {
  kit: {
    adapter: adapter({ pages: "build", assets: "build", fallback: "index.html", strict: false }),
    csp: {
      mode: "hash",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        "style-src": ["self", "unsafe-inline"],
        "img-src": ["self", "data:"],
        "connect-src": ["self"],
        "object-src": ["none"],
        "base-uri": ["none"],
        "frame-ancestors": ["none"],
        "form-action": ["self"],
      },
    },
  },
};
