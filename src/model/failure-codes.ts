/** Failure types of the model activity (`Model.*`): pure constants, safe to import anywhere. */

/** Failure types of the model activity. */
export const ModelFailure = {
  RateLimit: 'Model.RateLimit',
  ServerError: 'Model.ServerError',
  Timeout: 'Model.Timeout',
  Connection: 'Model.Connection',
  BadRequest: 'Model.BadRequest',
  Unauthorized: 'Model.Unauthorized',
  NotFound: 'Model.NotFound',
  Rejected: 'Model.Rejected',
  BadReply: 'Model.BadReply',
} as const;
export type ModelFailure = (typeof ModelFailure)[keyof typeof ModelFailure];
