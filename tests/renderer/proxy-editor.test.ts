// @vitest-environment happy-dom
// The workbench builds a proxy endpoint: added between a server and a client, its faults edited
// per direction with an enable checkbox, its problems shown beside the field. The live summary
// shows what the proxy did.
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setApi } from '../../src-renderer/src/api/index.js';
import WorkbenchView from '../../src-renderer/src/views/WorkbenchView.vue';
import EndpointSummary from '../../src-renderer/src/components/EndpointSummary.vue';
import { useProfileStore } from '../../src-renderer/src/stores/useProfileStore.js';
import { useSamplesStore } from '../../src-renderer/src/stores/useSamplesStore.js';
import { proxyFaults, type ProxyDirectionCounters } from '../../src-shared/proxy-faults.js';
import { batch, endpoint, FakeApi } from './fixtures.js';

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  setApi(new FakeApi());
});

describe('a proxy in the workbench', () => {
  it('is added in front of the server, and its faults are edited per direction', async () => {
    const wrapper = mount(WorkbenchView);
    await wrapper.get('[data-action="add-server"]').trigger('click');
    await wrapper.get('[data-action="add-proxy"]').trigger('click');
    await wrapper.get('[data-action="add-client"]').trigger('click');
    const store = useProfileStore();
    expect(store.draft.endpoints[1]).toMatchObject({ id: 'proxy', role: 'proxy', listen: { host: '127.0.0.1', port: 0 }, connect: { endpoint: 'server' } });

    // The client may be pointed at the proxy.
    const client = wrapper.get('[data-endpoint="client"]');
    const targets = client.get('select[aria-label="server endpoint"]').findAll('option').map((option) => option.text());
    expect(targets).toEqual(['server', 'proxy']);
    await client.get('select[aria-label="server endpoint"]').setValue('proxy');

    const proxy = wrapper.get('[data-endpoint="proxy"]');
    const toServer = proxy.get('[data-direction="toServer"]');
    await toServer.get('[data-fault="slicer"] input[type="checkbox"]').setValue(true);
    await toServer.get('[data-fault="slicer"] input[aria-label="slicer delay ms"]').setValue('2');
    await toServer.get('[data-fault="latency"] input[type="checkbox"]').setValue(true);
    const toClient = proxy.get('[data-direction="toClient"]');
    await toClient.get('[data-fault="latency"] input[type="checkbox"]').setValue(true);
    await toClient.get('[data-fault="latency"] input[aria-label="latency probability"]').setValue('0.5');
    expect(store.draft.endpoints[1]!.workload).toEqual({
      kind: 'proxy',
      seed: 1,
      toServer: { slicer: { pieceBytes: 1, delayMs: 2 }, latency: { ms: 50 } },
      toClient: { latency: { ms: 50, probability: 0.5 } },
    });
    expect(store.draft.endpoints[2]!.connect).toEqual({ endpoint: 'proxy' });
    expect(wrapper.get('[data-testid="validity"]').text()).toBe('Ready to run.');

    // A probability out of range is marked where it was typed.
    await toClient.get('[data-fault="latency"] input[aria-label="latency probability"]').setValue('2');
    expect(toClient.get('[data-fault="latency"] input[aria-label="latency probability"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="validity"]').text()).toMatch(/1 problem/);

    // Turning a fault off takes it out of the profile.
    await toServer.get('[data-fault="latency"] input[type="checkbox"]').setValue(false);
    expect(store.draft.endpoints[1]!.workload).toMatchObject({ toServer: { slicer: { pieceBytes: 1, delayMs: 2 } } });
    expect('latency' in (store.draft.endpoints[1]!.workload as { toServer: object }).toServer).toBe(false);
  });

  it('turns a server into a proxy with the proxy workload on a reactor model, and back', async () => {
    const wrapper = mount(WorkbenchView);
    await wrapper.get('[data-action="add-server"]').trigger('click');
    await wrapper.get('[data-action="add-server"]').trigger('click');
    const store = useProfileStore();
    store.draft.endpoints[1]!.model = 'blocking';
    store.setRole(1, 'proxy');
    expect(store.draft.endpoints[1]).toMatchObject({ role: 'proxy', model: 'epoll', transport: 'tcp', connect: { endpoint: 'server' }, workload: { kind: 'proxy' } });
    expect(store.valid).toBe(true);
    // Only what a proxy can run is offered for it.
    await wrapper.vm.$nextTick();
    const proxy = wrapper.get('[data-endpoint="server2"]');
    const enabled = (label: string) => proxy.get(`select[aria-label="${label}"]`).findAll('option').filter((option) => option.attributes('disabled') === undefined).map((option) => option.attributes('value'));
    expect(enabled('transport')).toEqual(['tcp']);
    expect(enabled('model')).toEqual(['select', 'epoll']);
    store.setRole(1, 'server');
    await wrapper.vm.$nextTick();
    expect(enabled('transport')).toEqual(['tcp', 'udp']);
    expect(enabled('model')).toContain('blocking');
    expect(store.draft.endpoints[1]).toMatchObject({ role: 'server', workload: { kind: 'echo' } });
    expect(store.draft.endpoints[1]!.connect).toBeUndefined();
    expect(store.valid).toBe(true);
  });
});

describe('the live summary of a proxy', () => {
  it('shows per direction what the proxy forwarded and which faults acted', async () => {
    const direction = (over: Partial<ProxyDirectionCounters>): ProxyDirectionCounters => ({
      bytesForwarded: 0, queuePeakBytes: 0, queueFull: 0, piecesWritten: 0, bytesBlackholed: 0, resetsInjected: 0, slowCloses: 0,
      drawn: Object.fromEntries(proxyFaults.map((fault) => [fault, 0])) as ProxyDirectionCounters['drawn'],
      ...over,
    });
    const samples = useSamplesStore();
    samples.reset(100);
    samples.ingest(
      batch({
        endpoints: [
          endpoint({
            proxy: {
              connectionsProxied: 4,
              upstreamConnectFailures: 1,
              toServer: direction({ bytesForwarded: 12_000, piecesWritten: 480, drawn: { ...direction({}).drawn, slicer: 4, latency: 4 } }),
              toClient: direction({ bytesForwarded: 3000, bytesBlackholed: 640, drawn: { ...direction({}).drawn, blackhole: 2 } }),
            },
          }),
        ],
      }),
    );
    const wrapper = mount(EndpointSummary);
    const lines = wrapper.findAll('[data-metric="proxy"]').map((line) => line.text());
    expect(lines).toEqual([
      '→ server: 12.0 kB forwarded, 480 slicer pieces (latency ×4, slicer ×4)',
      '→ client: 3.00 kB forwarded, 640 B blackholed (blackhole ×2)',
      '1 of 4 upstream connects failed',
    ]);
  });
});
