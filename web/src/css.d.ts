/** CSS files are imported for their side effect: esbuild bundles them into the hashed main-*.css. */
declare module "*.css";
