"""The chat agent: a LangGraph graph whose tools call the task service."""
