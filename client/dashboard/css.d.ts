// esbuild's text loader hands CSS to the bundle as a string (see bundle.ts).
declare module '*.css' {
  const text: string;
  export default text;
}
