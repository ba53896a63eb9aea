// @vitest-environment happy-dom
// Components mounted with a fake API: the workbench shows validation messages beside the field
// at fault, the options form covers every socket option, the inspector decodes three ways and
// against a typed layout.
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { socketOptionDescriptors } from '../../src-shared/socket-options.js';
import { setApi } from '../../src-renderer/src/api/index.js';
import WorkbenchView from '../../src-renderer/src/views/WorkbenchView.vue';
import PayloadInspector from '../../src-renderer/src/components/PayloadInspector.vue';
import { useProfileStore } from '../../src-renderer/src/stores/useProfileStore.js';
import { useCaptureStore } from '../../src-renderer/src/stores/useCaptureStore.js';
import { useSamplesStore } from '../../src-renderer/src/stores/useSamplesStore.js';
import { useRunStore } from '../../src-renderer/src/stores/useRunStore.js';
import EndpointSummary from '../../src-renderer/src/components/EndpointSummary.vue';
import { batch, capture, endpoint, FakeApi } from './fixtures.js';

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  setApi(new FakeApi());
});

describe('WorkbenchView', () => {
  it('edits endpoints and shows each problem beside its field', async () => {
    const wrapper = mount(WorkbenchView);
    await wrapper.get('[data-action="add-server"]').trigger('click');
    await wrapper.get('[data-action="add-client"]').trigger('click');
    expect(wrapper.findAll('section.endpoint')).toHaveLength(2);
    expect(wrapper.get('[data-testid="validity"]').text()).toBe('Ready to run.');

    const server = wrapper.get('[data-endpoint="server"]');
    await server.get('input[aria-label="port"]').setValue('70000');
    const message = server.get('[data-path="endpoints[0].listen"]');
    expect(message.text()).toMatch(/65535/);
    expect(server.get('input[aria-label="port"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="validity"]').text()).toMatch(/1 problem/);

    // Every socket option has a control and its help text.
    for (const descriptor of socketOptionDescriptors) {
      const option = server.get(`[data-option="${descriptor.name}"]`);
      expect(option.text()).toContain(descriptor.help.slice(0, 30));
    }
    await server.get('[data-option="noDelay"] select').setValue('off');
    expect(useProfileStore().draft.endpoints[0]!.options).toEqual({ noDelay: false });
  });

  it('switches the workload kind and offers its parameters', async () => {
    const wrapper = mount(WorkbenchView);
    await wrapper.get('[data-action="add-server"]').trigger('click');
    await wrapper.get('[data-action="add-client"]').trigger('click');
    const client = wrapper.get('[data-endpoint="client"]');
    await client.get('select[aria-label="workload kind"]').setValue('bulk');
    await client.get('[data-param="totalBytes"] input').setValue('1000000');
    await client.get('[data-param="thenShutdownWrite"] input').setValue(true);
    expect(useProfileStore().draft.endpoints[1]!.workload).toEqual({ kind: 'bulk', writeBytes: 65536, totalBytes: 1_000_000, thenShutdownWrite: true });
  });

  it('offers the framing rule a malformed client breaks as a choice', async () => {
    const wrapper = mount(WorkbenchView);
    await wrapper.get('[data-action="add-server"]').trigger('click');
    await wrapper.get('[data-endpoint="server"] select[aria-label="workload kind"]').setValue('framed-echo');
    await wrapper.get('[data-action="add-client"]').trigger('click');
    const client = wrapper.get('[data-endpoint="client"]');
    await client.get('select[aria-label="workload kind"]').setValue('malformed');
    await client.get('[data-param="violation"] select').setValue('stalled-mid-frame');
    expect(useProfileStore().draft.endpoints[1]!.workload).toEqual({ kind: 'malformed', violation: 'stalled-mid-frame', goodFramesBefore: 1 });
    expect(wrapper.get('[data-testid="validity"]').text()).not.toMatch(/problem/);
  });
});

describe('WorkloadEditor for chat', () => {
  it('offers a chat server its rooms and overflow policy, and a chat client its talking and reading', async () => {
    const wrapper = mount(WorkbenchView);
    await wrapper.get('[data-action="add-server"]').trigger('click');
    await wrapper.get('[data-action="add-client"]').trigger('click');
    const server = wrapper.get('[data-endpoint="server"]');
    await server.get('select[aria-label="workload kind"]').setValue('chat');
    expect(server.find('[data-param="messagesPerSecond"]').exists()).toBe(false);
    await server.get('[data-param="overflow"] select').setValue('drop-member');
    await server.get('[data-param="memberQueueBytes"] input').setValue('65536');
    const client = wrapper.get('[data-endpoint="client"]');
    await client.get('select[aria-label="workload kind"]').setValue('chat');
    expect(client.find('[data-param="overflow"]').exists()).toBe(false);
    await client.get('[data-param="readBytesPerSecond"] input').setValue('2000');
    await client.get('[data-param="startWhenMembers"] input').setValue('2');
    const endpoints = useProfileStore().draft.endpoints;
    expect(endpoints[0]!.workload).toEqual({ kind: 'chat', rooms: 1, overflow: 'drop-member', memberQueueBytes: 65536 });
    expect(endpoints[1]!.workload).toEqual({ kind: 'chat', messagesPerSecond: 10, readBytesPerSecond: 2000, startWhenMembers: 2 });
    expect(wrapper.get('[data-testid="validity"]').text()).not.toMatch(/problem/);
    // A field the schema refuses is shown where it was typed.
    await client.get('[data-param="messageBytes"] input').setValue('8');
    expect(client.get('[data-param="messageBytes"] input').attributes('aria-invalid')).toBe('true');
  });
});

describe('the proactor options of an endpoint', () => {
  it('offers a backend and read buffers for the proactor models only, a pool for TCP only, and drops them with the model', async () => {
    const wrapper = mount(WorkbenchView);
    await wrapper.get('[data-action="add-server"]').trigger('click');
    const server = () => wrapper.get('[data-endpoint="server"]');
    expect(server().find('select[aria-label="read buffers"]').exists()).toBe(false);
    expect(server().find('select[aria-label="backend"]').exists()).toBe(false);

    await server().get('select[aria-label="model"]').setValue('completion-port');
    await server().get('select[aria-label="backend"]').setValue('io_uring');
    await server().get('select[aria-label="read buffers"]').setValue('pool');
    await server().get('input[aria-label="pool buffers"]').setValue('64');
    const draft = () => useProfileStore().draft.endpoints[0]!;
    expect(draft()).toMatchObject({ model: 'completion-port', backend: 'io_uring', readBuffers: 'pool', readPool: { buffers: 64, bufferBytes: 16384 } });
    expect(wrapper.get('[data-testid="validity"]').text()).toBe('Ready to run.');

    // A pool too large for its bound is refused beside the pool's fields.
    await server().get('input[aria-label="pool buffer bytes"]').setValue('1048576');
    await server().get('input[aria-label="pool buffers"]').setValue('1024');
    expect(server().get('[data-path="endpoints[0].readPool"]').text()).toMatch(/at most 256 MiB/);

    // UDP has no pool to choose, and switching to it drops the pool.
    await server().get('select[aria-label="transport"]').setValue('udp');
    expect(draft().readBuffers).toBeUndefined();
    expect(draft().readPool).toBeUndefined();
    expect(server().get('select[aria-label="read buffers"] option[value="pool"]').attributes('disabled')).toBeDefined();

    // A readiness model has neither choice.
    await server().get('select[aria-label="model"]').setValue('epoll');
    expect(draft().backend).toBeUndefined();
    expect(server().find('select[aria-label="read buffers"]').exists()).toBe(false);
  });
});

describe('EndpointSummary', () => {
  it("shows a proactor's read buffer pool beside its operations and pinned bytes", async () => {
    const samples = useSamplesStore();
    samples.reset(100);
    const base = endpoint();
    const model = {
      operationsInFlight: 10_000, bytesPinned: 4 * 2 ** 20, completionQueueDepth: 3, operationsPosted: 50_000, completions: 40_000, buffersWritten: 20_000,
      workerCompletions: [20_000, 20_000], workerBusyUs: [1000, 1000], backend: 'io_uring', backendNote: null,
      readBuffers: 'pool' as const, readPoolBytes: 4 * 2 ** 20, readPoolBuffers: 256, readPoolBuffersInUse: 12, readPoolPeakBuffersInUse: 256,
      readsWaitingForBuffer: 0, readPoolExhausted: 41, timersQueued: 10_000, timersQueuedPeak: 10_100,
    };
    samples.ingest(batch({ atUs: 100_000, endpoints: [{ ...base, model }] }));
    const wrapper = mount(EndpointSummary);
    await wrapper.vm.$nextTick();
    const text = wrapper.text();
    expect(text).toContain('10000 ops (4.19 MB pinned)');
    expect(text).toContain('read pool 12/256 held, empty ×41');
  });

  it("shows a live chat server's figures under its row", async () => {
    const samples = useSamplesStore();
    samples.reset(100);
    const chat = {
      role: 'server' as const,
      members: 100,
      joins: 100,
      broadcasts: 2000,
      bytesEncoded: 2000 * 56,
      deliveries: 200_000,
      presenceNotices: 100,
      membersDropped: 0,
      messagesDropped: 0,
      peakMemberQueueBytes: 25_856, roomBacklogPauses: 0,
      jobsQueued: 2100,
      jobsExecuted: 2100,
      jobsHandedOff: 5,
    };
    samples.ingest(batch({ atUs: 100_000, endpoints: [endpoint({ chat })] }));
    const wrapper = mount(EndpointSummary);
    await wrapper.vm.$nextTick();
    const row = wrapper.get('tr[data-chat]').text();
    expect(row).toContain('100 members');
    expect(row).toContain('2000 broadcasts, 56 B encoded each');
    expect(row).toContain('200000 deliveries');
  });
});

describe('PayloadInspector', () => {
  it('shows a record as hex, UTF-8, UTF-16LE and CP949 side by side', async () => {
    const store = useCaptureStore();
    store.reset(32);
    const utf16 = new Uint8Array([0x48, 0x00, 0x69, 0x00, 0x5c, 0xd5, 0x00, 0xae]); // "Hi한글"
    store.ingest(capture([{ atUs: 1, connectionId: 1, direction: 0, payload: utf16 }], 32));
    store.select(0);
    const wrapper = mount(PayloadInspector);
    await wrapper.vm.$nextTick();
    expect(wrapper.get('[data-testid="inspector-utf16le"]').text()).toBe('Hi한글');
    expect(wrapper.get('[data-testid="inspector-hex"]').text()).toContain('48 00 69 00 5c d5 00 ae');
    const cp949 = new Uint8Array([0xc7, 0xd1, 0xb1, 0xdb]); // "한글" in CP949
    store.ingest(capture([{ atUs: 2, connectionId: 1, direction: 0, payload: cp949 }], 32));
    store.select(1);
    await wrapper.vm.$nextTick();
    expect(wrapper.get('[data-testid="inspector-cp949"]').text()).toBe('한글');
  });
});

describe('PayloadInspector layout panel', () => {
  /** A big-endian framed-echo server and its request-response client, started on the fake API. */
  async function startFramedRun(): Promise<void> {
    const frame = { byteOrder: 'big' };
    useProfileStore().replace(
      {
        schema: 'sockscope.profile/1',
        name: 'framed',
        durationMs: 1000,
        endpoints: [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'framed-echo', frame } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'request-response', frame } },
        ],
      },
      null,
    );
    expect(await useRunStore().start()).toBe(true);
  }

  /** One record of endpoint 1 (the client): a big-endian frame of 12 bytes, size 12, id 0x0102, then a payload. */
  function selectFrame(): void {
    const store = useCaptureStore();
    const frame = new Uint8Array([0x00, 0x0c, 0x01, 0x02, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]);
    const records = capture([{ atUs: 1, connectionId: 1, direction: 1, payload: frame }], 64);
    records.endpoint[0] = 1;
    store.ingest(records);
    store.select(0);
  }

  it('decodes the frame header preset, marks a field in the hex, and keeps the layout per endpoint', async () => {
    await startFramedRun();
    selectFrame();
    const wrapper = mount(PayloadInspector);
    await wrapper.vm.$nextTick();
    expect(wrapper.get('section[aria-label="payload layout"]').text()).toContain('for endpoint client');
    await wrapper.get('[data-action="layout-frame-header"]').trigger('click');
    const textarea = wrapper.get<HTMLTextAreaElement>('textarea[aria-label="payload layout"]');
    expect(textarea.element.value).toMatch(/^# \[size\]\[id\] frame header, big-endian; size counts the header\n@big\nsize:u16 id:u16$/);
    const values = () => wrapper.findAll('[data-testid="layout-value"]').map((cell) => cell.text());
    expect(values()).toEqual(['12', '258']);

    // Typed by hand: the rest of the frame as text, and a field past the 12-byte message.
    await textarea.setValue('@big size:u16 id:u16 body:utf8[8] extra:u8');
    expect(values()).toEqual(['12', '258', '"ABCDEFGH"', '']);
    expect(wrapper.get('tr[data-field="/extra"]').text()).toContain('would be rejected: ends at byte 13, past the end of the 12-byte message');

    // Pointing at a row marks its bytes in the hex column.
    const marked = () => wrapper.findAll('[data-testid="inspector-hex"] span.mark-field').map((cell) => cell.attributes('data-byte'));
    expect(marked()).toEqual([]);
    await wrapper.get('tr[data-field="/id"]').trigger('mouseenter');
    expect(marked()).toEqual(['2', '3']);
    await wrapper.get('tr[data-field="/id"]').trigger('mouseleave');
    expect(marked()).toEqual([]);
    await wrapper.get('tr[data-field="/body"]').trigger('click');
    expect(marked()).toEqual(['4', '5', '6', '7', '8', '9', '10', '11']);
    expect(wrapper.get('[data-testid="inspector-hex"]').text()).toContain('0000  00 0c 01 02 41 42');

    // Kept in the settings for this endpoint, so a new inspector (or a reload) finds it.
    expect(JSON.parse(localStorage.getItem('sockscope.settings') ?? '{}').payloadLayouts).toEqual({ client: '@big size:u16 id:u16 body:utf8[8] extra:u8' });
    wrapper.unmount();
    const again = mount(PayloadInspector);
    await again.vm.$nextTick();
    expect(again.get<HTMLTextAreaElement>('textarea[aria-label="payload layout"]').element.value).toBe('@big size:u16 id:u16 body:utf8[8] extra:u8');
  });

  it('shows a bad layout\'s error at its position instead of a table', async () => {
    selectFrame();
    const wrapper = mount(PayloadInspector);
    await wrapper.vm.$nextTick();
    // No run, so no framed workload: only the seed's example is offered.
    expect(wrapper.find('[data-action="layout-frame-header"]').exists()).toBe(false);
    await wrapper.get('[data-action="layout-seed-example"]').trigger('click');
    expect(wrapper.findAll('[data-testid="layout-value"]').map((cell) => cell.text()).slice(0, 2)).toEqual(['3072', '513']);
    await wrapper.get('textarea[aria-label="payload layout"]').setValue('size:u16\nid:u16 hp:x32');
    const error = wrapper.get('[data-testid="layout-error"]');
    expect(error.get('.error-text').text()).toBe(
      'line 2, column 11: expected a type (u8..u64, i8..i64, f32, f64, bytes, utf8, utf16le, cp949 or list), found "x32"',
    );
    expect(error.get('pre').text()).toBe('id:u16 hp:x32\n          ^');
    expect(wrapper.find('[data-testid="layout-table"]').exists()).toBe(false);
    expect(wrapper.get('textarea[aria-label="payload layout"]').attributes('aria-invalid')).toBe('true');
  });
});
