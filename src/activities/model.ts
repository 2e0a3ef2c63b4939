/** The model activity: one chat-completions call (see src/model/chat.ts for error mapping). */
import { Context } from '@temporalio/activity';
import type { Chat } from '../model/chat';
import { whileHeartbeating } from './heartbeat';
import type { ModelReply, ModelRequest } from '../model/types';

/** Builds the model activity over a chat function. */
export function createModelActivities(chat: Chat) {
  return {
    /** Calls the model; failures are typed `ApplicationFailure`s (`Model.RateLimit`, …). */
    async callModel(request: ModelRequest): Promise<ModelReply> {
      return whileHeartbeating(() => chat(request, Context.current().cancellationSignal));
    },
  };
}
