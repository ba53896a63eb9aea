// Lets the tests' TypeScript project (tsc, not vue-tsc) import single-file components.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
