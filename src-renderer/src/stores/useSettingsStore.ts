import { ref, watch } from 'vue';
import { defineStore } from 'pinia';
import type { TextEncodingName } from '../lib/text-codec.js';

const storageKey = 'sockscope.settings';

interface StoredSettings {
  historyMinutes: number;
  captureCapacity: number;
  maxTrackedConnections: number;
  sendEncoding: TextEncodingName;
}

const defaults: StoredSettings = { historyMinutes: 10, captureCapacity: 20000, maxTrackedConnections: 256, sendEncoding: 'utf8' };

function load(): StoredSettings {
  try {
    const text = globalThis.localStorage?.getItem(storageKey);
    if (!text) return { ...defaults };
    const stored = JSON.parse(text) as Partial<StoredSettings>;
    return { ...defaults, ...stored };
  } catch {
    return { ...defaults };
  }
}

/** The user's display preferences and the renderer's own memory bounds, kept in localStorage. */
export const useSettingsStore = defineStore('settings', () => {
  const initial = load();
  /** How much history each live chart keeps. */
  const historyMinutes = ref(initial.historyMinutes);
  /** Capture records kept for the stream view (a ring). */
  const captureCapacity = ref(initial.captureCapacity);
  /** Connections followed with series and a state timeline; the rest are counted. */
  const maxTrackedConnections = ref(initial.maxTrackedConnections);
  const sendEncoding = ref<TextEncodingName>(initial.sendEncoding);

  watch([historyMinutes, captureCapacity, maxTrackedConnections, sendEncoding], () => {
    try {
      globalThis.localStorage?.setItem(
        storageKey,
        JSON.stringify({
          historyMinutes: historyMinutes.value,
          captureCapacity: captureCapacity.value,
          maxTrackedConnections: maxTrackedConnections.value,
          sendEncoding: sendEncoding.value,
        }),
      );
    } catch {
      // Storage may be unavailable (private windows); settings then last for the session.
    }
  });

  /** Points per series for a sample period: history length over the period, at least 10. */
  function historyPoints(sampleEveryMs: number): number {
    return Math.max(10, Math.round((historyMinutes.value * 60_000) / Math.max(1, sampleEveryMs)));
  }

  return { historyMinutes, captureCapacity, maxTrackedConnections, sendEncoding, historyPoints };
});
