// For tools that read TypeScript without Vue's language plugin (eslint's type checker): a .vue file is a component.
// vue-tsc resolves the real files first, so this never hides a type error from the typecheck.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
