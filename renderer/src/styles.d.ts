// Stylesheets are imported for their side effect; Vite bundles them (TypeScript 6 checks that a
// side-effect import resolves to something it knows).
declare module '*.css';
