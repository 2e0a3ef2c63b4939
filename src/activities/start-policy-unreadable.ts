/**
 * The Temporal-free half of run-policy-lookup.ts: the type of the lookup and its "for good"
 * failure, so code that only holds run policy views (an AgentLoop in the package root) does not
 * load the Temporal client to name them.
 */
import { AgentOsError } from '../errors';
import { ActivityCode } from './error-codes';

/** Reads the `policy` field of the current run's start input (whatever is there: text, nothing, something odd). */
export type FetchStartPolicy = () => Promise<unknown>;

/** Why the start input could not be read, for good: retrying will not help (the step then fails closed). */
export class StartPolicyUnreadable extends AgentOsError {
  readonly code = ActivityCode.PolicyUnavailable;
}
