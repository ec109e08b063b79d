// @ts-check
// JSDoc types for the API payloads the page reads (see /docs for the full schemas). This module
// exports nothing at run time; the others import its types with `import("./types.js")`.

/**
 * @typedef {"not_started" | "in_progress" | "blocked" | "completed"} TaskStatus
 * @typedef {"none" | "low" | "medium" | "high" | "urgent"} TaskPriority
 */

/**
 * A task as the API returns it (TaskPublic).
 * @typedef {object} Task
 * @property {string} id
 * @property {number} number
 * @property {string} title
 * @property {string | null} description
 * @property {TaskStatus} status
 * @property {TaskPriority} priority
 * @property {string | null} due_at ISO 8601 in UTC
 * @property {string | null} [ends_at]
 * @property {string[]} tags
 * @property {string | null} project
 * @property {string | null} recurrence RFC 5545 RRULE text, e.g. "FREQ=WEEKLY;BYDAY=MO"
 * @property {string | null} [recurrence_text] the rule in the server's words: "every 3 days after done"
 * @property {string | null} remind_at
 * @property {string} created_at
 * @property {string} updated_at
 * @property {string | null} completed_at
 * @property {string | null} archived_at
 * @property {string | null} [original_due_at] the due date the user set, when automation moved it
 * @property {string | null} [due_moved_by] what moved it, e.g. "reschedule_overdue"
 * @property {Record<string, unknown>} extra
 * @property {number | null} [parent] the parent task's number, for a subtask
 * @property {{done: number, total: number}} [subtasks] progress over direct subtasks
 */

/**
 * @typedef {object} TaskPage
 * @property {Task[]} items
 * @property {number} total
 * @property {number} limit
 * @property {number} offset
 */

/**
 * One project or tag with its counts (GET /api/v1/projects, /api/v1/tags).
 * @typedef {object} GroupCount
 * @property {string} name
 * @property {number} open
 * @property {number} overdue
 * @property {number} total
 */

/**
 * @typedef {object} GroupList
 * @property {GroupCount[]} items
 */

/**
 * @typedef {object} TokenReply
 * @property {string} access_token
 */

/**
 * @typedef {object} ChatAction
 * @property {string} action
 * @property {number} number
 * @property {string} title
 */

/**
 * @typedef {object} PendingAction
 * @property {string} action
 * @property {number[]} numbers
 * @property {string} summary
 */

/**
 * @typedef {object} ChatReply
 * @property {string} session_id
 * @property {string} reply
 * @property {ChatAction[]} actions
 * @property {PendingAction | null} [pending]
 * @property {string} model
 */

/**
 * @typedef {object} ChatSession
 * @property {string} id
 * @property {string | null} title
 * @property {string} created_at
 * @property {string} last_active_at
 */

/**
 * @typedef {object} ChatMessage
 * @property {string} id
 * @property {string} role "user" or "assistant"
 * @property {string} content
 * @property {Array<Record<string, unknown>>} actions
 * @property {string} created_at
 */

/**
 * The error body every 4xx carries.
 * @typedef {object} ErrorBody
 * @property {{code: string, message: string, details?: Record<string, unknown>}} error
 */

/**
 * One Server-Sent Events frame.
 * @typedef {object} Frame
 * @property {string} event
 * @property {string | null} id
 * @property {string} data
 */

export {};
