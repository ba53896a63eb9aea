import { ref, watch } from 'vue';
import { defineStore } from 'pinia';
import { layoutLimits } from '../../../src-shared/payload-layout.js';
import type { TextEncodingName } from '../lib/text-codec.js';

const storageKey = 'sockscope.settings';

/** Layouts kept for this many endpoint ids at most; the least recently set goes first. */
const maxStoredLayouts = 64;

interface StoredSettings {
  historyMinutes: number;
  captureCapacity: number;
  maxTrackedConnections: number;
  sendEncoding: TextEncodingName;
  /** The payload inspector's layout text per endpoint id, oldest first. */
  payloadLayouts: Record<string, string>;
}

const defaults: StoredSettings = { historyMinutes: 10, captureCapacity: 20000, maxTrackedConnections: 256, sendEncoding: 'utf8', payloadLayouts: {} };

/** Stored layouts as they were written, dropping anything else another version or a hand edit left there. */
function storedLayouts(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length <= layoutLimits.maxChars);
  return Object.fromEntries(entries.slice(-maxStoredLayouts));
}

function load(): StoredSettings {
  try {
    const text = globalThis.localStorage?.getItem(storageKey);
    if (!text) return { ...defaults };
    const stored = JSON.parse(text) as Partial<StoredSettings>;
    return { ...defaults, ...stored, payloadLayouts: storedLayouts(stored.payloadLayouts) };
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
  /** The payload inspector's layout per endpoint id; replaced, never mutated, so the watch sees each change. */
  const payloadLayouts = ref<Record<string, string>>(initial.payloadLayouts);

  watch([historyMinutes, captureCapacity, maxTrackedConnections, sendEncoding, payloadLayouts], () => {
    try {
      globalThis.localStorage?.setItem(
        storageKey,
        JSON.stringify({
          historyMinutes: historyMinutes.value,
          captureCapacity: captureCapacity.value,
          maxTrackedConnections: maxTrackedConnections.value,
          sendEncoding: sendEncoding.value,
          payloadLayouts: payloadLayouts.value,
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

  /** The layout typed for an endpoint, or '' for none. */
  function payloadLayoutFor(endpointId: string): string {
    return payloadLayouts.value[endpointId] ?? '';
  }

  /**
   * Keeps an endpoint's layout as the newest entry (text past the layout limit is cut: the parser
   * refuses it anyway). Endpoint ids start with a letter, so the object keeps insertion order.
   */
  function setPayloadLayout(endpointId: string, text: string): void {
    const rest = Object.entries(payloadLayouts.value).filter(([id]) => id !== endpointId);
    const kept = text === '' ? rest : [...rest, [endpointId, text.slice(0, layoutLimits.maxChars + 1)] as const];
    payloadLayouts.value = Object.fromEntries(kept.slice(-maxStoredLayouts));
  }

  return { historyMinutes, captureCapacity, maxTrackedConnections, sendEncoding, payloadLayouts, historyPoints, payloadLayoutFor, setPayloadLayout };
});
