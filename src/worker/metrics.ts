/**
 * Prometheus metrics of a worker: the Temporal runtime's own (workflow and activity task
 * latencies, slots, polls, …) and the kernel's, on one endpoint (`agent-os worker --metrics
 * 127.0.0.1:9464` → `http://127.0.0.1:9464/metrics`). The kernel's metrics are created from
 * the runtime's metric meter, so they are exported by the same Prometheus exporter:
 *
 * - `agent_os_actions` (counter): one per audit record, by `action`, `status`, `rule` and
 *   `kind` (`action` or `undo`);
 * - `agent_os_denials` (counter): DENIED records by `action` and `code`;
 * - `agent_os_action_duration` (histogram, ms): the kernel's time per record, by `action`;
 * - `agent_os_compensations` (counter): undo records by `status`.
 *
 * Approvals waiting are the `AgentOsPendingApprovals` search attribute (`temporal workflow
 * count --query 'AgentOsPendingApprovals > 0'`), not a worker metric: they live in runs, not
 * in a process.
 */
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { AuditRecord } from '../kernel/audit-record';

/** `host:port` → the runtime's telemetry options exporting Prometheus metrics there. */
export function prometheusTelemetry(bindAddress: string): NonNullable<RuntimeOptions['telemetryOptions']> {
  return { metrics: { prometheus: { bindAddress } } };
}

/**
 * A kernel observer (`KernelOptions.observe`) recording the kernel's metrics on the installed
 * runtime's meter. Call after `Runtime.install(...)`.
 * @example
 * Runtime.install({ telemetryOptions: prometheusTelemetry('127.0.0.1:9464') });
 * const kernel = new Kernel({ policy, providers, observe: kernelMetrics() });
 */
export function kernelMetrics(): (record: AuditRecord) => void {
  const meter = Runtime.instance().metricMeter;
  const actions = meter.createCounter('agent_os_actions', '1', 'audit records written by the kernel');
  const denials = meter.createCounter('agent_os_denials', '1', 'actions the kernel denied');
  const duration = meter.createHistogram('agent_os_action_duration', 'int', 'ms', 'kernel time per action');
  const compensations = meter.createCounter('agent_os_compensations', '1', 'undo records (compensations and rollbacks)');
  return (record) => {
    const undo = record.undo_of !== undefined;
    actions.add(1, { action: record.action, status: record.status, rule: record.rule_id ?? '', kind: undo ? 'undo' : 'action' });
    if (record.status === 'DENIED') denials.add(1, { action: record.action, code: record.code ?? '' });
    duration.record(Math.max(0, Math.round(record.duration_ms)), { action: record.action });
    if (undo) compensations.add(1, { status: record.status });
  };
}
