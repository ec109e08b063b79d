"""The MCP tools: one definition each (arguments, description, hints), run for one user.

The arguments are the agent's own models (behflow_server/agent/tools.py) and the calls go
through its ToolRunner, so an MCP client and the chat agent find tasks, phrase results and
refuse bad input by the same rules, through the same task service. What differs is who
confirms: the agent asks the user in chat; here a delete or a change to several tasks comes
back as a pending action with a `confirmation_id`, and the same tool called again with that id
carries it out (confirmations.py). The MCP client is itself the one reading the user's words,
so the agent's intent policy (agent/policy.py) does not apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from mcp_types import CallToolResult as McpCallToolResult
from mcp_types import TextContent, Tool, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from behflow_server.agent.tools import (
    AddNoteArgs,
    AddTaskArgs,
    CompleteTaskArgs,
    DeleteTaskArgs,
    ListHistoryArgs,
    ListTasksArgs,
    TaskRef,
    ToolRunner,
    UndoArgs,
    UpdateTaskArgs,
    describe,
)
from behflow_server.auth.models import User
from behflow_server.errors import BehflowError
from behflow_server.mcp.confirmations import Confirmations, Pending
from behflow_server.tasks import changelog, quickadd
from behflow_server.tasks.models import TaskStatus


class Confirmable(BaseModel):
    confirmation_id: str | None = Field(
        default=None,
        max_length=4000,
        description="Only to confirm: the confirmation_id a previous call of this tool "
        "returned. It carries out exactly the action shown then; other arguments are ignored.",
    )


class McpUpdateArgs(UpdateTaskArgs, Confirmable):
    pass


class McpCompleteArgs(CompleteTaskArgs, Confirmable):
    pass


class McpDeleteArgs(DeleteTaskArgs, Confirmable):
    pass


class StartTaskArgs(TaskRef, Confirmable):
    pass


class BlockTaskArgs(TaskRef, Confirmable):
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="What it waits on; added to the task as a note.",
    )


class SearchTasksArgs(BaseModel):
    query: str = Field(
        min_length=1,
        max_length=200,
        description="Words that must all appear in the title or notes.",
    )
    status: Literal["open", "completed", "all"] = Field(
        default="all", description="open (not done), completed, or all."
    )
    limit: int = Field(default=20, ge=1, le=100)


class McpAddNoteArgs(AddNoteArgs, Confirmable):
    pass


class QuickAddArgs(quickadd.QuickAdd):
    """The quick-add line, as POST /api/v1/tasks/quick takes it."""


class ToolOutcome(BaseModel):
    """The structured result of every tool call."""

    status: Literal["done", "needs_confirmation", "question", "error"] = Field(
        description="done; needs_confirmation (call again with confirmation_id); question "
        "(the request was ambiguous: ask the user); error (nothing was changed)."
    )
    message: str
    actions: list[dict[str, Any]] = Field(
        default_factory=list, description="What changed: action, number, title per task."
    )
    confirmation_id: str | None = None
    confirmation_expires_at: datetime | None = None


@dataclass(frozen=True)
class McpTool:
    name: str
    description: str
    args: type[BaseModel]
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    # The agent tool this one runs, and how its arguments become that tool's.
    agent_tool: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def definition(self) -> Tool:
        return Tool(
            name=self.name,
            title=self.name.replace("_", " ").capitalize(),
            description=self.description,
            input_schema=self.args.model_json_schema(),
            output_schema=ToolOutcome.model_json_schema(),
            annotations=ToolAnnotations(
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=False,
            ),
        )

    def agent_call(self, args: BaseModel) -> tuple[str, dict[str, Any]]:
        """The ToolRunner call that does this tool's work."""
        values = args.model_dump(exclude={"confirmation_id"}, exclude_none=True)
        if isinstance(args, SearchTasksArgs):
            values = {"search": args.query, "status": args.status, "limit": args.limit}
        if isinstance(args, BlockTaskArgs):
            reason = values.pop("reason", None)
            if reason:
                values["add_note"] = reason
        return self.agent_tool or self.name, {**values, **self.extra}


_REF = (
    " Name the task(s) by `numbers`, by `ref` (words from the title), or by `match` "
    "(filters, for every task that matches)."
)
_CONFIRM = (
    " Changing more than one task returns a pending action first: call again with its "
    "confirmation_id to go ahead."
)

TOOLS: dict[str, McpTool] = {
    tool.name: tool
    for tool in (
        McpTool(
            "add_task",
            'Create a task with the given fields (due may be a phrase such as "tomorrow 5pm").',
            AddTaskArgs,
        ),
        McpTool(
            "quick_add",
            "Create a task from one line of text the way the user would type it: "
            '"Call mom tomorrow 5pm #family !high" (date, #tags, +project, !priority, '
            '"every monday", "remind me 1 hour before"). dry_run shows what would be created.',
            QuickAddArgs,
        ),
        McpTool(
            "list_tasks",
            "List (or count) the user's tasks, filtered by due date, completion date, status, "
            "priority, tag, project or search words.",
            ListTasksArgs,
            read_only=True,
            idempotent=True,
        ),
        McpTool(
            "search_tasks",
            "Find tasks whose title or notes contain all of these words, open or done.",
            SearchTasksArgs,
            read_only=True,
            idempotent=True,
            agent_tool="list_tasks",
        ),
        McpTool(
            "update_task",
            "Change tasks: due date (or shift it), title, priority, tags, project, notes, "
            "status, recurrence." + _REF + _CONFIRM,
            McpUpdateArgs,
        ),
        McpTool(
            "complete_task",
            "Mark tasks as done (a repeating task gets its next occurrence)." + _REF + _CONFIRM,
            McpCompleteArgs,
            idempotent=True,
            agent_tool="complete_task",
        ),
        McpTool(
            "start_task",
            "Mark tasks as in progress." + _REF + _CONFIRM,
            StartTaskArgs,
            idempotent=True,
            agent_tool="update_task",
            extra={"status": TaskStatus.in_progress.value},
        ),
        McpTool(
            "block_task",
            "Mark tasks as blocked, optionally saying why." + _REF + _CONFIRM,
            BlockTaskArgs,
            agent_tool="update_task",
            extra={"status": TaskStatus.blocked.value},
        ),
        McpTool(
            "add_note",
            'Add a timestamped Markdown note to a task ("called the landlord, he comes '
            'friday"). Notes are searched with the task (search_tasks).' + _REF + _CONFIRM,
            McpAddNoteArgs,
        ),
        McpTool(
            "delete_task",
            "Delete tasks (they go to the trash and can be restored). Always returns a "
            "pending action first: call again with its confirmation_id to delete." + _REF,
            McpDeleteArgs,
            destructive=True,
        ),
        McpTool(
            "list_history",
            "The user's recent changes from every client (what changed, from where, when): "
            '"what did I change today?"',
            ListHistoryArgs,
            read_only=True,
            idempotent=True,
        ),
        McpTool(
            "undo",
            "Undo the user's last change, whichever client made it; redo=true brings back the "
            "last undone one. A change overwritten since is refused unless force=true.",
            UndoArgs,
        ),
    )
}


@cache
def definitions() -> tuple[Tool, ...]:
    """Every tool's definition; built once (generating the JSON schemas takes tens of ms)."""
    return tuple(tool.definition() for tool in TOOLS.values())


def input_schema(name: str) -> dict[str, Any] | None:
    return next((tool.input_schema for tool in definitions() if tool.name == name), None)


def _invalid(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        problems.append(f"{where}: {error['msg']}")
    return "Invalid arguments: " + "; ".join(problems) + "."


def _result(outcome: ToolOutcome) -> McpCallToolResult:
    return McpCallToolResult(
        content=[TextContent(text=outcome.message)],
        structured_content=outcome.model_dump(mode="json"),
        is_error=outcome.status == "error",
    )


def _quick_add(session: Session, user: User, zone: ZoneInfo, args: QuickAddArgs) -> ToolOutcome:
    data = quickadd.QuickAdd.model_validate(args.model_dump(exclude_unset=True))
    if data.dry_run:
        preview = quickadd.preview(data, user, zone)
        fields = preview.parsed.model_dump(mode="json", exclude_defaults=True)
        return ToolOutcome(
            status="done", message=f"Would create (nothing saved): {json.dumps(fields)}"
        )
    task = quickadd.quick_add(session, user, data, zone)
    return ToolOutcome(
        status="done",
        message=f"Created {describe(task, zone)}.",
        actions=[{"action": "created", "number": task.number, "title": task.title}],
    )


@dataclass
class ToolCall:
    """One tools/call for one user, run on its own database session (in a worker thread)."""

    session: Session
    user: User
    zone: ZoneInfo
    now: datetime
    confirmations: Confirmations

    def run(self, name: str, arguments: dict[str, Any] | None) -> McpCallToolResult:
        tool = TOOLS.get(name)
        if tool is None:
            known = ", ".join(TOOLS)
            message = f"There is no tool called {name!r}; the tools are {known}."
            return _result(ToolOutcome(status="error", message=message))
        try:
            args = tool.args.model_validate(arguments or {})
        except ValidationError as exc:
            return _result(ToolOutcome(status="error", message=_invalid(exc)))
        try:
            if isinstance(args, QuickAddArgs):
                with changelog.acting_as("mcp"):
                    return _result(_quick_add(self.session, self.user, self.zone, args))
            return _result(self._run_agent_tool(tool, args))
        except BehflowError as exc:
            self.session.rollback()
            return _result(ToolOutcome(status="error", message=exc.message))

    def _run_agent_tool(self, tool: McpTool, args: BaseModel) -> ToolOutcome:
        confirmation_id = getattr(args, "confirmation_id", None)
        if confirmation_id:
            pending = self.confirmations.open(self.session, self.user, tool.name, confirmation_id)
            agent_tool, agent_args, confirmed = pending.agent_tool, pending.args, True
        else:
            agent_tool, agent_args = tool.agent_call(args)
            confirmed = False
        runner = ToolRunner(self.session, self.user, self.zone, self.now, client="mcp")
        text = runner.run(agent_tool, agent_args, confirmed=confirmed)
        if runner.pending is not None and not confirmed:
            return self._ask(tool, runner.pending)
        if text.startswith("Error: "):
            return ToolOutcome(status="error", message=text.removeprefix("Error: "))
        if text.startswith("Question for the user: "):
            return ToolOutcome(
                status="question", message=text.removeprefix("Question for the user: ")
            )
        return ToolOutcome(status="done", message=text, actions=runner.actions)

    def _ask(self, tool: McpTool, pending: dict[str, Any]) -> ToolOutcome:
        issued = self.confirmations.issue(
            self.session,
            self.user,
            Pending(tool=tool.name, agent_tool=pending["tool"], args=pending["args"]),
        )
        summary = pending["summary"]
        return ToolOutcome(
            status="needs_confirmation",
            message=(
                f"Needs confirmation, nothing was changed yet: {summary}. Once the user agrees, "
                f'call {tool.name} again with confirmation_id "{issued.confirmation_id}" '
                f"(valid until {issued.expires_at:%H:%M} UTC)."
            ),
            confirmation_id=issued.confirmation_id,
            confirmation_expires_at=issued.expires_at,
        )
