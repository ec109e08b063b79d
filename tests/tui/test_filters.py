"""The filter bar's words read tags and projects as quick add does."""

from __future__ import annotations

import pytest

from behflow_cli.tui.filters import FilterError, parse_filter


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#work", ["work"]),
        ("+work", ["work"]),  # Taskwarrior's tag, not a project
        ("@Work", ["work"]),  # Todoist's label
        ("tag:work,+home", ["work", "home"]),
        ("t:#errands", ["errands"]),
        ("+home #family @phone", ["home", "family", "phone"]),
    ],
)
def test_tags(text: str, tags: list[str]) -> None:
    task_filter = parse_filter(text)
    assert task_filter.tags == tags
    assert task_filter.project is None
    assert task_filter.q is None


@pytest.mark.parametrize("text", ["project:Home", "pro:Home", "proj:Home", "project:+Home"])
def test_project(text: str) -> None:
    task_filter = parse_filter(text)
    assert task_filter.project == "Home"
    assert task_filter.tags == []


def test_plus_home_is_a_tag_and_the_project_is_separate() -> None:
    task_filter = parse_filter("+home pro:garden !high seeds")
    assert task_filter.tags == ["home"]
    assert task_filter.project == "garden"
    assert task_filter.priority == "high"
    assert task_filter.q == "seeds"
    params = task_filter.params()
    assert (params["tag"], params["project"]) == (["home"], "garden")


@pytest.mark.parametrize("word", ["+1", "@5", "+", "@", "#"])
def test_signs_without_a_name_go_to_the_server(word: str) -> None:
    task_filter = parse_filter(word)
    assert task_filter.tags == []
    assert task_filter.project is None
    assert task_filter.q == word


@pytest.mark.parametrize(
    ("text", "q", "status"),
    [
        ("+home or -work all", "+home or -work", []),
        ("(pro:x or #y) sort:-priority", "(pro:x or #y)", ["open"]),
        ("due.before:eow is:overdue", "due.before:eow is:overdue", []),
        ("not status:completed", "not status:completed", []),
    ],
)
def test_the_filter_language_goes_to_the_server_whole(text: str, q: str, status: list[str]) -> None:
    params = parse_filter(text).params()
    assert (params["q"], params["status"], params["tag"]) == (q, status, [])


@pytest.mark.parametrize("text", ["project:", "pro:"])
def test_a_project_needs_a_name(text: str) -> None:
    with pytest.raises(FilterError, match="project:home"):
        parse_filter(text)
