/** The files of web/, by their path below it (scripts/esbuild-plugins.cjs, `web-assets`). */
declare module 'atrium:web-assets' {
  const files: Record<string, string>
  export default files
}
