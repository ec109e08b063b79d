"""Chat models: the offline model (default) and an LLM behind any OpenAI-compatible endpoint."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from behflow_server.agent.offline import interpret
from behflow_server.agent.prompts import read_context
from behflow_server.config import Settings
from behflow_server.db import utcnow

OFFLINE_NAME = "offline"
_ids = itertools.count(1)


class OfflineChatModel(BaseChatModel):
    """Deterministic rules that answer with the same tool calls an LLM would."""

    @property
    def _llm_type(self) -> str:
        return "behflow-offline"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineChatModel:
        # The tools are fixed (agent/tools.py): the rules already emit their calls.
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.answer(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self.answer(messages)
        if message.tool_calls:
            call = message.tool_calls[0]
            chunk = AIMessageChunk(
                content=message.content,
                tool_call_chunks=[
                    {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": n}
                    for n, c in enumerate(message.tool_calls)
                ],
                id=call["id"],
            )
            yield ChatGenerationChunk(message=chunk)
            return
        for piece in re.findall(r"\S+\s*|\s+", str(message.content)):
            if run_manager is not None:
                run_manager.on_llm_new_token(piece)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

    def answer(self, messages: list[BaseMessage]) -> AIMessage:
        if messages and isinstance(messages[-1], ToolMessage):
            summary = summarize_tool_results(messages)
            note = _note_before_tool_results(messages)
            return AIMessage(content=f"{summary}\n{note}" if note else summary)
        system = next((m for m in messages if isinstance(m, SystemMessage)), None)
        now, zone = read_context(str(system.content)) if system is not None else (None, None)
        human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        text = str(human.content) if human is not None else ""
        result = interpret(text, zone or ZoneInfo("UTC"), now or utcnow())
        if result.reply is not None:
            return AIMessage(content=result.reply)
        call_id = f"call_offline_{next(_ids)}"
        return AIMessage(
            content=result.note or "",
            tool_calls=[{"name": result.intent, "args": result.args, "id": call_id}],
        )


def _note_before_tool_results(messages: list[BaseMessage]) -> str:
    """What the model said along with the tool calls whose results end `messages`."""
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return str(message.content).strip()
        if not isinstance(message, ToolMessage):
            break
    return ""


def summarize_tool_results(messages: Sequence[BaseMessage]) -> str:
    """This turn's tool results, phrased for the user."""
    results: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        results.append(str(message.content))
    lines = []
    for text in reversed(results):
        if text.startswith("Question for the user: "):
            text = text[len("Question for the user: ") :]
        elif text.startswith("Needs confirmation: "):
            text = text[len("Needs confirmation: ") :]
        elif text.startswith("Not done: the user asked a question"):
            text = "That sounds like a question, so I changed nothing."
        elif text.startswith("Error: "):
            text = "Sorry, that did not work: " + text[len("Error: ") :]
        lines.append(text)
    return "\n".join(lines)


def llm_configured(settings: Settings) -> bool:
    return bool(settings.llm_base_url or settings.llm_key)


def make_llm(settings: Settings) -> BaseChatModel:
    """ChatOpenAI against BEHFLOW_LLM_BASE_URL (OpenAI itself when unset)."""
    from langchain_openai import ChatOpenAI  # slow import: only when an LLM is configured

    return ChatOpenAI(
        model=settings.llm_model or "gpt-4o-mini",
        base_url=settings.llm_base_url,
        # Local servers (Ollama, llama.cpp, ...) want no key, but the client insists on one.
        api_key=settings.llm_key or "not-needed",
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        temperature=0,
    )


def model_name(settings: Settings) -> str:
    if not llm_configured(settings):
        return OFFLINE_NAME
    return settings.llm_model or "gpt-4o-mini"
