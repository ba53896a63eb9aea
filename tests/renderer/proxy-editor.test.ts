// @vitest-environment happy-dom
// The workbench builds a proxy endpoint: added between a server and a client, its faults edited
// per direction with an enable checkbox, its problems shown beside the field.
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setApi } from '../../src-renderer/src/api/index.js';
import WorkbenchView from '../../src-renderer/src/views/WorkbenchView.vue';
import { useProfileStore } from '../../src-renderer/src/stores/useProfileStore.js';
import { FakeApi } from './fixtures.js';

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
    store.setRole(1, 'server');
    expect(store.draft.endpoints[1]).toMatchObject({ role: 'server', workload: { kind: 'echo' } });
    expect(store.draft.endpoints[1]!.connect).toBeUndefined();
    expect(store.valid).toBe(true);
  });
});
