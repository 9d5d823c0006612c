// Side-effect CSS imports (Vite bundles them). Same shape as vite/client's declaration, so both can coexist.
declare module '*.css' {}
