// @vitest-environment happy-dom
// The Reports and Compare views with a fake API: every finished run and opened file joins the
// list, findings and the summary of the chosen one, exports by id and format with their outcome,
// a refused file's fields, and results side by side with the differences marked.
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { RunResult } from '../../src-shared/result.js';
import { resultsKept } from '../../src-shared/report-export.js';
import { setApi } from '../../src-renderer/src/api/index.js';
import { ApiCallError } from '../../src-renderer/src/api/errors.js';
import ReportsView from '../../src-renderer/src/views/ReportsView.vue';
import CompareView from '../../src-renderer/src/views/CompareView.vue';
import { useResultsStore } from '../../src-renderer/src/stores/useResultsStore.js';
import { useRunStore } from '../../src-renderer/src/stores/useRunStore.js';
import { useProfileStore } from '../../src-renderer/src/stores/useProfileStore.js';
import { runMenuCommand } from '../../src-renderer/src/lib/menu-commands.js';
import { countersOf, endpointResultOf, resultOf } from '../helpers/results.js';
import { echoScenario, FakeApi } from './fixtures.js';

let api: FakeApi;

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  api = new FakeApi();
  setApi(api);
});

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A client that made `roundTrips` round trips at a p50 of `p50Us`, with `errors` errors. */
function clientResult(name: string, { p50Us, roundTrips, errors = 0 }: { p50Us: number; roundTrips: number; errors?: number }): RunResult {
  const client = endpointResultOf({
    id: 'client',
    role: 'client',
    transport: 'tcp',
    counters: countersOf({ messages: roundTrips, errors, connectionsTotal: 1 }),
    latencyUs: { count: roundTrips, p50: p50Us, p90: p50Us * 1.1, p99: p50Us * 1.2, max: p50Us * 2, mean: p50Us },
    throughput: { bytesIn: roundTrips * 64, bytesOut: roundTrips * 64, bitsPerSecondIn: roundTrips * 512, bitsPerSecondOut: roundTrips * 512 },
  });
  const server = endpointResultOf({ id: 'server', role: 'server', transport: 'tcp', counters: countersOf({ connectionsTotal: 1 }) });
  const result = resultOf([server, client]);
  return { ...result, profile: { ...result.profile, name } };
}

/** A run through the run store, finished by the fake engine with this result. */
async function finishRun(result: RunResult, runId = 'run-1'): Promise<void> {
  useProfileStore().replace(echoScenario(), null);
  api.startReply = () => Promise.resolve({ runId, listen: [] });
  await useRunStore().start();
  for (const listener of api.finishedListeners) listener(runId, result);
  await flush();
}

describe('useResultsStore', () => {
  it('lists each finished run and each opened file, newest first and selected, bounded as the service keeps them', async () => {
    useRunStore().setUp();
    const results = useResultsStore();
    await finishRun(clientResult('first', { p50Us: 100, roundTrips: 10 }), 'run-1');
    expect(results.entries.map((entry) => [entry.resultId, entry.source])).toEqual([['run-1', 'run']]);
    expect(results.selected?.name).toMatch(/^first \(run at /);

    api.openedResult = { resultId: 'file-1', name: 'old.json', result: clientResult('old', { p50Us: 200, roundTrips: 5 }) };
    expect(await results.open(true)).toBe(true);
    expect(results.selectedId).toBe('file-1');
    expect(results.comparedIds).toEqual(['file-1']);

    // A cancelled dialog changes nothing.
    api.openedResult = null;
    expect(await results.open()).toBe(false);
    expect(results.entries).toHaveLength(2);

    for (let index = 0; index < resultsKept + 2; index++) results.add({ resultId: `file-${index + 10}`, name: `f${index}`, source: 'file', result: clientResult('x', { p50Us: 1, roundTrips: 1 }) });
    expect(results.entries).toHaveLength(resultsKept);
    expect(results.entries[0]?.resultId).toBe(`file-${resultsKept + 11}`);
    // A result that fell off the list is no longer compared.
    expect(results.comparedIds).toEqual([]);
  });

  it('keeps a refused file\'s message and fields, and an export\'s failure, where the user acted', async () => {
    const results = useResultsStore();
    api.results.open = () => Promise.reject(new ApiCallError({ code: 'EINVAL', message: 'broken.json is not valid', problems: [{ path: 'endpoints[0].throughput', message: 'Required' }] }));
    expect(await results.open()).toBe(false);
    expect(results.openFailure).toMatchObject({ code: 'EINVAL', problems: [{ path: 'endpoints[0].throughput' }] });

    results.add({ resultId: 'run-3', name: 'r', source: 'run', result: clientResult('r', { p50Us: 1, roundTrips: 1 }) });
    expect(await results.exportReport('pcapng')).toBe(true);
    expect(api.calls.at(-1)).toEqual({ name: 'reports.export', args: ['run-3', 'pcapng'] });
    expect(results.lastExport).toEqual({ format: 'pcapng', files: ['/tmp/run-3.pcapng'], failure: null });
    api.exportFailure = new ApiCallError({ code: 'ENOENT', message: 'the result "run-3" is not kept here' });
    expect(await results.exportReport('html')).toBe(false);
    expect(results.lastExport?.failure).toMatchObject({ code: 'ENOENT' });
  });
});

describe('the File menu', () => {
  it('Export report… writes the selected result\'s HTML report and shows the Reports view; without a result it only shows the view', async () => {
    expect(runMenuCommand('report.export')).toBe('reports');
    await flush();
    expect(api.calls.some((call) => call.name === 'reports.export')).toBe(false);

    useResultsStore().add({ resultId: 'run-4', name: 'r', source: 'run', result: clientResult('r', { p50Us: 1, roundTrips: 1 }) });
    expect(runMenuCommand('report.export')).toBe('reports');
    await flush();
    expect(api.calls.at(-1)).toEqual({ name: 'reports.export', args: ['run-4', 'html'] });
    expect(useResultsStore().lastExport).toEqual({ format: 'html', files: ['/tmp/run-4.html'], failure: null });
    expect(runMenuCommand('profile.new')).toBe('workbench');
  });
});

describe('ReportsView', () => {
  it('shows the chosen result\'s summary and findings, and exports it in each format', async () => {
    const results = useResultsStore();
    const slow = clientResult('nagle', { p50Us: 44_000, roundTrips: 60 });
    // A Nagle stall for findingsOf: two writes per message with TCP_NODELAY off, round trips near 40 ms.
    const client = slow.endpoints[1]!;
    slow.endpoints[1] = { ...client, appliedOptions: { noDelay: false } as never };
    const spec = slow.profile.endpoints[1]!;
    slow.profile.endpoints[1] = { ...spec, workload: { ...spec.workload, writesPerMessage: 2 } as typeof spec.workload };
    results.add({ resultId: 'run-1', name: 'nagle run', source: 'run', result: slow });
    const wrapper = mount(ReportsView);
    await flush();
    expect(wrapper.get('[data-testid="result-profile"]').text()).toBe('nagle');
    expect(wrapper.get('tr[data-endpoint="client"]').text()).toContain('44');
    expect(wrapper.findAll('[data-finding]').map((item) => item.attributes('data-finding'))).toContain('nagle-delayed-ack');

    for (const format of ['html', 'csv', 'pcapng'] as const) {
      await wrapper.get(`[data-export="${format}"]`).trigger('click');
      await flush();
      expect(api.calls.at(-1)).toEqual({ name: 'reports.export', args: ['run-1', format] });
      expect(wrapper.get('[data-testid="export-outcome"]').text()).toContain(`/tmp/run-1.${format}`);
    }
  });

  it("shows a chat server's broadcasts, the bytes encoded per broadcast and its slow members, and a chat client's messages", async () => {
    const result = clientResult('chat room', { p50Us: 900, roundTrips: 100 });
    result.endpoints[0] = {
      ...result.endpoints[0]!,
      chat: {
        role: 'server',
        members: 9,
        joins: 9,
        broadcasts: 3201,
        bytesEncoded: 3201 * 56,
        deliveries: 25608,
        presenceNotices: 9,
        membersDropped: 0,
        messagesDropped: 2597,
        peakMemberQueueBytes: 16384, roomBacklogPauses: 0,
        jobsQueued: 3210,
        jobsExecuted: 3210,
        jobsHandedOff: 2,
      },
    };
    result.endpoints[1] = { ...result.endpoints[1]!, chat: { role: 'client', messagesSent: 400, messagesReceived: 28809, messagesMissed: 0, messagesOutOfOrder: 0 } };
    useResultsStore().add({ resultId: 'run-1', name: 'chat run', source: 'run', result });
    const wrapper = mount(ReportsView);
    await flush();
    const server = wrapper.get('tr[data-chat="server"]').text();
    expect(server).toContain('3201 broadcasts, 56 B encoded each');
    expect(server).toContain('25608 deliveries');
    expect(server).toContain('jobs 3210 queued / 3210 run / 2 handed off');
    expect(server).toContain('2597 messages dropped, 0 members dropped');
    expect(wrapper.get('tr[data-chat="client"]').text()).toContain('sent 400 · received 28809 · missed 0');
  });

  it('opens a result file from its button and shows a refusal with the fields at fault', async () => {
    const wrapper = mount(ReportsView);
    expect(wrapper.text()).toContain('No results yet');
    api.results.open = () => Promise.reject(new ApiCallError({ code: 'EINVAL', message: 'broken.json is not valid', problems: [{ path: 'elapsedMs', message: 'expected number' }] }));
    await wrapper.get('[data-action="open-result"]').trigger('click');
    await flush();
    expect(wrapper.get('[data-testid="open-failure"]').text()).toContain('elapsedMs: expected number');
  });
});

describe('CompareView', () => {
  it('puts the ticked results side by side against the first, better and worse marked', async () => {
    const results = useResultsStore();
    results.add({ resultId: 'run-1', name: 'nagle', source: 'run', result: clientResult('nagle', { p50Us: 44_000, roundTrips: 60, errors: 0 }) });
    results.add({ resultId: 'run-2', name: 'nodelay', source: 'run', result: clientResult('nodelay', { p50Us: 70, roundTrips: 9000, errors: 2 }) });
    const wrapper = mount(CompareView);
    expect(wrapper.text()).toContain('Tick two or more results');
    await wrapper.get('[data-result="run-1"] input[type="checkbox"]').setValue(true);
    await wrapper.get('[data-result="run-2"] input[type="checkbox"]').setValue(true);
    expect(results.comparedIds).toEqual(['run-1', 'run-2']);

    const client = wrapper.get('section[data-endpoint="client"]');
    const cell = (row: string) => client.findAll(`tr[data-row="${row}"] td`)[1]!;
    expect(cell('latency p50 ms').attributes('data-verdict')).toBe('better');
    expect(cell('latency p50 ms').text()).toContain('↓');
    expect(cell('messages').attributes('data-verdict')).toBe('better');
    expect(cell('errors').attributes('data-verdict')).toBe('worse');
    expect(cell('threads').attributes('data-verdict')).toBe('neutral');
    // A server has no latency: its rows leave latency out.
    expect(wrapper.get('section[data-endpoint="server"]').find('tr[data-row="latency p50 ms"]').exists()).toBe(false);

    // Unticking the base makes the other one the base.
    await wrapper.get('[data-result="run-1"] input[type="checkbox"]').setValue(false);
    expect(wrapper.text()).toContain('Tick two or more results');
  });
});
