import { defineConfig } from "vite";

// The Python server serves the built files under /static/ and returns the
// same index.html for the page routes (/tree/..., /notebooks/...).
export default defineConfig({
  base: "/static/",
  build: {
    outDir: "../src/interlace/server/static",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8888", ws: true },
      "/files": "http://127.0.0.1:8888",
      "/login": "http://127.0.0.1:8888",
    },
  },
});
