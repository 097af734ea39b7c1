export type * from './types.js';
export { EditBudget, EditBudgets, EDIT_LIMITS, type EditBudgetLimits } from './edit-budget.js';
export { ReplyStream, FINAL_WRITE_TRIES } from './reply-stream.js';
export { streamReply, type StreamReplyOptions } from './stream-reply.js';
export { splitPoint } from './split-text.js';
