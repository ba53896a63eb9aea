import { ref } from 'vue';
import { defineStore } from 'pinia';

/** Facts about the running application, read once from the host bridge. */
export const useAppStore = defineStore('app', () => {
  const version = ref<string | null>(null);
  const loadError = ref<string | null>(null);

  async function loadVersion(): Promise<void> {
    const bridge = window.sockscope;
    if (!bridge) {
      loadError.value =
        'The Sockscope bridge is missing: open this page from the Sockscope desktop app or from a Sockscope agent.';
      return;
    }
    try {
      version.value = await bridge.app.version();
      loadError.value = null;
    } catch (error) {
      loadError.value = `Could not read the application version: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  return { version, loadError, loadVersion };
});
