import { tcpStates, type EndpointAggregate, type EngineFigures } from '../../src-shared/result.js';
import type { LiveAggregate, LiveEngineFigures } from '../../src-shared/engine-protocol.js';

/**
 * Keeps what a result says about all connections together: per endpoint, the sampler's last
 * pass while the run was live (the final batch comes after every connection closed), and the
 * engine's own cost over the whole run. Constant memory, whatever the number of connections.
 */
export class AggregateRecorder {
  private readonly latest: (LiveAggregate | undefined)[] = [];
  private readonly latestAtUs: number[] = [];
  private readonly connectionsPeak: number[] = [];
  private passes = 0;
  private passUsSum = 0;
  private passUsMax = 0;
  private passCpuUsSum = 0;
  private passCpuUsMax = 0;
  private visitingPassCpuUs = 0;
  private visitedConnections = 0;
  private peakConnectionsVisited = 0;
  private peakResidentBytes = 0;
  private peakThreads = 0;
  private descriptors: LiveEngineFigures['descriptors'] | null = null;

  addEndpoint(index: number, aggregate: LiveAggregate | undefined, atUs: number, final: boolean): void {
    if (!aggregate) return;
    this.connectionsPeak[index] = Math.max(this.connectionsPeak[index] ?? 0, aggregate.connections);
    if (final && this.latest[index]) return;
    this.latest[index] = aggregate;
    this.latestAtUs[index] = atUs;
  }

  addEngine(figures: LiveEngineFigures | undefined): void {
    if (!figures) return;
    this.passes += 1;
    this.passUsSum += figures.samplerPassUs;
    this.passUsMax = Math.max(this.passUsMax, figures.samplerPassUs);
    this.passCpuUsSum += figures.samplerPassCpuUs;
    this.passCpuUsMax = Math.max(this.passCpuUsMax, figures.samplerPassCpuUs);
    if (figures.connectionsVisited > 0) {
      this.visitingPassCpuUs += figures.samplerPassCpuUs;
      this.visitedConnections += figures.connectionsVisited;
    }
    this.peakConnectionsVisited = Math.max(this.peakConnectionsVisited, figures.connectionsVisited);
    this.peakResidentBytes = Math.max(this.peakResidentBytes, figures.residentBytes);
    this.peakThreads = Math.max(this.peakThreads, figures.threads);
    this.descriptors = figures.descriptors;
  }

  endpoint(index: number): EndpointAggregate | undefined {
    const live = this.latest[index];
    if (!live) return undefined;
    const states: EndpointAggregate['tcpStates'] = {};
    live.tcpStates.forEach((count, state) => {
      const name = tcpStates[state];
      if (count > 0 && name) states[name] = count;
    });
    return {
      atMs: (this.latestAtUs[index] ?? 0) / 1000,
      connections: live.connections,
      connectionsPeak: this.connectionsPeak[index] ?? live.connections,
      connectionsExchanged: live.connectionsExchanged,
      seriesConnections: live.seriesConnections,
      appSendQueueBytes: live.appSendQueueBytes,
      appSendQueueMaxBytes: live.appSendQueueMaxBytes,
      kernelFigures: live.kernelFigures,
      kernelFiguresMaxAgeMs: live.kernelFiguresMaxAgeUs / 1000,
      kernelSendQueueBytes: live.kernelSendQueueBytes,
      kernelSendQueueMaxBytes: live.kernelSendQueueMaxBytes,
      kernelRecvQueueBytes: live.kernelRecvQueueBytes,
      kernelRecvQueueMaxBytes: live.kernelRecvQueueMaxBytes,
      rttMeanUs: live.rttMeanUs,
      rttMaxUs: live.rttMaxUs,
      tcpStates: states,
    };
  }

  engine(): EngineFigures | undefined {
    if (this.passes === 0 || !this.descriptors) return undefined;
    return {
      peakResidentBytes: this.peakResidentBytes,
      peakThreads: this.peakThreads,
      samplerPasses: this.passes,
      samplerPassUs: { mean: this.passUsSum / this.passes, max: this.passUsMax },
      samplerPassCpuUs: { mean: this.passCpuUsSum / this.passes, max: this.passCpuUsMax },
      samplerCpuUsPerConnection: this.visitedConnections > 0 ? this.visitingPassCpuUs / this.visitedConnections : 0,
      peakConnectionsVisited: this.peakConnectionsVisited,
      descriptors: { ...this.descriptors },
    };
  }
}
