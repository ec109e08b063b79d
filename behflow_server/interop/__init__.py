"""Moving tasks in and out: Taskwarrior, todo.txt, CSV, Todoist and JSON files, and iCalendar."""
